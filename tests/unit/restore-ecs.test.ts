// scripts/restore-ecs.sh end to end against a scripted `aws` on PATH (AWS itself cannot be
// reached from here): the order of its calls, what it refuses, that the app always comes back,
// and every request it sends checked against AWS's published models (botocore) with a planted
// error as negative control. The restore task's own script is tested against MariaDB in
// restore-script.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { assertValidWithControl } from "../aws-models/venv.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CLUSTER = "microblog-infra-ecs";
const OUTPUTS = {
  url: "http://example",
  restore: {
    cluster: CLUSTER,
    subnets: ["subnet-0000000000000000c", "subnet-0000000000000000d"],
    task: {
      taskDefinition:
        "arn:aws:ecs:us-east-1:123456789012:task-definition/microblog-infra-ecs-restore:1",
      securityGroup: "sg-0000000000000000b",
      logGroup: "/ecs/microblog-infra-ecs/backup",
    },
    bucket: "microblog-backup-bucket-abc1234",
    prefix: "mysql/",
    region: "us-east-1",
    app: {
      service: "app",
      container: "app",
      taskDefinition:
        "arn:aws:ecs:us-east-1:123456789012:task-definition/microblog-infra-ecs-app:4",
      securityGroup: "sg-0000000000000000a",
      logGroup: "/ecs/microblog-infra-ecs/app",
    },
  },
};
const OLDER = "microblog-20260301T120000Z.sql.gz";
const LATEST = "microblog-20260302T120000Z.sql.gz";

/** The scripted CLI: state in $FAKE_AWS_DIR, one JSON line per call in calls.jsonl. */
const FAKE_AWS = `#!/usr/bin/env node
const fs = require("fs");
const dir = process.env.FAKE_AWS_DIR;
const [service, op, ...rest] = process.argv.slice(2);
const opt = (k) => rest[rest.indexOf(k) + 1];
const params = JSON.parse(opt("--cli-input-json"));
const scenario = JSON.parse(fs.readFileSync(dir + "/scenario.json", "utf8"));
const stateFile = dir + "/state.json";
const state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, "utf8")) : { desired: 2, tasks: {}, n: 0 };
fs.appendFileSync(dir + "/calls.jsonl", JSON.stringify({ service, op, region: opt("--region"), params }) + "\\n");
const reply = (v) => { fs.writeFileSync(stateFile, JSON.stringify(state)); console.log(JSON.stringify(v)); };
const env = (o, name) => ((o.environment || []).find((e) => e.name === name) || {}).value;
switch (service + " " + op) {
  case "s3api list-objects-v2":
    reply({ Contents: scenario.keys.map((Key) => ({ Key, Size: 100 })) }); break;
  case "ecs run-task": {
    const id = "task" + ++state.n;
    const restore = params.taskDefinition.includes("restore");
    const load = restore ? params.overrides.containerOverrides.find((c) => c.name === "load") : undefined;
    state.tasks[id] = { restore, mode: load && env(load, "RESTORE_MODE"), name: load && env(load, "RESTORE_NAME"), polls: 0 };
    reply({ tasks: [{ taskArn: "arn:aws:ecs:us-east-1:123456789012:task/" + params.cluster + "/" + id }], failures: [] }); break;
  }
  case "ecs describe-tasks": {
    const id = params.tasks[0].split("/").pop();
    const t = state.tasks[id];
    t.polls += 1;
    const stopped = t.polls > 1;
    const containers = t.restore
      ? [{ name: "download", exitCode: 0 }, { name: "load", exitCode: scenario.exit[t.mode] }]
      : [{ name: "app", exitCode: scenario.exit.reindex }];
    reply({ tasks: [{ lastStatus: stopped ? "STOPPED" : "RUNNING", stoppedReason: "Essential container in task exited",
      containers: stopped ? containers : containers.map((c) => ({ name: c.name })) }] }); break;
  }
  case "logs get-log-events": {
    const id = params.logStreamName.split("/").pop();
    const t = state.tasks[id] || {};
    const lines = params.logStreamName.startsWith("restore-load/")
      ? ["restore: 2026-03-03T00:00:00Z " + t.name + " before users=3 posts=12 newest=" + scenario.newest + " taken=1772452800"]
          .concat(scenario.exit[t.mode] === 3 ? ["restore: REFUSED: the database holds posts newer than the backup; they would be lost"] : [])
          .concat(t.mode === "restore" && scenario.exit.restore === 0 ? ["restore: 2026-03-03T00:01:00Z " + t.name + " after users=2 posts=10"] : [])
      : ["reindex: 10 posts indexed"];
    reply({ events: lines.map((message, i) => ({ timestamp: i, message })) }); break;
  }
  case "ecs describe-services":
    reply({ services: [{ serviceName: "app", desiredCount: state.desired, runningCount: state.desired, deployments: [{ id: "d" }] }] }); break;
  case "ecs update-service":
    state.desired = params.desiredCount;
    reply({ service: { serviceName: "app", desiredCount: state.desired } }); break;
  case "application-autoscaling register-scalable-target":
    reply({ ScalableTargetARN: "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/x" }); break;
  default:
    console.error("fake aws: not scripted: " + service + " " + op); process.exit(254);
}
`;

interface Call {
  service: string;
  op: string;
  region: string;
  params: Record<string, unknown> & {
    desiredCount?: number;
    overrides?: {
      containerOverrides: {
        name: string;
        environment?: { name: string; value: string }[];
        command?: string[];
      }[];
    };
    SuspendedState?: Record<string, boolean>;
  };
}

function restoreEcs(
  args: string[],
  scenario: { exit: Record<string, number>; newest?: number; keys?: string[] },
) {
  const dir = mkdtempSync(join(tmpdir(), "microblog-restore-ecs-"));
  writeFileSync(join(dir, "aws"), FAKE_AWS);
  chmodSync(join(dir, "aws"), 0o755);
  writeFileSync(join(dir, "outputs.json"), JSON.stringify(OUTPUTS));
  writeFileSync(join(dir, "calls.jsonl"), "");
  writeFileSync(
    join(dir, "scenario.json"),
    JSON.stringify({
      newest: 1772280000,
      keys: ["mysql/", `mysql/${OLDER}`, `mysql/${LATEST}`, "mysql/notes.txt"],
      ...scenario,
    }),
  );
  const res = spawnSync(
    "bash",
    [join(REPO, "scripts/restore-ecs.sh"), "--outputs-file", join(dir, "outputs.json"), ...args],
    {
      encoding: "utf8",
      input: "",
      env: {
        ...process.env,
        PATH: `${dir}:${process.env.PATH ?? ""}`,
        FAKE_AWS_DIR: dir,
        MICROBLOG_RESTORE_POLL_SECONDS: "0",
      },
    },
  );
  const calls = readFileSync(join(dir, "calls.jsonl"), "utf8")
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Call);
  return { code: res.status, out: res.stdout, err: res.stderr, calls };
}

const ops = (calls: Call[]) => calls.map((c) => `${c.service} ${c.op}`);
const modeOf = (c: Call) =>
  c.params.overrides?.containerOverrides
    .find((o) => o.name === "load")
    ?.environment?.find((e) => e.name === "RESTORE_MODE")?.value;
const ok = { check: 0, restore: 0, reindex: 0 };

describe("restore-ecs.sh (scripted aws CLI)", () => {
  const happy = restoreEcs(["--yes"], { exit: ok });

  it("checks, scales the app to 0, loads the latest dump, brings the app back, reindexes", () => {
    assert.equal(happy.code, 0, happy.err + happy.out);
    const runs = happy.calls.filter((c) => c.op === "run-task");
    assert.deepEqual(runs.map(modeOf), ["check", "restore", undefined]);
    for (const r of runs.slice(0, 2)) {
      const env = r.params.overrides?.containerOverrides.find(
        (o) => o.name === "download",
      )?.environment;
      assert.deepEqual(env?.find((e) => e.name === "RESTORE_NAME")?.value, LATEST);
    }
    assert.deepEqual(runs[2]?.params.overrides?.containerOverrides, [
      { name: "app", command: ["node", "dist/cli.js", "reindex"] },
    ]);
    const desired = happy.calls
      .filter((c) => c.op === "update-service")
      .map((c) => c.params.desiredCount);
    assert.deepEqual(desired, [0, 2]);
    const suspended = happy.calls
      .filter((c) => c.op === "register-scalable-target")
      .map((c) => c.params.SuspendedState?.DynamicScalingOutSuspended);
    assert.deepEqual(suspended, [true, false]);
    // The load runs only after the app was scaled to 0; the reindex only after it is back.
    const order = ops(happy.calls);
    const scaledDown = order.indexOf("ecs update-service");
    const load = happy.calls.findIndex((c) => modeOf(c) === "restore");
    const back = order.lastIndexOf("ecs update-service");
    const reindex = happy.calls.findIndex((c) => c.op === "run-task" && modeOf(c) === undefined);
    assert.ok(scaledDown < load && load < back && back < reindex, order.join("\n"));
    assert.ok(happy.calls.every((c) => c.region === "us-east-1"));
    assert.match(happy.out, /users: 3 -> 2\n {2}posts: 12 -> 10/);
    assert.match(happy.out, /reindex: 10 posts indexed/);
  });

  it("sends only requests AWS's published models accept", () => {
    const service = (s: string) => (s === "s3api" ? "s3" : s);
    const operation = (op: string) =>
      op === "list-objects-v2"
        ? "ListObjectsV2"
        : op
            .split("-")
            .map((w) => w[0]?.toUpperCase() + w.slice(1))
            .join("");
    const requests = happy.calls.map((c, i) => ({
      id: `${i}:${c.service} ${c.op}`,
      service: service(c.service),
      operation: operation(c.op),
      params: c.params,
    }));
    assertValidWithControl(requests, {
      service: "ecs",
      operation: "UpdateService",
      params: { cluster: CLUSTER, service: "app", desiredCount: "0" } as never,
    });
    assert.ok(new Set(requests.map((r) => r.operation)).size >= 7);
  });

  it("refuses (exit 3) over newer posts without touching the app, and --force goes on", () => {
    const refused = restoreEcs(["--yes"], { exit: { ...ok, check: 3 } });
    assert.equal(refused.code, 3, refused.err);
    assert.match(refused.err, /refused: the database holds posts newer than the backup/);
    assert.deepEqual(
      ops(refused.calls).filter((o) => o !== "ecs describe-tasks" && o !== "logs get-log-events"),
      ["s3api list-objects-v2", "ecs run-task"],
    );
    const forced = restoreEcs(["--yes", "--force", "--backup", OLDER], { exit: ok });
    assert.equal(forced.code, 0, forced.err);
    const env = forced.calls.find((c) => c.op === "run-task")?.params.overrides
      ?.containerOverrides[1]?.environment;
    assert.deepEqual(
      env?.filter((e) => e.name !== "RESTORE_MODE"),
      [
        { name: "RESTORE_NAME", value: OLDER },
        { name: "RESTORE_FORCE", value: "1" },
      ],
    );
  });

  it("--dry-run and a missing confirmation stop after the check", () => {
    const dry = restoreEcs(["--dry-run"], { exit: ok });
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /plan: {5}1\. pause autoscaling of app/);
    assert.match(dry.out, /dry run, nothing changed/);
    const unconfirmed = restoreEcs([], { exit: ok });
    assert.equal(unconfirmed.code, 3);
    assert.match(unconfirmed.err, /no terminal to confirm on; pass --yes/);
    for (const r of [dry, unconfirmed]) {
      assert.ok(!ops(r.calls).includes("ecs update-service"));
      assert.deepEqual(r.calls.filter((c) => c.op === "run-task").map(modeOf), ["check"]);
    }
  });

  it("a failed load still brings the app back and resumes its autoscaling", () => {
    const failed = restoreEcs(["--yes"], { exit: { ...ok, restore: 1 } });
    assert.equal(failed.code, 1);
    assert.match(failed.err, /the load failed \(exit 1\)/);
    assert.deepEqual(
      failed.calls.filter((c) => c.op === "update-service").map((c) => c.params.desiredCount),
      [0, 2],
    );
    assert.equal(
      failed.calls.filter((c) => c.op === "register-scalable-target").at(-1)?.params.SuspendedState
        ?.DynamicScalingInSuspended,
      false,
    );
    assert.ok(
      !failed.calls.some((c) => c.op === "run-task" && modeOf(c) === undefined),
      "no reindex",
    );
  });

  it("names the backups it has when --backup is unknown", () => {
    const r = restoreEcs(["--yes", "--backup", "microblog-20990101T000000Z.sql.gz"], { exit: ok });
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`no backup named .* have: ${OLDER} ${LATEST}`));
  });
});
