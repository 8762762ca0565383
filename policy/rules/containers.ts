// Rules over every container, on Docker and on ECS alike (see facts.ts).
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import {
  containerFacts,
  DOCKER_CONTAINER,
  ECS_TASK_DEFINITION,
  type ContainerFacts,
} from "./facts.js";
import { isKnown } from "./values.js";
import {
  isCredentialName,
  isFlagValue,
  isRootUser,
  typedCredentialReason,
  unpinnedImageReason,
  urlPassword,
} from "./inspect.js";

/** The parts of a resource validation's arguments the rules use (tests stub exactly these). */
export type RuleArgs = Pick<
  ResourceValidationArgs,
  "type" | "name" | "urn" | "props" | "opts" | "notApplicable" | "stackTags" | "getConfig"
>;

/** A resource rule: reports each violation it finds. */
export type ResourceRule = (args: RuleArgs, report: ReportViolation) => void;

/** Runs `check` on each container of a Docker container or ECS task definition. */
function eachContainer(check: (f: ContainerFacts) => string[] | string | undefined): ResourceRule {
  return (args, report) => {
    if (args.type !== DOCKER_CONTAINER && args.type !== ECS_TASK_DEFINITION) {
      args.notApplicable("not a container or task definition");
    }
    const facts = containerFacts(args.type, args.name, args.props);
    if (typeof facts === "string") {
      report(`${args.name}: ${facts}`);
      return;
    }
    for (const f of facts) {
      const found = check(f);
      for (const msg of typeof found === "string" ? [found] : (found ?? []))
        report(`${f.label}: ${msg}`);
    }
  };
}

/**
 * ECS: no credential in `environment` at all (they belong in `secrets`). Docker has no secret
 * store, so credentials reach containers as env vars passed as Pulumi secrets; the policy
 * engine cannot see secretness (the unit tests check it), so here a credential is rejected
 * when it is evidently typed in: empty, a well-known default, or shorter than a generated one.
 */
export const noPlaintextCredentials = eachContainer((f) => {
  const found: string[] = [];
  if (!isKnown(f.env)) return found;
  for (const [name, value] of f.env) {
    const inUrl = urlPassword(value);
    if (f.target === "ecs") {
      if (isCredentialName(name) && !isFlagValue(value)) {
        found.push(
          `credential ${name} is in plain "environment"; pass it in "secrets" with valueFrom`,
        );
      } else if (inUrl !== undefined && inUrl !== "") {
        found.push(`${name} holds a URL with a password; pass it in "secrets" with valueFrom`);
      }
      continue;
    }
    if (isCredentialName(name) && !isFlagValue(value)) {
      const why = typedCredentialReason(value);
      if (why)
        found.push(
          `credential ${name} ${why}: generate it (RandomPassword) and pass it as a secret`,
        );
    }
    const urlWhy = inUrl === undefined ? undefined : typedCredentialReason(inUrl);
    if (urlWhy) found.push(`the password in ${name}'s URL ${urlWhy}: use a generated secret`);
  }
  return found;
});

/** ECS: every `secrets[]` entry points at Secrets Manager or SSM Parameter Store. */
export const ecsSecretsByReference = eachContainer((f) =>
  (isKnown(f.secretRefs) ? f.secretRefs : [])
    .filter(
      (s) =>
        !/^arn:aws[a-z-]*:(secretsmanager|ssm):/.test(s.valueFrom) && !s.valueFrom.startsWith("/"),
    )
    .map(
      (s) =>
        `secret ${s.name} has valueFrom "${s.valueFrom}", not a Secrets Manager or SSM reference`,
    ),
);

/** Containers run as an explicit non-root user; data images that drop root themselves are exempt. */
export const nonRootUser = eachContainer((f) => {
  if (f.kind !== undefined || !isKnown(f.user)) return undefined;
  if (f.user === undefined) return 'no "user" set: name a non-root user (e.g. "1000:1000")';
  return isRootUser(f.user) ? `runs as root ("${f.user}"): use a non-root user` : undefined;
});

/** No privileged containers. */
export const noPrivileged = eachContainer((f) =>
  f.privileged === true
    ? "privileged: true gives the container the host's devices and capabilities"
    : undefined,
);

/** Every container has a hard memory limit. */
export const memoryLimit = eachContainer((f) =>
  !isKnown(f.memoryMb) || (f.memoryMb !== undefined && f.memoryMb > 0)
    ? undefined
    : "no memory limit: set memory (MiB)",
);

/** Every container has a health check (an ECS job runs once and has nothing to probe). */
export const healthCheck = eachContainer((f) =>
  f.hasHealthCheck !== false || (f.job && f.target === "ecs")
    ? undefined
    : "no health check: add one that probes the service",
);

/** Every container is restarted when it dies (an ECS job's next run is its schedule's). */
export const restartPolicy = eachContainer((f) =>
  f.restarts !== false || (f.job && f.target === "ecs")
    ? undefined
    : f.target === "docker"
      ? 'restart policy is "no": use "unless-stopped", "always" or "on-failure"'
      : "non-essential container without restartPolicy.enabled",
);

/** Images are pinned by version tag or digest, never `latest` or untagged. */
export const containerImagePinned = eachContainer((f) => {
  if (!isKnown(f.image)) return undefined;
  if (f.image === undefined) return "no image";
  return unpinnedImageReason(f.image);
});

/** ECS containers send logs to a log driver (awslogs / firelens). */
export const ecsLogging = eachContainer((f) =>
  f.hasLogging !== false ? undefined : "no logConfiguration: logs would be lost",
);

/** MySQL and search keep data on a named Docker volume or EFS, never in the container layer. */
export const dataOnDurableVolume = eachContainer((f) => {
  // A job only reads the data through the server (a dump), it keeps none of its own.
  if (f.kind === undefined || f.job || !isKnown(f.dataMounts)) return undefined;
  const where = f.target === "docker" ? "a named Docker volume (volumeName)" : "an EFS volume";
  if (f.dataMounts.length === 0) return `${f.kind} data path is not mounted: mount it on ${where}`;
  return f.dataMounts
    .filter((m) => !m.durable)
    .map((m) => `${f.kind} data at ${m.path} is not on ${where}`);
});
