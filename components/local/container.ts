// Pure helpers that turn a target-neutral ServiceSpec into @pulumi/docker container inputs.
import * as pulumi from "@pulumi/pulumi";
import type * as docker from "@pulumi/docker";
import type { HealthCheckSpec, ServiceSpec } from "../spec.js";

/**
 * Seconds as Go's time.Duration prints them ("45s", "1m0s", "5m0s"): the provider reads the
 * health check back in that form, so any other spelling would show a diff on every preview.
 */
export function goDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m === 0 ? `${s}s` : `${m}m${s}s`;
}

/** Docker health check from the spec (exec form). */
export function dockerHealthcheck(check: HealthCheckSpec): docker.types.input.ContainerHealthcheck {
  return {
    tests: ["CMD", ...check.command],
    interval: goDuration(check.intervalSeconds),
    timeout: goDuration(check.timeoutSeconds),
    retries: check.retries,
    startPeriod: goDuration(check.startPeriodSeconds),
  };
}

/** Seconds `wait: true` may wait for healthy: the start period plus every retry, with slack. */
export function waitTimeoutSeconds(check: HealthCheckSpec): number {
  return (
    check.startPeriodSeconds +
    (check.retries + 1) * (check.intervalSeconds + check.timeoutSeconds) +
    30
  );
}

/** Directory credentials are delivered in, one file per variable (`<name>` in lower case). */
export const SECRETS_DIR = "/run/secrets";

/** The file a credential variable is delivered in. */
export function secretFile(name: string): string {
  return `${SECRETS_DIR}/${name.toLowerCase()}`;
}

/**
 * `NAME=value` list for the container. Credentials are not in it: each comes as a file
 * (`NAME_FILE=/run/secrets/name`, the `_FILE` convention the official MySQL image and the app
 * both read), so `docker inspect` and the processes' environment never show them.
 */
export function dockerEnvs(spec: ServiceSpec): string[] {
  const plain = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  const files = Object.keys(spec.secretEnv)
    .sort()
    .map((k) => `${k}_FILE=${secretFile(k)}`);
  return [...plain, ...files];
}

/**
 * The credential files, uploaded into the container's own secrets volume before it starts.
 * Images that read them as root before dropping privileges (MySQL) get root-only files (0400);
 * a service that runs as a non-root user gets files it can read (0444: the docker provider 5.1
 * cannot set an owner), on a volume no other container mounts. Their content is a Pulumi secret,
 * so state keeps it encrypted.
 */
export function secretUploads(spec: ServiceSpec): docker.types.input.ContainerUpload[] {
  const permissions = spec.user === undefined ? "0400" : "0444";
  return Object.keys(spec.secretEnv)
    .sort()
    .map((k) => ({
      file: secretFile(k),
      content: pulumi.secret(spec.secretEnv[k] as pulumi.Output<string>),
      permissions,
    }));
}

/** Port mapping published on loopback only. */
export function loopbackPort(internal: number, external: number): docker.types.input.ContainerPort {
  return { internal, external, ip: "127.0.0.1", protocol: "tcp" };
}
