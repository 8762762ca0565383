import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as rules from "../rules/containers.js";
import { check, without } from "./stub.js";
import {
  DOCKER,
  TASKDEF,
  dockerApp,
  dockerMysql,
  ecsAppContainer,
  ecsMysqlContainer,
  taskDef,
} from "./fixtures.js";

const appTask = (c: object) => taskDef([c]);

describe("no-plaintext-credentials", () => {
  it("passes generated credentials on Docker and secrets-only credentials on ECS", () => {
    assert.deepEqual(check(rules.noPlaintextCredentials, DOCKER, dockerApp, { name: "app" }), []);
    assert.deepEqual(
      check(rules.noPlaintextCredentials, DOCKER, dockerMysql, { name: "mysql" }),
      [],
    );
    assert.deepEqual(check(rules.noPlaintextCredentials, TASKDEF, appTask(ecsAppContainer)), []);
  });
  it("fails a typed Docker password and a password in a URL", () => {
    const envs = [
      "MYSQL_PASSWORD=changeme",
      "DATABASE_URL=mysql://microblog:hunter2@mysql/microblog",
    ];
    assert.deepEqual(
      check(rules.noPlaintextCredentials, DOCKER, { ...dockerMysql, envs }, { name: "mysql" }),
      [
        "mysql: credential MYSQL_PASSWORD is a well-known default: generate it (RandomPassword) and pass it as a secret",
        "mysql: the password in DATABASE_URL's URL is 7 characters, shorter than a generated secret (16): use a generated secret",
      ],
    );
  });
  it("fails any credential in ECS environment, whatever its value", () => {
    const c = {
      ...ecsAppContainer,
      environment: [{ name: "MAIL_PASSWORD", value: "x".repeat(40) }],
    };
    assert.deepEqual(check(rules.noPlaintextCredentials, TASKDEF, appTask(c), { name: "task" }), [
      'task (container app): credential MAIL_PASSWORD is in plain "environment"; pass it in "secrets" with valueFrom',
    ]);
  });
  it("does not apply to other resource types", () => {
    assert.equal(check(rules.noPlaintextCredentials, "docker:index/volume:Volume", {}), "n/a");
  });
});

describe("ecs-secrets-by-reference", () => {
  it("passes Secrets Manager and SSM ARNs", () => {
    assert.deepEqual(check(rules.ecsSecretsByReference, TASKDEF, appTask(ecsAppContainer)), []);
  });
  it("fails a literal value in valueFrom", () => {
    const c = { ...ecsAppContainer, secrets: [{ name: "SECRET_KEY", valueFrom: "s3cr3t" }] };
    assert.deepEqual(check(rules.ecsSecretsByReference, TASKDEF, appTask(c), { name: "task" }), [
      'task (container app): secret SECRET_KEY has valueFrom "s3cr3t", not a Secrets Manager or SSM reference',
    ]);
  });
});

describe("non-root-user", () => {
  it("passes an explicit non-root user, and data images that drop root themselves", () => {
    assert.deepEqual(check(rules.nonRootUser, DOCKER, dockerApp, { name: "app" }), []);
    assert.deepEqual(check(rules.nonRootUser, DOCKER, dockerMysql, { name: "mysql" }), []);
    assert.deepEqual(check(rules.nonRootUser, TASKDEF, appTask(ecsAppContainer)), []);
  });
  it("fails root and a missing user", () => {
    assert.deepEqual(
      check(rules.nonRootUser, DOCKER, { ...dockerApp, user: "0:0" }, { name: "app" }),
      ['app: runs as root ("0:0"): use a non-root user'],
    );
    const noUser = without(ecsAppContainer, "user");
    assert.deepEqual(check(rules.nonRootUser, TASKDEF, appTask(noUser), { name: "task" }), [
      'task (container app): no "user" set: name a non-root user (e.g. "1000:1000")',
    ]);
  });
});

describe("no-privileged-containers", () => {
  it("passes unprivileged containers", () => {
    assert.deepEqual(check(rules.noPrivileged, DOCKER, dockerApp), []);
  });
  it("fails privileged: true on Docker and ECS", () => {
    assert.equal(
      (check(rules.noPrivileged, DOCKER, { ...dockerApp, privileged: true }) as string[]).length,
      1,
    );
    const out = check(
      rules.noPrivileged,
      TASKDEF,
      appTask({ ...ecsAppContainer, privileged: true }),
    );
    assert.equal((out as string[]).length, 1);
  });
});

describe("memory-limit", () => {
  it("passes container memory, and ECS task-level memory", () => {
    assert.deepEqual(check(rules.memoryLimit, DOCKER, dockerApp), []);
    const noMem = without(ecsAppContainer, "memory");
    assert.deepEqual(check(rules.memoryLimit, TASKDEF, appTask(noMem)), []);
  });
  it("fails a container without memory", () => {
    const noMem = without(dockerApp, "memory");
    assert.deepEqual(check(rules.memoryLimit, DOCKER, noMem, { name: "app" }), [
      "app: no memory limit: set memory (MiB)",
    ]);
  });
});

describe("health-check", () => {
  it("passes a probing health check", () => {
    assert.deepEqual(check(rules.healthCheck, DOCKER, dockerApp), []);
    assert.deepEqual(check(rules.healthCheck, TASKDEF, appTask(ecsAppContainer)), []);
  });
  it('fails a missing check and tests: ["NONE"]', () => {
    const none = { ...dockerApp, healthcheck: { tests: ["NONE"] } };
    assert.deepEqual(check(rules.healthCheck, DOCKER, none, { name: "app" }), [
      "app: no health check: add one that probes the service",
    ]);
    const noCheck = without(ecsAppContainer, "healthCheck");
    assert.equal((check(rules.healthCheck, TASKDEF, appTask(noCheck)) as string[]).length, 1);
  });
});

describe("restart-policy", () => {
  it("passes unless-stopped on Docker and essential containers on ECS", () => {
    assert.deepEqual(check(rules.restartPolicy, DOCKER, dockerApp), []);
    assert.deepEqual(check(rules.restartPolicy, TASKDEF, appTask(ecsAppContainer)), []);
  });
  it("fails Docker's default (no) and a non-essential ECS container without restartPolicy", () => {
    const noRestart = without(dockerApp, "restart");
    assert.deepEqual(check(rules.restartPolicy, DOCKER, noRestart, { name: "app" }), [
      'app: restart policy is "no": use "unless-stopped", "always" or "on-failure"',
    ]);
    const sidecar = { ...ecsAppContainer, essential: false };
    assert.equal((check(rules.restartPolicy, TASKDEF, appTask(sidecar)) as string[]).length, 1);
  });
});

describe("image-pinned", () => {
  it("passes image IDs, digests and version tags", () => {
    assert.deepEqual(check(rules.containerImagePinned, DOCKER, dockerApp), []);
    assert.deepEqual(
      check(rules.containerImagePinned, TASKDEF, taskDef([ecsAppContainer, ecsMysqlContainer])),
      [],
    );
  });
  it("fails latest and untagged images", () => {
    assert.deepEqual(
      check(
        rules.containerImagePinned,
        DOCKER,
        { ...dockerApp, image: "microblog:latest" },
        { name: "app" },
      ),
      ['app: "microblog:latest" uses the moving tag "latest"'],
    );
    const c = { ...ecsMysqlContainer, image: "registry.local:5000/mysql" };
    assert.deepEqual(check(rules.containerImagePinned, TASKDEF, taskDef([c]), { name: "task" }), [
      'task (container mysql): "registry.local:5000/mysql" has no tag, so it means :latest',
    ]);
  });
});

describe("ecs-logging", () => {
  it("passes awslogs", () => {
    assert.deepEqual(check(rules.ecsLogging, TASKDEF, appTask(ecsAppContainer)), []);
  });
  it("fails a container without logConfiguration", () => {
    const noLogs = without(ecsAppContainer, "logConfiguration");
    assert.equal((check(rules.ecsLogging, TASKDEF, appTask(noLogs)) as string[]).length, 1);
  });
});

describe("data-on-durable-volume", () => {
  it("passes MySQL on a named volume and on EFS; ignores the app", () => {
    assert.deepEqual(check(rules.dataOnDurableVolume, DOCKER, dockerMysql, { name: "mysql" }), []);
    assert.deepEqual(check(rules.dataOnDurableVolume, DOCKER, dockerApp, { name: "app" }), []);
    assert.deepEqual(check(rules.dataOnDurableVolume, TASKDEF, taskDef([ecsMysqlContainer])), []);
  });
  it("fails a bind mount, an unmounted data path, and a non-EFS ECS volume", () => {
    const bind = {
      ...dockerMysql,
      volumes: [{ hostPath: "/srv/mysql", containerPath: "/var/lib/mysql" }],
    };
    assert.deepEqual(check(rules.dataOnDurableVolume, DOCKER, bind, { name: "mysql" }), [
      "mysql: mysql data at /var/lib/mysql is not on a named Docker volume (volumeName)",
    ]);
    assert.deepEqual(
      check(rules.dataOnDurableVolume, DOCKER, { ...dockerMysql, volumes: [] }, { name: "mysql" }),
      ["mysql: mysql data path is not mounted: mount it on a named Docker volume (volumeName)"],
    );
    const onHost = taskDef([ecsMysqlContainer], { volumes: [{ name: "mysql-data" }] });
    assert.deepEqual(check(rules.dataOnDurableVolume, TASKDEF, onHost, { name: "task" }), [
      "task (container mysql): mysql data at /var/lib/mysql is not on an EFS volume",
    ]);
  });
  it("exempts a job (label microblog.role=job) that dumps MySQL without owning its data", () => {
    const dump = { ...dockerMysql, name: "backup", volumes: [] };
    const job = { ...dump, labels: [{ label: "microblog.role", value: "job" }] };
    assert.deepEqual(check(rules.dataOnDurableVolume, DOCKER, job, { name: "backup" }), []);
    assert.equal(
      (check(rules.dataOnDurableVolume, DOCKER, dump, { name: "backup" }) as string[]).length,
      1,
      "without the label the same container is a MySQL server without its data volume",
    );
  });
  it("exempts only scheduled ECS jobs from health checks and restarts", () => {
    const once = {
      ...ecsMysqlContainer,
      name: "dump",
      essential: false,
      healthCheck: undefined,
      mountPoints: [],
    };
    const labelled = { ...once, dockerLabels: { "microblog.role": "job" } };
    for (const rule of [rules.healthCheck, rules.restartPolicy]) {
      assert.deepEqual(check(rule, TASKDEF, taskDef([labelled]), { name: "backup" }), []);
      assert.equal(
        (check(rule, TASKDEF, taskDef([once]), { name: "backup" }) as string[]).length,
        1,
      );
    }
  });
  it("reports unreadable container definitions", () => {
    const out = check(
      rules.dataOnDurableVolume,
      TASKDEF,
      { containerDefinitions: "{" },
      { name: "task" },
    );
    assert.equal((out as string[]).length, 1);
    assert.match((out as string[])[0] ?? "", /^task: containerDefinitions is not valid JSON: /);
  });
});
