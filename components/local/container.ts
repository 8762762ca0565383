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

/** Docker Engine API version from which a health check may have a start interval (Docker 25). */
export const START_INTERVAL_API = "1.44";

/** What the renderer knows of the Docker engine it deploys to. */
export interface DockerEngine {
  /** The engine takes a health check's start interval (API 1.44+). */
  readonly startInterval: boolean;
}

/** Whether Docker Engine API version `version` ("1.41") is at least `least`. */
export function apiAtLeast(version: string, least: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const [lMajor = 0, lMinor = 0] = least.split(".").map(Number);
  return major !== lMajor ? major > lMajor : minor >= lMinor;
}

/**
 * Docker health check from the spec (exec form). Checks run every `startIntervalSeconds` while
 * the container starts, so it counts as healthy about a second after it is ready and whatever
 * waits for it starts then: with the engine's start interval during the start period and the
 * steady `intervalSeconds` after it, or, on an engine without start intervals, at the start pace
 * throughout (a little more work per minute in exchange for the same start).
 */
export function dockerHealthcheck(
  check: HealthCheckSpec,
  engine: DockerEngine,
): docker.types.input.ContainerHealthcheck {
  return {
    tests: ["CMD", ...check.command],
    interval: goDuration(steadyInterval(check, engine)),
    timeout: goDuration(check.timeoutSeconds),
    retries: check.retries,
    startPeriod: goDuration(check.startPeriodSeconds),
    ...(engine.startInterval ? { startInterval: goDuration(check.startIntervalSeconds) } : {}),
  };
}

/** Seconds between checks after the start period on this engine. */
function steadyInterval(check: HealthCheckSpec, engine: DockerEngine): number {
  return engine.startInterval ? check.intervalSeconds : check.startIntervalSeconds;
}

/** Seconds `wait: true` may wait for healthy: the start period plus every retry, with slack. */
export function waitTimeoutSeconds(check: HealthCheckSpec, engine: DockerEngine): number {
  return (
    check.startPeriodSeconds +
    (check.retries + 1) * (steadyInterval(check, engine) + check.timeoutSeconds) +
    30
  );
}

/** Directory credentials are delivered in, one file per variable (`<name>` in lower case). */
const SECRETS_DIR = "/run/secrets";

/** The file a credential variable is delivered in. */
function secretFile(name: string): string {
  return `${SECRETS_DIR}/${name.toLowerCase()}`;
}

/**
 * How a container gets its credentials. As files where the container's root filesystem is
 * writable (`NAME_FILE=/run/secrets/name`, the `_FILE` convention the official MySQL image and
 * the app both read; root-only, mode 0400, uploaded before the container starts), so neither
 * `docker inspect` nor the processes' environment shows them. Docker accepts uploads only into a
 * writable root filesystem, so a read-only container (the app) gets them in its env list, which
 * is then one Pulumi secret. Either way state keeps them encrypted.
 */
export function dockerCredentials(
  spec: Pick<ServiceSpec, "env" | "secretEnv">,
  readOnlyRoot: boolean,
): {
  envs: pulumi.Input<string[]>;
  uploads?: docker.types.input.ContainerUpload[];
} {
  const plain = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  const names = Object.keys(spec.secretEnv).sort();
  const value = (k: string) => spec.secretEnv[k] as pulumi.Output<string>;
  if (names.length === 0) return { envs: plain };
  if (readOnlyRoot) {
    return {
      envs: pulumi.secret(
        pulumi
          .all(names.map(value))
          .apply((vs) => [...plain, ...names.map((k, i) => `${k}=${vs[i]}`)]),
      ),
    };
  }
  return {
    envs: [...plain, ...names.map((k) => `${k}_FILE=${secretFile(k)}`)],
    uploads: names.map((k) => ({
      file: secretFile(k),
      content: pulumi.secret(value(k)),
      permissions: "0400",
    })),
  };
}

/**
 * Every capability dropped but those the service keeps, named as the engine stores them: Docker
 * records `CHOWN` as `CAP_CHOWN` and reads it back so, and the provider would then see a change
 * on every refresh (`pulumi up --refresh`, the drift job) and replace the container.
 */
export function dockerCapabilities(
  keep: readonly string[],
): docker.types.input.ContainerCapabilities {
  return { drops: ["ALL"], adds: keep.map((c) => (c.startsWith("CAP_") ? c : `CAP_${c}`)) };
}

/** Port mapping published on loopback only. */
export function loopbackPort(internal: number, external: number): docker.types.input.ContainerPort {
  return { internal, external, ip: "127.0.0.1", protocol: "tcp" };
}
