/**
 * The ECS rollout watch (components/ecs/rollout.ts) under the real Pulumi engine and its Node.js
 * dynamic-provider host, with the real AWS SDK, against a local stand-in of the ECS API (AWS's
 * JSON protocol on loopback, reached through the SDK's standard AWS_ENDPOINT_URL_ECS). It proves
 * what mocks cannot: the provider survives serialization, loads the SDK in the provider host,
 * signs and sends requests that AWS's published ECS model accepts (checked with botocore), waits
 * through an in-progress rollout, and turns a failed one into a failed `pulumi up` whose message
 * carries the service's events and the stopped task's reason. AWS itself is not reached.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { assertValidWithControl } from "../aws-models/venv.js";
import { pulumi, pulumiOk, type PulumiContext } from "./lib/pulumi-cli.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CLUSTER = "arn:aws:ecs:us-east-1:123456789012:cluster/microblog-infra-ecs";
const FAMILY = "arn:aws:ecs:us-east-1:123456789012:task-definition/microblog-infra-ecs-app";
const GOOD = `${FAMILY}:1`;
const BAD = `${FAMILY}:2`;
const EVENT_TEXT =
  "(service app) has started 1 tasks: (task 9f1c). (service app) deployment failed: tasks failed to start.";
const STOP_REASON = "Essential container in task exited";

/** Requests the stand-in received: operation and JSON body. */
const received: { operation: string; params: Record<string, unknown> }[] = [];
/** Describe calls per task definition, so a rollout can progress over polls. */
const polls = new Map<string, number>();
/** The task definition the service is currently deploying (set by the test, as UpdateService would). */
let deploying = GOOD;
let server: Server | undefined;
let dir = "";
let ctx: PulumiContext | undefined;

const epoch = (ms: number) => ms / 1000;

function describeServices(): unknown {
  const n = (polls.get(deploying) ?? 0) + 1;
  polls.set(deploying, n);
  const now = Date.now();
  const good = deploying === GOOD;
  const state = good ? (n < 3 ? "IN_PROGRESS" : "COMPLETED") : n < 2 ? "IN_PROGRESS" : "FAILED";
  return {
    services: [
      {
        serviceName: "app",
        clusterArn: CLUSTER,
        status: "ACTIVE",
        deployments: [
          {
            id: `ecs-svc/${good ? 1 : 2}`,
            status: "PRIMARY",
            taskDefinition: deploying,
            desiredCount: 2,
            runningCount: state === "COMPLETED" ? 2 : 0,
            failedTasks: good ? 0 : 3,
            rolloutState: state,
            rolloutStateReason:
              state === "FAILED"
                ? "ECS deployment circuit breaker: tasks failed to start."
                : "ECS deployment ecs-svc/2 in progress.",
          },
        ],
        events: good
          ? [
              {
                id: "e1",
                createdAt: epoch(now),
                message: "(service app) has reached a steady state.",
              },
            ]
          : [
              { id: "e3", createdAt: epoch(now), message: EVENT_TEXT },
              { id: "e0", createdAt: epoch(now - 3_600_000), message: "an event from an hour ago" },
            ],
      },
    ],
    failures: [],
  };
}

function respond(operation: string): unknown {
  switch (operation) {
    case "DescribeServices":
      return describeServices();
    case "ListTasks":
      return { taskArns: ["arn:aws:ecs:us-east-1:123456789012:task/microblog-infra-ecs/9f1c"] };
    case "DescribeTasks":
      return {
        tasks: [
          {
            taskArn: "arn:aws:ecs:us-east-1:123456789012:task/microblog-infra-ecs/9f1c",
            taskDefinitionArn: deploying,
            lastStatus: "STOPPED",
            stopCode: "EssentialContainerExited",
            stoppedReason: STOP_REASON,
            stoppedAt: epoch(Date.now()),
            containers: [{ name: "app", exitCode: 78, reason: undefined }],
          },
        ],
        failures: [],
      };
    default:
      return undefined;
  }
}

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const operation = target.split(".").pop() ?? "";
      const signed = String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 ");
      const reply = signed ? respond(operation) : undefined;
      received.push({ operation, params: JSON.parse(body || "{}") as Record<string, unknown> });
      res.writeHead(reply === undefined ? 400 : 200, {
        "content-type": "application/x-amz-json-1.1",
      });
      res.end(
        JSON.stringify(
          reply ?? { __type: "InvalidParameterException", message: `not served: ${operation}` },
        ),
      );
    });
  });
  await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;

  dir = mkdtempSync(join(tmpdir(), "microblog-rollout-"));
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(
    join(dir, "Pulumi.yaml"),
    [
      "name: rollout-watch",
      "runtime:",
      "  name: nodejs",
      "  options:",
      "    typescript: false",
      "    nodeargs: --import tsx",
      "main: index.ts",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  writeFileSync(
    join(dir, "index.ts"),
    [
      'import * as pulumi from "@pulumi/pulumi";',
      `import { ServiceRollout } from ${JSON.stringify(join(REPO, "components/ecs/rollout.ts"))};`,
      "const cfg = new pulumi.Config();",
      'const watch = new ServiceRollout("app", {',
      '  region: "us-east-1",',
      '  profile: "",',
      `  cluster: ${JSON.stringify(CLUSTER)},`,
      '  service: "app",',
      '  taskDefinition: cfg.require("taskDefinition"),',
      "  timeoutSeconds: 120,",
      "  pollSeconds: 1,",
      "});",
      "export const deploymentId = watch.deploymentId;",
      "export const runningCount = watch.runningCount;",
      "",
    ].join("\n"),
  );
  process.env.AWS_ENDPOINT_URL_ECS = `http://127.0.0.1:${port}`;
  process.env.AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
  process.env.AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  ctx = {
    cwd: dir,
    backendUrl: `file://${join(dir, "state")}`,
    passphrase: "rollout-test",
    stack: "rollout",
  };
  spawnSync("mkdir", ["-p", join(dir, "state")]);
  await pulumiOk(ctx, ["stack", "init", "rollout"]);
});

after(async () => {
  if (ctx !== undefined) await pulumi(ctx, ["destroy", "--yes", "--skip-preview"]);
  server?.close();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

test("a rollout that completes: up waits through IN_PROGRESS and records the deployment", async () => {
  assert.ok(ctx);
  await pulumiOk(ctx, ["config", "set", "taskDefinition", GOOD]);
  await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
  const out = JSON.parse((await pulumiOk(ctx, ["stack", "output", "--json"])).stdout) as {
    deploymentId: string;
    runningCount: number;
  };
  assert.equal(out.deploymentId, "ecs-svc/1");
  assert.equal(out.runningCount, 2);
  assert.ok((polls.get(GOOD) ?? 0) >= 3, "the watch polled until COMPLETED");
});

test("a rollout that fails: up fails with the deployment's reason, events and stopped task", async (t) => {
  assert.ok(ctx);
  deploying = BAD;
  await pulumiOk(ctx, ["config", "set", "taskDefinition", BAD]);
  const res = await pulumi(ctx, ["up", "--yes", "--skip-preview"]);
  const text = res.stdout + res.stderr;
  assert.notEqual(res.code, 0, "up failed");
  const message = /ECS service app[\s\S]*?More: [^\n]*/.exec(text)?.[0] ?? "";
  t.diagnostic(`the failure as the user sees it:\n${message}`);
  assert.match(
    text,
    /microblog-infra-ecs-app:2\): the deployment failed: ECS deployment circuit breaker/,
  );
  assert.ok(text.includes(EVENT_TEXT), "the service's event is in the message");
  assert.ok(
    !text.includes("an event from an hour ago"),
    "events from before the rollout are left out",
  );
  assert.match(text, new RegExp(`9f1c: EssentialContainerExited ${STOP_REASON}; app exit 78`));
  // The failed watch did not record the new revision: the next up watches it again.
  const preview = await pulumi(ctx, ["preview", "--json"]);
  assert.match(preview.stdout, /"op": "update"/);
});

test("no-op: an unchanged revision makes no ECS call", async () => {
  assert.ok(ctx);
  deploying = GOOD;
  await pulumiOk(ctx, ["config", "set", "taskDefinition", GOOD]);
  const before = received.length;
  const res = await pulumiOk(ctx, ["preview", "--json"]);
  assert.doesNotMatch(res.stdout, /"op": "(update|create|replace)"/);
  assert.equal(received.length, before);
});

test("every request the SDK sent is valid against AWS's published ECS model", () => {
  const operations = new Set(received.map((r) => r.operation));
  for (const op of ["DescribeServices", "ListTasks", "DescribeTasks"]) {
    assert.ok(operations.has(op), `the watch called ${op}`);
  }
  const requests = received.map((r, i) => ({
    id: `rollout/${r.operation}#${i}`,
    service: "ecs",
    operation: r.operation,
    params: r.params,
  }));
  // A planted error proves the validator reads these requests.
  assertValidWithControl(requests, {
    service: "ecs",
    operation: "ListTasks",
    params: { cluster: CLUSTER, desiredStatus: "HALTED" },
  });
});
