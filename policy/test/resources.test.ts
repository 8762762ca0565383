import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as rules from "../rules/resources.js";
import { check } from "./stub.js";
import { DOCKER, dockerApp, dockerMysql } from "./fixtures.js";

const VOLUME = "docker:index/volume:Volume";
const EFS = "aws:efs/fileSystem:FileSystem";
const SERVICE = "aws:ecs/service:Service";
const REPO = "aws:ecr/repository:Repository";

describe("image-resource-pinned", () => {
  it("passes a versioned build tag and a pinned pull", () => {
    assert.deepEqual(
      check(rules.imageResourcePinned, "docker:index/image:Image", {
        imageName: "microblog:3f1c0c0e",
      }),
      [],
    );
    assert.deepEqual(
      check(rules.imageResourcePinned, "docker:index/remoteImage:RemoteImage", {
        name: "mysql:8.4.3",
      }),
      [],
    );
  });
  it("fails latest", () => {
    assert.deepEqual(
      check(
        rules.imageResourcePinned,
        "docker:index/remoteImage:RemoteImage",
        { name: "mysql:latest" },
        { name: "img" },
      ),
      ['img: "mysql:latest" uses the moving tag "latest"; tag it with a version or pin a digest'],
    );
  });
});

describe("data-protected-outside-dev", () => {
  it("does not apply on dev, or on stacks configured as unprotected", () => {
    assert.equal(check(rules.dataProtectedOutsideDev, VOLUME, {}, { stack: "dev" }), "n/a");
    assert.equal(
      check(
        rules.dataProtectedOutsideDev,
        VOLUME,
        {},
        { stack: "pr-7", config: { unprotectedStacks: ["pr-7"] } },
      ),
      "n/a",
    );
  });
  it("passes protected volumes and file systems elsewhere", () => {
    assert.deepEqual(
      check(
        rules.dataProtectedOutsideDev,
        VOLUME,
        {},
        { stack: "staging", opts: { protect: true } },
      ),
      [],
    );
    assert.deepEqual(
      check(rules.dataProtectedOutsideDev, EFS, {}, { stack: "ecs", opts: { protect: true } }),
      [],
    );
  });
  it("fails an unprotected EFS on the ecs stack", () => {
    assert.deepEqual(
      check(rules.dataProtectedOutsideDev, EFS, {}, { stack: "ecs", name: "data" }),
      ['data: holds data on stack "ecs" but is not protected: set protect: true'],
    );
  });
});

describe("data-ports-loopback", () => {
  it("passes loopback-published data ports and ignores the app", () => {
    assert.deepEqual(check(rules.dataPortsOnLoopback, DOCKER, dockerMysql, { name: "mysql" }), []);
    assert.equal(check(rules.dataPortsOnLoopback, DOCKER, dockerApp, { name: "app" }), "n/a");
  });
  it("fails a data port on all interfaces", () => {
    const open = { ...dockerMysql, ports: [{ internal: 3306, external: 3306 }] };
    assert.deepEqual(check(rules.dataPortsOnLoopback, DOCKER, open, { name: "mysql" }), [
      "mysql: mysql port 3306 is published on 0.0.0.0: bind 127.0.0.1",
    ]);
  });
});

describe("ecs-data-no-public-ip", () => {
  it("passes a private search service", () => {
    const props = {
      name: "microblog-elasticsearch",
      networkConfiguration: { assignPublicIp: false },
    };
    assert.deepEqual(check(rules.ecsDataServiceNoPublicIp, SERVICE, props), []);
  });
  it("fails a public MySQL service", () => {
    const props = { networkConfiguration: { assignPublicIp: true } };
    assert.deepEqual(check(rules.ecsDataServiceNoPublicIp, SERVICE, props, { name: "ecs-mysql" }), [
      "ecs-mysql: mysql service has assignPublicIp: true; keep it in private subnets",
    ]);
  });
});

describe("ecs-circuit-breaker", () => {
  it("passes the app service with rollback; skips data services", () => {
    const props = { deploymentCircuitBreaker: { enable: true, rollback: true } };
    assert.deepEqual(check(rules.ecsCircuitBreaker, SERVICE, props, { name: "ecs-app" }), []);
    assert.equal(check(rules.ecsCircuitBreaker, SERVICE, {}, { name: "ecs-mysql" }), "n/a");
  });
  it("fails a breaker without rollback", () => {
    const props = { deploymentCircuitBreaker: { enable: true, rollback: false } };
    assert.deepEqual(check(rules.ecsCircuitBreaker, SERVICE, props, { name: "ecs-app" }), [
      "ecs-app: set deploymentCircuitBreaker { enable: true, rollback: true }",
    ]);
  });
});

describe("ecr-scan-on-push / ecr-immutable-tags", () => {
  const good = {
    imageScanningConfiguration: { scanOnPush: true },
    imageTagMutability: "IMMUTABLE",
  };
  it("passes a scanning, immutable repository", () => {
    assert.deepEqual(check(rules.ecrScanOnPush, REPO, good), []);
    assert.deepEqual(check(rules.ecrImmutableTags, REPO, good), []);
  });
  it("fails the provider defaults", () => {
    assert.deepEqual(check(rules.ecrScanOnPush, REPO, {}, { name: "repo" }), [
      "repo: set imageScanningConfiguration.scanOnPush: true",
    ]);
    assert.deepEqual(check(rules.ecrImmutableTags, REPO, {}, { name: "repo" }), [
      "repo: imageTagMutability is MUTABLE: use IMMUTABLE",
    ]);
  });
});

describe("efs-encrypted / efs-transit-encryption", () => {
  it("passes encrypted file systems and TLS volumes", () => {
    assert.deepEqual(check(rules.efsEncrypted, EFS, { encrypted: true }), []);
    const td = {
      volumes: [
        { name: "d", efsVolumeConfiguration: { fileSystemId: "fs", transitEncryption: "ENABLED" } },
      ],
    };
    assert.deepEqual(
      check(rules.efsTransitEncryption, "aws:ecs/taskDefinition:TaskDefinition", td),
      [],
    );
  });
  it("fails unencrypted at rest and in transit", () => {
    assert.deepEqual(check(rules.efsEncrypted, EFS, {}, { name: "fs" }), [
      "fs: set encrypted: true",
    ]);
    const td = { volumes: [{ name: "d", efsVolumeConfiguration: { fileSystemId: "fs" } }] };
    assert.deepEqual(
      check(rules.efsTransitEncryption, "aws:ecs/taskDefinition:TaskDefinition", td, {
        name: "task",
      }),
      ['task: EFS volume d needs transitEncryption: "ENABLED"'],
    );
  });
});

describe("log-retention", () => {
  it("passes a retention period", () => {
    assert.deepEqual(
      check(rules.logRetention, "aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 30 }),
      [],
    );
  });
  it("fails never-expire", () => {
    assert.deepEqual(
      check(
        rules.logRetention,
        "aws:cloudwatch/logGroup:LogGroup",
        { retentionInDays: 0 },
        { name: "logs" },
      ),
      ["logs: no retentionInDays, logs are kept (and billed) forever"],
    );
  });
});

describe("ecs-container-insights", () => {
  it("passes enabled insights", () => {
    const props = { settings: [{ name: "containerInsights", value: "enabled" }] };
    assert.deepEqual(check(rules.ecsContainerInsights, "aws:ecs/cluster:Cluster", props), []);
  });
  it("fails a cluster without the setting", () => {
    assert.deepEqual(
      check(rules.ecsContainerInsights, "aws:ecs/cluster:Cluster", {}, { name: "c" }),
      ["c: containerInsights is not enabled"],
    );
  });
});
