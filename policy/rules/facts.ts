// Turns a Docker container or an ECS task definition into the same list of container facts,
// so each container rule is written once for both targets.
import { dataKindOf, DATA_PATHS, splitEnv, type DataKind } from "./inspect.js";
import { efsVolumes, parseContainerDefinitions, type EcsContainer } from "./ecs-defs.js";
import { arr, isKnown, known, num, obj, str, UNKNOWN, type Maybe } from "./values.js";

/** Resource types whose containers the container rules inspect. */
export const DOCKER_CONTAINER = "docker:index/container:Container";
export const ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

/** What the rules need to know about one container, whatever runs it. */
export interface ContainerFacts {
  /** Name used in messages: the resource name, plus the container name on ECS. */
  readonly label: string;
  readonly target: "docker" | "ecs";
  /** Judged from whatever is known (names always are). */
  readonly kind: DataKind | undefined;
  // Each field below is UNKNOWN when a value it needs is unknown during preview.
  readonly image: Maybe<string | undefined>;
  readonly user: Maybe<string | undefined>;
  readonly privileged: Maybe<boolean>;
  /** Hard memory limit in MiB (container or, on ECS, task level). */
  readonly memoryMb: Maybe<number | undefined>;
  readonly hasHealthCheck: Maybe<boolean>;
  /** True when something restarts the container after it dies. */
  readonly restarts: Maybe<boolean>;
  /** Plain (non-secret-store) environment as name/value pairs. */
  readonly env: Maybe<readonly (readonly [string, string])[]>;
  /** ECS `secrets[]` entries; empty on Docker. */
  readonly secretRefs: Maybe<readonly { readonly name: string; readonly valueFrom: string }[]>;
  /** Mounts of the data paths and whether each is backed by a named volume or EFS. */
  readonly dataMounts: Maybe<readonly { readonly path: string; readonly durable: boolean }[]>;
  readonly hasLogging: Maybe<boolean>;
  /**
   * A job rather than a service (label `microblog.role=job`): it uses a data image without
   * owning that data (the MySQL dump), and on ECS runs once on a schedule and stops.
   */
  readonly job: boolean;
}

/** The label that marks a container as a job (components set it; the rules read it). */
export const JOB_LABEL = { name: "microblog.role", value: "job" } as const;

/** Facts of the containers in a resource, or an error message when they cannot be read. */
export function containerFacts(
  type: string,
  name: string,
  props: Record<string, unknown>,
): ContainerFacts[] | string {
  if (type === DOCKER_CONTAINER) return [dockerFacts(name, props)];
  if (type === ECS_TASK_DEFINITION) {
    // The definitions are one JSON string: unknown in preview when any part of it is.
    const raw = known(() => props.containerDefinitions);
    if (!isKnown(raw)) return [];
    const defs = parseContainerDefinitions(raw);
    if (typeof defs === "string") return defs;
    return defs.map((c) => ecsFacts(name, props, c));
  }
  return [];
}

function dockerFacts(name: string, props: Record<string, unknown>): ContainerFacts {
  const env = known(() => arr(props.envs).map((e) => splitEnv(String(e))));
  const image = known(() => str(props.image));
  const kind = dataKindOf({
    names: [name, str(known(() => props.name)) ?? ""],
    image: isKnown(image) ? image : undefined,
    envNames: isKnown(env) ? env.map(([k]) => k) : [],
  });
  const dataMounts = known(() =>
    arr(props.volumes)
      .map(obj)
      .filter((v): v is Record<string, unknown> => v !== undefined)
      .filter((v) => kind !== undefined && DATA_PATHS[kind].includes(str(v.containerPath) ?? ""))
      .map((v) => ({
        path: str(v.containerPath) ?? "",
        durable: (str(v.volumeName) ?? "") !== "",
      })),
  );
  return {
    label: name,
    target: "docker",
    kind,
    image,
    user: known(() => str(props.user) || undefined),
    privileged: known(() => props.privileged === true),
    memoryMb: known(() => num(props.memory)),
    hasHealthCheck: known(() => {
      const tests = arr(obj(props.healthcheck)?.tests).map(String);
      return tests.length > 0 && tests[0] !== "NONE";
    }),
    restarts: known(() =>
      ["always", "unless-stopped", "on-failure"].includes(str(props.restart) ?? "no"),
    ),
    env,
    secretRefs: [],
    dataMounts,
    // Docker's default json-file driver always captures stdout/stderr.
    hasLogging: true,
    job: arr(known(() => props.labels))
      .map(obj)
      .some((l) => str(l?.label) === JOB_LABEL.name && str(l?.value) === JOB_LABEL.value),
  };
}

function ecsFacts(name: string, props: Record<string, unknown>, c: EcsContainer): ContainerFacts {
  const env = (c.environment ?? []).map((e) => [e.name ?? "", e.value ?? ""] as const);
  const kind = dataKindOf({
    names: [name, c.name ?? ""],
    image: c.image,
    envNames: env.map(([k]) => k),
  });
  const efs = known(() => efsVolumes(props));
  const taskMemory = known(() => Number(props.memory));
  const dataMounts = isKnown(efs)
    ? (c.mountPoints ?? [])
        .filter((m) => kind !== undefined && DATA_PATHS[kind].includes(m.containerPath ?? ""))
        .map((m) => ({ path: m.containerPath ?? "", durable: efs.has(m.sourceVolume ?? "") }))
    : UNKNOWN;
  const taskLimit = isKnown(taskMemory) && taskMemory > 0 ? taskMemory : undefined;
  return {
    label: `${name} (container ${c.name ?? "?"})`,
    target: "ecs",
    kind,
    image: c.image,
    user: c.user || undefined,
    privileged: c.privileged === true,
    memoryMb: c.memory ?? (isKnown(taskMemory) ? taskLimit : UNKNOWN),
    hasHealthCheck: (c.healthCheck?.command ?? []).length > 0,
    // The service scheduler replaces a task whose essential container stops.
    restarts: c.essential !== false || c.restartPolicy?.enabled === true,
    env,
    secretRefs: (c.secrets ?? []).map((s) => ({
      name: s.name ?? "",
      valueFrom: s.valueFrom ?? "",
    })),
    dataMounts,
    hasLogging: (c.logConfiguration?.logDriver ?? "") !== "",
    job: c.dockerLabels?.[JOB_LABEL.name] === JOB_LABEL.value,
  };
}
