// Pure judgements about preview steps: what kind of change each is, why a replacement
// happens, and whether the resource holds data that a replacement or delete would lose.
import { urnParts, type PreviewStep, type ResourceState } from "./digest.js";

/** The four counted kinds of change, plus what the summary leaves out of the table. */
export type ChangeKind = "create" | "update" | "replace" | "delete" | "other" | "same";

/** Maps an engine step op to the change it stands for. */
export function changeKind(op: string): ChangeKind {
  switch (op) {
    case "create":
    case "import":
      return "create";
    case "update":
      return "update";
    case "replace":
    case "create-replacement":
    case "delete-replaced":
    case "import-replacement":
    case "discard-replaced":
      return "replace";
    case "delete":
    case "discard":
      return "delete";
    case "same":
    case "read":
    case "refresh":
      return "same";
    default:
      return "other";
  }
}

/** Resource types whose replacement or deletion loses data or breaks access to it. */
const STATEFUL_TYPES: Readonly<Record<string, string>> = {
  "docker:index/volume:Volume": "Docker volume",
  "aws:efs/fileSystem:FileSystem": "EFS file system",
  "aws:efs/accessPoint:AccessPoint": "EFS access point",
  "aws:rds/instance:Instance": "RDS database",
  "aws:rds/cluster:Cluster": "RDS cluster",
  "aws:opensearch/domain:Domain": "OpenSearch domain",
  "aws:ecr/repository:Repository": "ECR repository (images)",
  "aws:secretsmanager/secret:Secret": "secret",
  "random:index/randomPassword:RandomPassword": "generated password (data access)",
};

/** Types that run a service, stateful when the service is MySQL or search. */
const SERVICE_TYPES = new Set([
  "docker:index/container:Container",
  "aws:ecs/service:Service",
  "aws:ecs/taskDefinition:TaskDefinition",
]);

function stateText(s: ResourceState | undefined): string {
  if (s === undefined) return "";
  const inputs = s.inputs ?? {};
  // Names, images, env var names and mount paths tell a data service apart; values do not matter.
  const picked = ["name", "image", "family", "containerDefinitions", "volumes", "envs"].map(
    (k) => inputs[k],
  );
  return JSON.stringify(picked).toLowerCase();
}

/**
 * Why a step's resource counts as stateful or protected (for bold), or undefined. Protected
 * resources count whatever their type.
 */
export function statefulReason(step: PreviewStep): string | undefined {
  const { type, name } = urnParts(step.urn);
  if (step.oldState?.protect === true || step.newState?.protect === true) return "protected";
  const known = STATEFUL_TYPES[type];
  if (known !== undefined) return known;
  if (SERVICE_TYPES.has(type)) {
    const text = `${name.toLowerCase()} ${stateText(step.oldState)} ${stateText(step.newState)}`;
    if (/mysql|mariadb|var\/lib\/mysql/.test(text)) return "MySQL data service";
    if (/elasticsearch|opensearch/.test(text)) return "search data service";
  }
  return undefined;
}

/** Top-level property of a detailed-diff path (`envs[2]` → `envs`, `a.b` → `a`). */
export function topProperty(path: string): string {
  const m = /^([^.[]+)/.exec(path);
  return m?.[1] ?? path;
}

/**
 * The properties that force a replacement: the engine's replaceReasons, else the detailed
 * diff entries whose kind ends in `-replace`, else the plain diff reasons.
 */
export function replaceProperties(step: PreviewStep): string[] {
  if (step.replaceReasons && step.replaceReasons.length > 0) return [...step.replaceReasons];
  const forced = Object.entries(step.detailedDiff ?? {})
    .filter(([, d]) => d.kind.endsWith("-replace"))
    .map(([path]) => path);
  if (forced.length > 0) return forced;
  return [...(step.diffReasons ?? [])];
}

/** The properties an update changes: detailed diff paths, else diff reasons. */
export function updatedProperties(step: PreviewStep): string[] {
  const paths = Object.keys(step.detailedDiff ?? {});
  return paths.length > 0 ? paths : [...(step.diffReasons ?? [])];
}

/**
 * Input properties whose value differs between the old and new state (an unknown new value
 * counts): the fallback when the engine reports no reason, as it does for a replacement
 * caused by a replaced dependency.
 */
export function changedInputs(step: PreviewStep): string[] {
  const before = step.oldState?.inputs ?? {};
  const after = step.newState?.inputs ?? {};
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => !k.startsWith("__"))
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .sort();
}

/**
 * Folds the steps of one resource into one: with --show-replacement-steps a replacement is a
 * `replace`, a `create-replacement` and a `delete-replaced` step, each carrying part of the
 * story (reasons on one, old state on another).
 */
export function mergeSteps(steps: readonly PreviewStep[]): PreviewStep {
  const main = steps.find((s) => s.op === "replace") ?? steps[0];
  if (main === undefined) throw new Error("mergeSteps needs at least one step");
  const union = (pick: (s: PreviewStep) => readonly string[] | undefined) => {
    const all = [...new Set(steps.flatMap((s) => pick(s) ?? []))];
    return all.length > 0 ? all : undefined;
  };
  const detailed = Object.assign({}, ...steps.map((s) => s.detailedDiff ?? {}));
  return {
    ...main,
    oldState: main.oldState ?? steps.find((s) => s.oldState)?.oldState,
    newState: main.newState ?? steps.find((s) => s.newState)?.newState,
    replaceReasons: union((s) => s.replaceReasons),
    diffReasons: union((s) => s.diffReasons),
    detailedDiff: Object.keys(detailed).length > 0 ? detailed : undefined,
  };
}
