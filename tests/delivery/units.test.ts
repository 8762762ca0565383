// Pure helpers of the preview summary, on small inline steps.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  changeKind,
  replaceProperties,
  statefulReason,
} from "../../scripts/preview-summary/classify.js";
import { parseDigest, urnParts } from "../../scripts/preview-summary/digest.js";
import { parsePolicyViolations } from "../../scripts/preview-summary/policy.js";
import {
  leafDiffs,
  maskText,
  showValue,
  UNKNOWN,
  valueAt,
} from "../../scripts/preview-summary/values.js";

const urn = (type: string, name: string) => `urn:pulumi:dev::microblog::${type}::${name}`;

describe("digest", () => {
  it("splits URNs, including parented types", () => {
    assert.deepEqual(
      urnParts(
        "urn:pulumi:ecs::microblog::microblog:local:System$docker:index/volume:Volume::dev-mysql-data",
      ),
      { stack: "ecs", type: "docker:index/volume:Volume", name: "dev-mysql-data" },
    );
  });
  it("rejects empty and non-JSON input with a clear message", () => {
    assert.throws(() => parseDigest("  \n"), /printed no JSON/);
    assert.throws(() => parseDigest("error: no stack selected"), /not JSON/);
    assert.throws(() => parseDigest('{"steps": 3}'), /steps is not an array/);
  });
});

describe("classify", () => {
  it("maps engine ops to the four counted kinds", () => {
    assert.deepEqual(
      [
        "create",
        "update",
        "replace",
        "create-replacement",
        "delete-replaced",
        "delete",
        "same",
        "read",
      ].map(changeKind),
      ["create", "update", "replace", "replace", "replace", "delete", "same", "same"],
    );
  });
  it("takes replaceReasons first, then -replace detailed diffs, then diffReasons", () => {
    const base = { op: "replace", urn: urn("random:index/randomPet:RandomPet", "p") };
    assert.deepEqual(
      replaceProperties({ ...base, replaceReasons: ["length"], diffReasons: ["length", "prefix"] }),
      ["length"],
    );
    assert.deepEqual(
      replaceProperties({
        ...base,
        detailedDiff: { prefix: { kind: "update" }, "keepers.v": { kind: "add-replace" } },
      }),
      ["keepers.v"],
    );
    assert.deepEqual(replaceProperties({ ...base, diffReasons: ["name"] }), ["name"]);
  });
  it("calls volumes, EFS, passwords, protected resources and data containers stateful", () => {
    assert.equal(
      statefulReason({ op: "delete", urn: urn("docker:index/volume:Volume", "v") }),
      "Docker volume",
    );
    assert.equal(
      statefulReason({ op: "replace", urn: urn("aws:efs/fileSystem:FileSystem", "fs") }),
      "EFS file system",
    );
    assert.equal(
      statefulReason({
        op: "delete",
        urn: urn("aws:s3/bucket:Bucket", "b"),
        oldState: { protect: true },
      }),
      "protected",
    );
    const mysql = {
      op: "replace",
      urn: urn("docker:index/container:Container", "dev-db"),
      newState: { inputs: { envs: ["MYSQL_DATABASE=microblog"] } },
    };
    assert.equal(statefulReason(mysql), "MySQL data service");
    assert.equal(
      statefulReason({ op: "replace", urn: urn("docker:index/container:Container", "dev-app") }),
      undefined,
    );
  });
});

describe("values", () => {
  it("reads detailed-diff paths", () => {
    assert.equal(valueAt({ envs: ["A=1", "B=2"] }, "envs[1]"), "B=2");
    assert.equal(valueAt({ healthcheck: { tests: ["CMD", "x"] } }, "healthcheck.tests[0]"), "CMD");
    assert.equal(valueAt({}, "a.b"), undefined);
  });
  it("never shows a secret", () => {
    assert.equal(showValue("[secret]"), "[secret]");
    assert.equal(
      showValue({
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        value: "pw",
      }),
      "[secret]",
    );
    assert.equal(showValue("hunter2hunter2", "password"), "[secret]");
    assert.equal(showValue("MYSQL_PASSWORD=hunter2"), '"MYSQL_PASSWORD=[secret]"');
    assert.equal(showValue("MYSQL_RANDOM_ROOT_PASSWORD=yes"), '"MYSQL_RANDOM_ROOT_PASSWORD=yes"');
    assert.equal(
      showValue(["DATABASE_URL=mysql://u:pw@mysql/db"], "envs"),
      '["DATABASE_URL=mysql://u:[secret]@mysql/db"]',
    );
    assert.equal(showValue({ token: "abc", name: "n" }), '{"token":"[secret]","name":"n"}');
    assert.equal(
      maskText("failed: SECRET_KEY=abc at mysql://root:pw@db"),
      "failed: SECRET_KEY=[secret] at mysql://root:[secret]@db",
    );
  });
  it("shows unknowns and truncates long values", () => {
    assert.equal(showValue(UNKNOWN), "(known after update)");
    assert.equal(showValue("x".repeat(100), "", 10), `"xxxxxxxx…`);
  });
});

describe("policy log", () => {
  it("finds nothing without a Policies block, and reads stack policies without a resource", () => {
    assert.deepEqual(parsePolicyViolations("Previewing update (dev):\nResources:\n"), []);
    const log = [
      "Policies:",
      "    ❌ microblog@v0.1.0 (local: policy)",
      "        - [advisory]  ecr-lifecycle-policy",
      "          Cost hint: ECR repositories expire old images.",
      "          app-repo: no aws.ecr.LifecyclePolicy expires its old images",
      "",
      "Resources:",
    ].join("\n");
    assert.deepEqual(parsePolicyViolations(log), [
      {
        level: "advisory",
        policy: "ecr-lifecycle-policy",
        resource: "",
        message: "app-repo: no aws.ecr.LifecyclePolicy expires its old images",
      },
    ]);
  });
});

describe("leaf diffs", () => {
  it("points at the leaves that change inside a value", () => {
    const before = [{ __defaults: [], containerPath: "/var/lib/mysql", volumeName: "a" }];
    const after = [{ __defaults: [], containerPath: "/var/lib/mysql", volumeName: UNKNOWN }];
    assert.deepEqual(leafDiffs(before, after, "volumes"), ["volumes[0].volumeName"]);
    assert.deepEqual(leafDiffs("[secret]", UNKNOWN, "envs"), ["envs"]);
  });
});
