// Typed ECS container definitions. The provider takes them as a JSON string that nothing
// checks, so they are built against the AWS SDK's ContainerDefinition type (types only).
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { DEFAULT_CAPABILITIES, type RuntimeSpec, type ServiceSpec } from "../spec.js";

/** Name of the task volume that holds a stateful service's data. */
export const DATA_VOLUME = "data";
/** Name of the task-local scratch volume of a stateless service (its root fs is read-only). */
export const SCRATCH_VOLUME = "tmp";

/** Env a service needs on Fargate beyond its target-neutral spec. */
function fargateEnv(spec: ServiceSpec): Record<string, string> {
  // Fargate cannot raise vm.max_map_count, so the search engine must not mmap its store.
  return spec.name === "search"
    ? { ...spec.env, "node.store.allow_mmap": "false" }
    : { ...spec.env };
}

/** Inputs resolved to plain values, ready to be rendered into the JSON the provider takes. */
interface ContainerInputs {
  readonly spec: ServiceSpec;
  readonly image: string;
  /** Env known only once other resources exist (the public URL). */
  readonly extraEnv: Readonly<Record<string, string>>;
  /** Secrets Manager ARN per secret env var name. */
  readonly secretArns: Readonly<Record<string, string>>;
  readonly logGroup: string;
  readonly region: string;
}

/** The single container of a service's task. Credentials go in `secrets`, never `environment`. */
export function containerDefinition(inputs: ContainerInputs): ContainerDefinition {
  const { spec } = inputs;
  const env = { ...fargateEnv(spec), ...inputs.extraEnv };
  return {
    name: spec.name,
    image: inputs.image,
    essential: true,
    ...(spec.user === undefined ? {} : { user: spec.user }),
    portMappings: [
      { containerPort: spec.port, hostPort: spec.port, protocol: "tcp", name: spec.name },
    ],
    environment: Object.keys(env)
      .sort()
      .map((name) => ({ name, value: env[name] })),
    secrets: Object.keys(spec.secretEnv)
      .sort()
      .map((name) => {
        const arn = inputs.secretArns[name];
        if (arn === undefined) throw new Error(`no Secrets Manager ARN for ${spec.name} ${name}`);
        return { name, valueFrom: arn };
      }),
    healthCheck: {
      command: ["CMD", ...spec.healthCheck.command],
      interval: spec.healthCheck.intervalSeconds,
      timeout: spec.healthCheck.timeoutSeconds,
      retries: spec.healthCheck.retries,
      startPeriod: spec.healthCheck.startPeriodSeconds,
    },
    logConfiguration: {
      logDriver: "awslogs",
      options: {
        "awslogs-group": inputs.logGroup,
        "awslogs-region": inputs.region,
        "awslogs-stream-prefix": spec.name,
      },
    },
    // Stateless services get a read-only root filesystem and a task-local /tmp.
    readonlyRootFilesystem: spec.data === undefined,
    mountPoints:
      spec.data === undefined
        ? [{ sourceVolume: SCRATCH_VOLUME, containerPath: "/tmp", readOnly: false }]
        : [{ sourceVolume: DATA_VOLUME, containerPath: spec.data.path, readOnly: false }],
    ulimits: spec.name === "search" ? [{ name: "nofile", softLimit: 65535, hardLimit: 65535 }] : [],
    ...fargateRuntime(spec.runtime),
  };
}

/** A RuntimeSpec as Fargate container settings: init, capabilities, stop grace. */
export function fargateRuntime(
  runtime: RuntimeSpec,
): Pick<ContainerDefinition, "linuxParameters" | "stopTimeout"> {
  return {
    // Fargate can only add SYS_PTRACE, so what a service keeps is expressed as what it drops.
    linuxParameters: {
      initProcessEnabled: runtime.init,
      capabilities: {
        drop: DEFAULT_CAPABILITIES.filter((c) => !runtime.capabilities.includes(c)),
      },
    },
    // Fargate allows at most 120 s between SIGTERM and SIGKILL.
    stopTimeout: Math.min(runtime.stopGraceSeconds, 120),
  };
}
