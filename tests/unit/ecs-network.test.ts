// The ecs stack's network and storage under Pulumi mocks: subnets, the exact security-group
// flows, encrypted EFS with an access point per data service.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { arn, untagged } from "./ecs-helpers.js";
import { evaluate, find, ofType, type Recorded } from "./mocks.js";

describe("ecs stack network and storage", () => {
  let resources: Recorded[];
  before(async () => {
    ({ resources } = await evaluate("ecs"));
  });

  it("spreads the VPC over two AZs with private subnets for tasks", () => {
    const subnets = ofType(resources, "aws:ec2/subnet:Subnet").map((s) => [
      s.name,
      s.inputs.cidrBlock,
      s.inputs.availabilityZone,
    ]);
    assert.deepEqual(subnets, [
      ["microblog-net-public-0", "10.0.0.0/24", "us-east-1a"],
      ["microblog-net-public-1", "10.0.1.0/24", "us-east-1b"],
      ["microblog-net-private-0", "10.0.10.0/24", "us-east-1a"],
      ["microblog-net-private-1", "10.0.11.0/24", "us-east-1b"],
    ]);
  });

  it("allows exactly ALB→app, app→MySQL, app→search, backup→MySQL and data→EFS between groups", () => {
    const sgName = (id: unknown): string =>
      String(id)
        .replace(/^microblog-sg-/, "")
        .replace(/-id$/, "");
    const internal = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.inputs.referencedSecurityGroupId !== undefined)
      .map(
        (r) =>
          `${sgName(r.inputs.referencedSecurityGroupId)}->${sgName(r.inputs.securityGroupId)}:${r.inputs.fromPort}-${r.inputs.toPort}`,
      );
    assert.deepEqual(internal.sort(), [
      "alb->app:5000-5000",
      "app->mysql:3306-3306",
      "app->search:9200-9200",
      "backup->mysql:3306-3306",
      "mysql->efs:2049-2049",
      "search->efs:2049-2049",
    ]);
    const publicIn = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.inputs.cidrIpv4 !== undefined)
      .map((r) => `${r.inputs.cidrIpv4}->${sgName(r.inputs.securityGroupId)}:${r.inputs.fromPort}`);
    assert.deepEqual(publicIn, ["0.0.0.0/0->alb:80"]);
    const egressAnywhere = ofType(
      resources,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    )
      .filter((r) => r.inputs.cidrIpv4 !== undefined)
      .map((r) => `${sgName(r.inputs.securityGroupId)}:${r.inputs.fromPort}`);
    assert.deepEqual(egressAnywhere.sort(), ["app:443", "backup:443", "mysql:443", "search:443"]);
  });

  it("stores data on encrypted EFS through one access point per service, transit encrypted", () => {
    assert.deepEqual(
      untagged(find(resources, "aws:efs/fileSystem:FileSystem", "microblog-efs-fs")),
      {
        encrypted: true,
        performanceMode: "generalPurpose",
        throughputMode: "elastic",
      },
    );
    for (const [svc, uid] of [
      ["mysql", 999],
      ["search", 1000],
    ] as const) {
      assert.deepEqual(
        untagged(find(resources, "aws:efs/accessPoint:AccessPoint", `microblog-efs-${svc}`)),
        {
          fileSystemId: "microblog-efs-fs-id",
          posixUser: { uid, gid: uid },
          rootDirectory: {
            path: `/${svc}`,
            creationInfo: { ownerUid: uid, ownerGid: uid, permissions: "0750" },
          },
        },
      );
      const td = find(
        resources,
        "aws:ecs/taskDefinition:TaskDefinition",
        `microblog-${svc}-taskdef`,
      );
      assert.deepEqual(td.inputs.volumes, [
        {
          name: "data",
          efsVolumeConfiguration: {
            fileSystemId: "microblog-efs-fs-id",
            transitEncryption: "ENABLED",
            authorizationConfig: { accessPointId: `microblog-efs-${svc}-id`, iam: "ENABLED" },
          },
        },
      ]);
    }
  });

  it("lets only each data task's role in, through its own access point, over TLS", () => {
    const fsPolicy = find(
      resources,
      "aws:efs/fileSystemPolicy:FileSystemPolicy",
      "microblog-efs-policy",
    );
    assert.equal(fsPolicy.inputs.fileSystemId, "microblog-efs-fs-id");
    const fs = arn("microblog-efs-fs");
    assert.deepEqual(JSON.parse(String(fsPolicy.inputs.policy)), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyWithoutTls",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "*",
          Resource: fs,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        ...["mysql", "search"].map((svc) => ({
          Sid: `${svc}ThroughItsAccessPoint`,
          Effect: "Allow",
          Principal: { AWS: arn(`microblog-${svc}-task`) },
          // No ClientRootAccess: the access point runs every client as the service's user.
          Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
          Resource: fs,
          Condition: {
            StringEquals: { "elasticfilesystem:AccessPointArn": arn(`microblog-efs-${svc}`) },
          },
        })),
      ],
    });
  });

  it("backs the file system up by default", () => {
    assert.deepEqual(
      find(resources, "aws:efs/backupPolicy:BackupPolicy", "microblog-efs-backup").inputs,
      { fileSystemId: "microblog-efs-fs-id", backupPolicy: { status: "ENABLED" } },
    );
  });

  it("turns backups off with efsBackups: false", async () => {
    const { resources: off } = await evaluate("ecs", { efsBackups: "false" });
    assert.deepEqual(
      find(off, "aws:efs/backupPolicy:BackupPolicy", "microblog-efs-backup").inputs.backupPolicy,
      { status: "DISABLED" },
    );
  });
});
