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

/**
 * `NAME=value` list for the container. When the service has credentials the whole list is
 * a Pulumi secret, so nothing sensitive reaches state or the console in clear.
 */
export function dockerEnvs(spec: ServiceSpec): pulumi.Output<string[]> {
  const plain = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  const secretNames = Object.keys(spec.secretEnv).sort();
  if (secretNames.length === 0) return pulumi.output(plain);
  const values = secretNames.map((k) => spec.secretEnv[k] as pulumi.Output<string>);
  return pulumi.secret(
    pulumi.all(values).apply((vs) => [...plain, ...secretNames.map((k, i) => `${k}=${vs[i]}`)]),
  );
}

/** Port mapping published on loopback only. */
export function loopbackPort(internal: number, external: number): docker.types.input.ContainerPort {
  return { internal, external, ip: "127.0.0.1", protocol: "tcp" };
}
