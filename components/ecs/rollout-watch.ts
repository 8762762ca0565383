// Waits for one ECS deployment (the service running a given task definition) to finish, and
// turns a failed one into an error that says why: the deployment's own reason, the service's
// events since the rollout began and the stopped tasks' reasons and exit codes.
//
// Everything here runs inside Pulumi's dynamic provider host (see rollout.ts), which receives
// these functions serialized by their source text. They must therefore not use anything
// imported at module level: only their arguments and the constants below.

/** The slice of ECS the watch reads (DescribeServices, ListTasks, DescribeTasks). */
export interface RolloutApi {
  describeService(cluster: string, service: string): Promise<ServiceView | undefined>;
  /** Tasks of the service that stopped, newest first, at most `limit`. */
  stoppedTasks(cluster: string, service: string, limit: number): Promise<StoppedTaskView[]>;
}

/** The fields of DescribeServices' `Service` the watch needs. */
export interface ServiceView {
  readonly status?: string;
  readonly deployments?: readonly {
    readonly id?: string;
    readonly status?: string;
    readonly taskDefinition?: string;
    readonly rolloutState?: string;
    readonly rolloutStateReason?: string;
    readonly desiredCount?: number;
    readonly runningCount?: number;
    readonly failedTasks?: number;
  }[];
  readonly events?: readonly { readonly createdAt?: Date; readonly message?: string }[];
}

/** The fields of DescribeTasks' `Task` the watch reports. */
export interface StoppedTaskView {
  readonly taskArn?: string;
  readonly taskDefinitionArn?: string;
  readonly stoppedAt?: Date;
  readonly stoppedReason?: string;
  readonly stopCode?: string;
  readonly containers?: readonly {
    readonly name?: string;
    readonly exitCode?: number;
    readonly reason?: string;
  }[];
}

export interface RolloutTarget {
  readonly cluster: string;
  readonly service: string;
  readonly taskDefinition: string;
}

export interface RolloutTiming {
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Injected for tests; defaults to Date.now and setTimeout. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Outcome of a finished rollout. */
export interface RolloutResult {
  readonly deploymentId: string;
  readonly runningCount: number;
  readonly polls: number;
}

/** Events listed in a failure message (the service keeps its last 100). */
export const EVENTS_IN_MESSAGE = 10;
/** How long a missing service or deployment is taken for eventual consistency. */
export const SETTLE_MS = 30_000;
/** Stopped tasks described in a failure message. */
export const STOPPED_TASKS_IN_MESSAGE = 3;

/**
 * Polls until the deployment of `target.taskDefinition` is COMPLETED (returns) or FAILED, rolled
 * back or past the timeout (throws an Error whose message carries the evidence). A service
 * without a deployment of that task definition counts as a failure: ECS only drops one after a
 * newer deployment replaced it, which this watch was meant to see through.
 */
export async function waitForRollout(
  api: RolloutApi,
  target: RolloutTarget,
  timing: RolloutTiming,
): Promise<RolloutResult> {
  const now = timing.now ?? (() => Date.now());
  const sleep = timing.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  let polls = 0;
  for (;;) {
    polls += 1;
    const service = await api.describeService(target.cluster, target.service);
    const deployments = service?.deployments ?? [];
    const ours = deployments.find((d) => sameRevision(d.taskDefinition, target.taskDefinition));
    // ECS reads are eventually consistent: right after Create/UpdateService the new deployment
    // may not be listed yet.
    const settling = now() - started < SETTLE_MS;
    let problem: string | undefined;
    if (service === undefined || service.status !== "ACTIVE") {
      if (!settling) problem = `the service is ${service?.status ?? "missing"}`;
    } else if (ours === undefined) {
      if (!settling) {
        problem =
          "no deployment runs this task definition any more (a newer deployment or the circuit breaker's rollback replaced it)";
      }
    } else if (ours.rolloutState === "COMPLETED") {
      return { deploymentId: ours.id ?? "", runningCount: ours.runningCount ?? 0, polls };
    } else if (ours.rolloutState === "FAILED") {
      problem = `the deployment failed: ${ours.rolloutStateReason ?? "no reason given"}`;
    } else if (now() - started >= timing.timeoutMs) {
      problem =
        `the deployment did not finish within ${Math.round(timing.timeoutMs / 60000)} min ` +
        `(rollout ${ours.rolloutState ?? "unknown"}, ${ours.runningCount ?? 0} of ` +
        `${ours.desiredCount ?? 0} tasks running, ${ours.failedTasks ?? 0} failed)`;
    }
    if (problem !== undefined) {
      const stopped = await api
        .stoppedTasks(target.cluster, target.service, STOPPED_TASKS_IN_MESSAGE * 3)
        .catch(() => [] as StoppedTaskView[]);
      throw new Error(rolloutFailureMessage(target, problem, service, stopped, started));
    }
    await sleep(timing.pollMs);
  }
}

/** `family:revision` of a task definition given as an ARN or as `family:revision`. */
export function revisionOf(taskDefinition: string): string {
  return taskDefinition.split("/").pop() ?? taskDefinition;
}

function sameRevision(a: string | undefined, b: string): boolean {
  return a !== undefined && revisionOf(a) === revisionOf(b);
}

/** The error text of a failed rollout: what failed, then the evidence, newest first. */
export function rolloutFailureMessage(
  target: RolloutTarget,
  problem: string,
  service: ServiceView | undefined,
  stopped: readonly StoppedTaskView[],
  sinceMs: number,
): string {
  const revision = revisionOf(target.taskDefinition);
  const lines = [`ECS service ${target.service} (${revision}): ${problem.replace(/\.+$/, "")}.`];
  // A minute of slack: the rollout may have begun just before the watch started polling.
  const since = sinceMs - 60_000;
  const events = (service?.events ?? [])
    .filter((e) => e.createdAt === undefined || new Date(e.createdAt).getTime() >= since)
    .slice(0, EVENTS_IN_MESSAGE);
  lines.push(events.length === 0 ? "No service events since the rollout began." : "Last events:");
  for (const e of events) {
    const at = e.createdAt === undefined ? "" : `${new Date(e.createdAt).toISOString()} `;
    lines.push(`  ${at}${e.message ?? ""}`);
  }
  const ours = stopped
    .filter((t) => sameRevision(t.taskDefinitionArn, target.taskDefinition))
    .slice(0, STOPPED_TASKS_IN_MESSAGE);
  if (ours.length > 0) lines.push("Stopped tasks of this revision:");
  for (const t of ours) {
    const id = (t.taskArn ?? "").split("/").pop();
    const containers = (t.containers ?? [])
      .map(
        (c) =>
          `${c.name ?? "?"} exit ${c.exitCode ?? "-"}${c.reason === undefined ? "" : ` (${c.reason})`}`,
      )
      .join(", ");
    lines.push(
      `  ${id}: ${t.stopCode ?? ""} ${t.stoppedReason ?? "no reason"}${containers === "" ? "" : `; ${containers}`}`,
    );
  }
  lines.push(
    `More: aws ecs describe-services --cluster ${target.cluster} --services ${target.service}`,
  );
  return lines.join("\n");
}
