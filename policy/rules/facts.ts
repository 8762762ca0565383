// Turns a Docker container or an ECS task definition into the same list of container facts,
// so each container rule is written once for both targets.
import { dataKindOf, DATA_PATHS, splitEnv, type DataKind } from "./inspect.js";
import { efsVolumes, parseContainerDefinitions, type EcsContainer } from "./ecs-defs.js";
import { arr, num, obj, str } from "./values.js";

/** Resource types whose containers the container rules inspect. */
export const DOCKER_CONTAINER = "docker:index/container:Container";
export const ECS_TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

/** What the rules need to know about one container, whatever runs it. */
export interface ContainerFacts {
  /** Name used in messages: the resource name, plus the container name on ECS. */
  readonly label: string;
  readonly target: "docker" | "ecs";
  readonly kind: DataKind | undefined;
  readonly image: string | undefined;
  readonly user: string | undefined;
  readonly privileged: boolean;
  /** Hard memory limit in MiB (container or, on ECS, task level). */
  readonly memoryMb: number | undefined;
  readonly hasHealthCheck: boolean;
  /** True when something restarts the container after it dies. */
  readonly restarts: boolean;
  /** Plain (non-secret-store) environment as name/value pairs. */
  readonly env: readonly (readonly [string, string])[];
  /** ECS `secrets[]` entries; empty on Docker. */
  readonly secretRefs: readonly { readonly name: string; readonly valueFrom: string }[];
  /** Mounts of the data paths and whether each is backed by a named volume or EFS. */
  readonly dataMounts: readonly { readonly path: string; readonly durable: boolean }[];
  readonly hasLogging: boolean;
}

/** Facts of the containers in a resource, or an error message when they cannot be read. */
export function containerFacts(
  type: string,
  name: string,
  props: Record<string, unknown>,
): ContainerFacts[] | string {
  if (type === DOCKER_CONTAINER) return [dockerFacts(name, props)];
  if (type === ECS_TASK_DEFINITION) {
    const defs = parseContainerDefinitions(props.containerDefinitions);
    if (typeof defs === "string") return defs;
    return defs.map((c) => ecsFacts(name, props, c));
  }
  return [];
}

function dockerFacts(name: string, props: Record<string, unknown>): ContainerFacts {
  const env = arr(props.envs).map((e) => splitEnv(String(e)));
  const kind = dataKindOf({
    names: [name, str(props.name) ?? ""],
    image: str(props.image),
    envNames: env.map(([k]) => k),
  });
  const health = obj(props.healthcheck);
  const tests = arr(health?.tests).map(String);
  const restart = str(props.restart) ?? "no";
  const dataMounts = arr(props.volumes)
    .map(obj)
    .filter((v): v is Record<string, unknown> => v !== undefined)
    .filter((v) => kind !== undefined && DATA_PATHS[kind].includes(str(v.containerPath) ?? ""))
    .map((v) => ({ path: str(v.containerPath) ?? "", durable: (str(v.volumeName) ?? "") !== "" }));
  return {
    label: name,
    target: "docker",
    kind,
    image: str(props.image),
    user: str(props.user) || undefined,
    privileged: props.privileged === true,
    memoryMb: num(props.memory),
    hasHealthCheck: tests.length > 0 && tests[0] !== "NONE",
    restarts: ["always", "unless-stopped", "on-failure"].includes(restart),
    env,
    secretRefs: [],
    dataMounts,
    // Docker's default json-file driver always captures stdout/stderr.
    hasLogging: true,
  };
}

function ecsFacts(name: string, props: Record<string, unknown>, c: EcsContainer): ContainerFacts {
  const env = (c.environment ?? []).map((e) => [e.name ?? "", e.value ?? ""] as const);
  const kind = dataKindOf({
    names: [name, c.name ?? ""],
    image: c.image,
    envNames: env.map(([k]) => k),
  });
  const efs = efsVolumes(props);
  const taskMemory = Number(props.memory);
  const dataMounts = (c.mountPoints ?? [])
    .filter((m) => kind !== undefined && DATA_PATHS[kind].includes(m.containerPath ?? ""))
    .map((m) => ({ path: m.containerPath ?? "", durable: efs.has(m.sourceVolume ?? "") }));
  return {
    label: `${name} (container ${c.name ?? "?"})`,
    target: "ecs",
    kind,
    image: c.image,
    user: c.user || undefined,
    privileged: c.privileged === true,
    memoryMb: c.memory ?? (Number.isFinite(taskMemory) && taskMemory > 0 ? taskMemory : undefined),
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
  };
}
