// The rollout watch's decisions with a scripted ECS and a virtual clock: when it returns, when it
// fails, and what the failure says. The same code against the real engine, the real AWS SDK and a
// local ECS endpoint is tests/e2e/rollout.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  SETTLE_MS,
  waitForRollout,
  type RolloutApi,
  type ServiceView,
  type StoppedTaskView,
} from "../../components/ecs/rollout-watch.js";

const TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/p-app:7";
const OLD = "arn:aws:ecs:us-east-1:123456789012:task-definition/p-app:6";
const target = { cluster: "c", service: "app", taskDefinition: TD };

/** A scripted ECS: the nth DescribeServices returns views[n] (the last one repeats). */
function scripted(views: (ServiceView | undefined)[], stopped: StoppedTaskView[] = []) {
  let clock = 1_000_000;
  let calls = 0;
  const api: RolloutApi = {
    async describeService() {
      const v = views[Math.min(calls, views.length - 1)];
      calls += 1;
      return v;
    },
    async stoppedTasks() {
      return stopped;
    },
  };
  const timing = {
    timeoutMs: 600_000,
    pollMs: 15_000,
    now: () => clock,
    sleep: async (ms: number) => {
      clock += ms;
    },
  };
  return { api, timing, calls: () => calls, at: (ago: number) => new Date(clock - ago) };
}

const deployment = (rolloutState: string, taskDefinition = TD, extra = {}) => ({
  id: "ecs-svc/1",
  taskDefinition,
  rolloutState,
  desiredCount: 2,
  runningCount: rolloutState === "COMPLETED" ? 2 : 1,
  failedTasks: 0,
  ...extra,
});
const active = (...deployments: ReturnType<typeof deployment>[]): ServiceView => ({
  status: "ACTIVE",
  deployments,
});

describe("rollout watch", () => {
  it("polls through IN_PROGRESS and returns once the deployment is COMPLETED", async () => {
    const s = scripted([
      active(deployment("IN_PROGRESS"), deployment("COMPLETED", OLD)),
      active(deployment("IN_PROGRESS")),
      active(deployment("COMPLETED")),
    ]);
    const r = await waitForRollout(s.api, target, s.timing);
    assert.deepEqual(r, { deploymentId: "ecs-svc/1", runningCount: 2, polls: 3 });
  });

  it("matches the revision whether ECS reports an ARN or family:revision", async () => {
    const s = scripted([active(deployment("COMPLETED", "p-app:7"))]);
    assert.equal((await waitForRollout(s.api, target, s.timing)).polls, 1);
    const other = scripted([active(deployment("COMPLETED", "p-app:17"))]);
    await assert.rejects(waitForRollout(other.api, target, other.timing), /no deployment runs/);
  });

  it("fails a FAILED deployment with its reason, the new events and this revision's stopped tasks", async () => {
    const s = scripted([]);
    const view: ServiceView = {
      status: "ACTIVE",
      deployments: [
        deployment("FAILED", TD, {
          rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
        }),
      ],
      events: [
        { createdAt: s.at(0), message: "(service app) deployment failed: tasks failed to start." },
        { createdAt: s.at(30_000), message: "(service app) has started 1 tasks: (task abc)." },
        { createdAt: s.at(7_200_000), message: "(service app) has reached a steady state." },
      ],
    };
    const failing = scripted(
      [view],
      [
        {
          taskArn: "arn:aws:ecs:us-east-1:123456789012:task/c/abc",
          taskDefinitionArn: TD,
          stopCode: "TaskFailedToStart",
          stoppedReason: "CannotPullContainerError: pull access denied",
          containers: [{ name: "app", reason: "CannotPullContainerError" }],
        },
        {
          taskArn: "arn:aws:ecs:us-east-1:123456789012:task/c/old",
          taskDefinitionArn: OLD,
          stoppedReason: "Scaling activity initiated by deployment",
        },
      ],
    );
    await assert.rejects(waitForRollout(failing.api, target, failing.timing), (err: Error) => {
      const lines = err.message.split("\n");
      assert.equal(
        lines[0],
        "ECS service app (p-app:7): the deployment failed: ECS deployment circuit breaker: tasks failed to start.",
      );
      assert.ok(err.message.includes("deployment failed: tasks failed to start."));
      assert.ok(err.message.includes("has started 1 tasks"));
      assert.ok(!err.message.includes("steady state"), "an event from before the rollout");
      assert.ok(
        err.message.includes(
          "abc: TaskFailedToStart CannotPullContainerError: pull access denied; app exit - (CannotPullContainerError)",
        ),
      );
      assert.ok(!err.message.includes("Scaling activity"), "a task of another revision");
      assert.match(
        lines.at(-1) ?? "",
        /^More: aws ecs describe-services --cluster c --services app$/,
      );
      return true;
    });
  });

  it("fails with the rollout's progress when it outlasts the timeout", async () => {
    const s = scripted([active(deployment("IN_PROGRESS", TD, { failedTasks: 1 }))]);
    await assert.rejects(
      waitForRollout(s.api, target, { ...s.timing, timeoutMs: 120_000 }),
      /did not finish within 2 min \(rollout IN_PROGRESS, 1 of 2 tasks running, 1 failed\)/,
    );
    assert.equal(s.calls(), 120_000 / 15_000 + 1);
  });

  it("tolerates a deployment not yet listed, then fails once it is gone (rolled back)", async () => {
    const s = scripted([
      active(deployment("COMPLETED", OLD)),
      active(deployment("IN_PROGRESS")),
      active(deployment("COMPLETED")),
    ]);
    assert.equal((await waitForRollout(s.api, target, s.timing)).polls, 3);
    const gone = scripted([active(deployment("COMPLETED", OLD))]);
    await assert.rejects(
      waitForRollout(gone.api, target, gone.timing),
      /circuit breaker's rollback/,
    );
    // It waited out the settling time first, no longer.
    assert.equal(gone.calls(), Math.ceil(SETTLE_MS / 15_000) + 1);
  });

  it("fails on a service that is missing or draining after the settling time", async () => {
    const s = scripted([undefined]);
    await assert.rejects(waitForRollout(s.api, target, s.timing), /the service is missing/);
    const d = scripted([{ status: "DRAINING", deployments: [] }]);
    await assert.rejects(waitForRollout(d.api, target, d.timing), /the service is DRAINING/);
  });

  it("still reports the events when listing the stopped tasks fails", async () => {
    const s = scripted([
      { ...active(deployment("FAILED")), events: [{ message: "an event without a date" }] },
    ]);
    s.api.stoppedTasks = async () => {
      throw new Error("AccessDenied");
    };
    await assert.rejects(waitForRollout(s.api, target, s.timing), /an event without a date/);
  });
});
