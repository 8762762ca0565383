// Pure validation rules behind config.ts. Each returns an error message (string) naming the
// key, the bad value and what is allowed, or undefined when the value is fine.
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, type ConfigKey, type KeySpec } from "./config-schema.js";
import type { Raw } from "./config-target.js";

/** Fargate task CPU units and the memory sizes (MiB) each accepts. */
export const FARGATE_MEMORY: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
]);

/** Retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Formats a value for a message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}

/** Checks that `value` is one of `allowed`. */
export function checkOneOf(
  key: string,
  value: string,
  allowed: readonly string[],
): string | undefined {
  if (allowed.includes(value)) return undefined;
  return `Invalid config ${key}=${show(value)}: allowed values are ${allowed.join(", ")}.`;
}

/** Checks that `value` is an integer between `min` and `max` inclusive. */
export function checkIntRange(
  key: string,
  value: number,
  min: number,
  max: number,
): string | undefined {
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  return `Invalid config ${key}=${show(value)}: must be an integer from ${min} to ${max}.`;
}

/** Checks a host TCP port (1024-65535; privileged ports need root on the host). */
export function checkPort(key: string, value: number): string | undefined {
  return checkIntRange(key, value, 1024, 65535);
}

// name[:tag][@sha256:<64 hex>] where name is [registry[:port]/]path; lower-case path parts.
const IMAGE_REF =
  /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(@sha256:[a-f0-9]{64})?$/;

/** Checks an image reference: well-formed, pinned by a tag or digest, tag not `latest`. */
export function checkImageRef(key: string, value: string): string | undefined {
  const m = IMAGE_REF.exec(value);
  const allowed = "a pinned reference such as mysql:8.4.6 or repo@sha256:<digest> (not latest)";
  if (m === null)
    return `Invalid config ${key}=${show(value)}: malformed image reference; expected ${allowed}.`;
  const [, tag, digest] = m;
  if (tag === undefined && digest === undefined) {
    return `Invalid config ${key}=${show(value)}: image has no tag or digest; expected ${allowed}.`;
  }
  if (tag === "latest" && digest === undefined) {
    return `Invalid config ${key}=${show(value)}: tag "latest" is not pinned; expected ${allowed}.`;
  }
  return undefined;
}

/** Checks an AWS region name such as us-east-1 or us-gov-west-1. */
export function checkRegion(key: string, value: string): string | undefined {
  if (/^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9]$/.test(value)) return undefined;
  return `Invalid config ${key}=${show(value)}: expected an AWS region such as us-east-1.`;
}

/** Checks a Fargate CPU/memory pair. */
export function checkFargate(
  cpuKey: string,
  cpu: number,
  memKey: string,
  memory: number,
): string | undefined {
  const allowed = FARGATE_MEMORY.get(cpu);
  if (allowed === undefined) {
    const cpus = [...FARGATE_MEMORY.keys()].join(", ");
    return `Invalid config ${cpuKey}=${cpu}: Fargate CPU must be one of ${cpus}.`;
  }
  if (allowed.includes(memory)) return undefined;
  return (
    `Invalid config ${memKey}=${memory} for ${cpuKey}=${cpu}: Fargate accepts ` +
    `${allowed.join(", ")} MiB with ${cpu} CPU units.`
  );
}

/** Checks a CloudWatch log retention period. */
export function checkLogRetention(key: string, value: number): string | undefined {
  if (LOG_RETENTION_DAYS.includes(value)) return undefined;
  return `Invalid config ${key}=${value}: CloudWatch accepts ${LOG_RETENTION_DAYS.join(", ")} days.`;
}

/** Checks an ACM certificate ARN. */
export function checkCertificateArn(key: string, value: string): string | undefined {
  if (/^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/.test(value)) {
    return undefined;
  }
  return `Invalid config ${key}=${show(value)}: expected an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>).`;
}

/** Checks a comma-separated list of e-mail addresses. */
export function checkEmails(key: string, value: string): string | undefined {
  const bad = value
    .split(",")
    .map((s) => s.trim())
    .find((s) => !/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(s));
  if (bad === undefined) return undefined;
  return `Invalid config ${key}=${show(value)}: "${bad}" is not an e-mail address; expected comma-separated addresses.`;
}

/** Checks an id such as vpc-0abc or subnet-0abc. */
export function checkAwsId(key: string, value: string, prefix: string): string | undefined {
  if (new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(value)) return undefined;
  return `Invalid config ${key}=${show(value)}: expected an id like ${prefix}-0123456789abcdef0.`;
}

/** Parses a raw config string according to its declared type. */
export function parse(key: string, type: string, raw: string): Raw {
  switch (type) {
    case "integer": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isInteger(n)) {
        throw new pulumi.RunError(`Invalid config ${key}="${raw}": must be an integer.`);
      }
      return n;
    }
    case "boolean":
      if (raw !== "true" && raw !== "false") {
        throw new pulumi.RunError(`Invalid config ${key}="${raw}": must be true or false.`);
      }
      return raw === "true";
    case "array": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === "string")) {
        throw new pulumi.RunError(`Invalid config ${key}=${raw}: must be a list of strings.`);
      }
      return parsed as string[];
    }
    default:
      return raw;
  }
}

/** Keys of the other target are an error unless they still hold their (CLI-injected) default. */
export function rejectOtherTarget(
  values: ReadonlyMap<ConfigKey, Raw>,
  target: "local" | "ecs",
): void {
  for (const [key, value] of values) {
    const spec: KeySpec = CONFIG_KEYS[key];
    if (spec.target === "both" || spec.target === target) continue;
    if (JSON.stringify(value) === JSON.stringify(spec.default)) continue;
    throw new pulumi.RunError(
      `Config key ${key}=${spec.secret === true ? "[secret]" : show(value)} applies only to target "${spec.target}", ` +
        `but this stack's target is "${target}"; remove it from the stack config.`,
    );
  }
}

/** Maps the empty-string "unset" sentinel to undefined. */
export function optional(value: string): string | undefined {
  return value === "" ? undefined : value;
}
