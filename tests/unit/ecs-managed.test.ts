// dataServices: managed on the ecs stack, under Pulumi mocks: RDS for MySQL and an OpenSearch
// domain in place of the data tasks, checked for what a reviewer would ask of them: no public
// access, encryption, backups, least-privilege access, and the app's unchanged env contract.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResourceRule, RuleArgs } from "../../policy/rules/containers.js";
import * as p from "../../policy/rules/managed.js";
import { dataProtectedOutsideDev } from "../../policy/rules/resources.js";
import type { StackArgs, StackRule } from "../../policy/rules/stack.js";
import { containers } from "./ecs-helpers.js";
import { evaluate, find, ofType, resolve, type Recorded } from "./mocks.js";

const RDS = "aws:rds/instance:Instance";
const DOMAIN = "aws:opensearch/domain:Domain";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const RDS_SECRET =
  "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-AbC123";

const managed = { dataServices: "managed" };

/** Ingress rules into a security group, as [peer group id or CIDR, port]. */
function ingressInto(resources: readonly Recorded[], group: string): [string, number][] {
  return ofType(resources, INGRESS)
    .filter((r) => r.inputs.securityGroupId === `${group}-id`)
    .map((r) => [
      String(r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4),
      Number(r.inputs.fromPort),
    ]);
}

describe("ecs stack with managed data services", () => {
  it("creates RDS and OpenSearch in place of the data tasks and their EFS", async () => {
    const { resources } = await evaluate("ecs", { ...managed, retainContainerData: "false" });
    const services = ofType(resources, "aws:ecs/service:Service").map((r) => r.inputs.name);
    assert.deepEqual(services, ["app"]);
    assert.equal(ofType(resources, "aws:efs/fileSystem:FileSystem").length, 0);
    assert.equal(ofType(resources, "aws:efs/accessPoint:AccessPoint").length, 0);
    assert.equal(ofType(resources, RDS).length, 1);
    assert.equal(ofType(resources, DOMAIN).length, 1);
    assert.equal(ofType(resources, "aws:opensearch/domainPolicy:DomainPolicy").length, 1);
    // The containers stack has neither.
    const { resources: plain } = await evaluate("ecs");
    assert.equal(ofType(plain, RDS).length + ofType(plain, DOMAIN).length, 0);
  });

  it("runs MySQL 8.4 private, encrypted, backed up, with an RDS-managed password", async () => {
    const { resources } = await evaluate("ecs", managed);
    const db = find(resources, RDS, "microblog-rds-db").inputs;
    assert.equal(db.engine, "mysql");
    assert.equal(db.engineVersion, "8.4");
    assert.equal(db.instanceClass, "db.t4g.micro");
    assert.equal(db.allocatedStorage, 20);
    assert.equal(db.publiclyAccessible, false);
    assert.equal(db.storageEncrypted, true);
    assert.equal(db.manageMasterUserPassword, true);
    assert.equal(db.password, undefined, "no password of ours in the program or state");
    assert.equal(db.backupRetentionPeriod, 7);
    assert.equal(db.copyTagsToSnapshot, true);
    assert.equal(db.multiAz, false);
    assert.deepEqual(db.vpcSecurityGroupIds, ["microblog-sg-mysql-id"]);
    const subnets = find(resources, "aws:rds/subnetGroup:SubnetGroup", "microblog-rds-subnets");
    assert.deepEqual(subnets.inputs.subnetIds, [
      "microblog-net-private-0-id",
      "microblog-net-private-1-id",
    ]);
    assert.equal(db.dbSubnetGroupName, "microblog-rds-subnets-1234567");
    // TLS required on the server side too.
    const params = find(resources, "aws:rds/parameterGroup:ParameterGroup", "microblog-rds-params");
    assert.equal(params.inputs.family, "mysql8.4");
    assert.deepEqual(params.inputs.parameters, [{ name: "require_secure_transport", value: "1" }]);
  });

  it("follows dataProtect: deletion protection and a final snapshot, or neither", async () => {
    const open = find(
      (await evaluate("ecs", { ...managed, dataProtect: "false" })).resources,
      RDS,
      "microblog-rds-db",
    );
    assert.equal(open.inputs.deletionProtection, false);
    assert.equal(open.inputs.skipFinalSnapshot, true);
    assert.equal(open.inputs.finalSnapshotIdentifier, undefined);
    assert.equal(open.protect, false);
    const shut = find(
      (await evaluate("ecs", { ...managed, dataProtect: "true" })).resources,
      RDS,
      "microblog-rds-db",
    );
    assert.equal(shut.inputs.deletionProtection, true);
    assert.equal(shut.inputs.skipFinalSnapshot, false);
    assert.equal(shut.inputs.finalSnapshotIdentifier, "microblog-infra-ecs-final");
    assert.equal(shut.protect, true);
  });

  it("takes the sizes, Multi-AZ and retention from config", async () => {
    const { resources } = await evaluate("ecs", {
      ...managed,
      dbInstanceClass: "db.m7g.large",
      dbAllocatedStorageGb: "100",
      dbMultiAz: "true",
      dbBackupRetentionDays: "35",
      searchInstanceType: "m6g.large.search",
      searchVolumeGb: "50",
    });
    const db = find(resources, RDS, "microblog-rds-db").inputs;
    assert.deepEqual(
      [db.instanceClass, db.allocatedStorage, db.multiAz, db.backupRetentionPeriod],
      ["db.m7g.large", 100, true, 35],
    );
    const domain = find(resources, DOMAIN, "microblog-opensearch-domain").inputs;
    assert.equal(
      (domain.clusterConfig as { instanceType: string }).instanceType,
      "m6g.large.search",
    );
    assert.equal((domain.ebsOptions as { volumeSize: number }).volumeSize, 50);
  });

  it("runs an OpenSearch domain in the VPC only, encrypted at rest and in transit", async () => {
    const { resources } = await evaluate("ecs", managed);
    const d = find(resources, DOMAIN, "microblog-opensearch-domain").inputs;
    assert.equal(d.domainName, "microblog-infra-ecs");
    assert.match(String(d.engineVersion), /^OpenSearch_2\.\d+$/);
    assert.deepEqual(d.vpcOptions, {
      subnetIds: ["microblog-net-private-0-id"],
      securityGroupIds: ["microblog-sg-search-id"],
    });
    assert.deepEqual(d.encryptAtRest, { enabled: true });
    assert.deepEqual(d.nodeToNodeEncryption, { enabled: true });
    assert.deepEqual(d.domainEndpointOptions, {
      enforceHttps: true,
      tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10",
    });
    // No access policy on the domain itself: the separate policy names the app's role alone.
    assert.equal(d.accessPolicies, undefined);
    assert.equal(d.advancedSecurityOptions, undefined);
  });

  it("lets only the app's task role call the domain, with the app's HTTP methods", async () => {
    const { resources } = await evaluate("ecs", managed);
    const p = find(
      resources,
      "aws:opensearch/domainPolicy:DomainPolicy",
      "microblog-opensearch-policy",
    );
    assert.equal(p.inputs.domainName, "microblog-infra-ecs");
    const doc = JSON.parse(String(p.inputs.accessPolicies)) as {
      Statement: { Effect: string; Principal: unknown; Action: string[]; Resource: string }[];
    };
    assert.equal(doc.Statement.length, 1);
    const [st] = doc.Statement;
    assert.equal(st?.Effect, "Allow");
    assert.deepEqual(st?.Principal, {
      AWS: "arn:aws:mock:us-east-1:123456789012:microblog-app-task",
    });
    assert.deepEqual(st?.Action, [
      "es:ESHttpDelete",
      "es:ESHttpGet",
      "es:ESHttpHead",
      "es:ESHttpPost",
      "es:ESHttpPut",
    ]);
    assert.equal(st?.Resource, "arn:aws:mock:us-east-1:123456789012:microblog-opensearch-domain/*");
  });

  it("opens RDS and the domain to the app's group only (backups to RDS), no egress", async () => {
    const { resources } = await evaluate("ecs", managed);
    assert.deepEqual(ingressInto(resources, "microblog-sg-mysql"), [
      ["microblog-sg-app-id", 3306],
      ["microblog-sg-backup-id", 3306],
    ]);
    assert.deepEqual(ingressInto(resources, "microblog-sg-search"), [["microblog-sg-app-id", 443]]);
    for (const g of ["mysql", "search"]) {
      const out = ofType(resources, EGRESS).filter(
        (r) => r.inputs.securityGroupId === `microblog-sg-${g}-id`,
      );
      assert.deepEqual(out, [], `${g}: a managed service opens no connection`);
      // Unchanged from the containers stack, so a switch does not replace the group.
      assert.equal(find(resources, SG, `microblog-sg-${g}`).inputs.description, `Microblog ${g}`);
    }
    // Nothing reaches EFS any more (no data container).
    assert.deepEqual(ingressInto(resources, "microblog-sg-efs"), []);
    // Without backups only the app reaches RDS.
    const noBackups = (await evaluate("ecs", { ...managed, backups: "false" })).resources;
    assert.deepEqual(ingressInto(noBackups, "microblog-sg-mysql"), [["microblog-sg-app-id", 3306]]);
  });

  it("keeps the app's env contract: DATABASE_URL without password, the secret read at run time", async () => {
    const { resources } = await evaluate("ecs", managed);
    const [app] = containers(resources, "app");
    const env = Object.fromEntries((app?.environment ?? []).map((e) => [e.name, e.value]));
    assert.equal(
      env.DATABASE_URL,
      "mysql://microblog@microblog-rds-db.c0abcdefghij.us-east-1.rds.amazonaws.com:3306/microblog?ssl=amazon-rds",
    );
    // An ARN, not a credential: the app reads the rotating password with its task role.
    assert.equal(env.DATABASE_PASSWORD_SECRET_ARN, RDS_SECRET);
    assert.equal(
      env.ELASTICSEARCH_URL,
      "https://vpc-microblog-infra-ecs-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com",
    );
    assert.equal(env.SEARCH_AWS_REGION, "us-east-1");
    const secrets = (app?.secrets ?? []).map((s) => s.name);
    assert.deepEqual(secrets, ["SECRET_KEY"]);
    // No Secrets Manager secret of ours holds a database URL or password.
    const ours = ofType(resources, "aws:secretsmanager/secret:Secret").map((r) => r.name);
    assert.ok(!ours.some((n) => /database|mysql/.test(n)), ours.join(", "));
  });

  it("lets exactly the app's task role and the backup's execution role read the RDS secret", async () => {
    const { resources } = await evaluate("ecs", managed);
    const readers = ofType(resources, "aws:iam/rolePolicy:RolePolicy").filter((r) =>
      String(r.inputs.policy).includes(RDS_SECRET),
    );
    assert.deepEqual(
      readers.map((r) => [r.name, r.inputs.role]),
      [
        ["microblog-app-task-read-secrets", "microblog-app-task-id"],
        ["microblog-backup-read-secrets", "microblog-backup-execution-id"],
      ],
    );
    for (const policy of readers) {
      const doc = JSON.parse(String(policy.inputs.policy)) as {
        Statement: { Action: string[]; Resource: string[] }[];
      };
      assert.equal(doc.Statement.length, 1);
      assert.deepEqual(doc.Statement[0]?.Action, ["secretsmanager:GetSecretValue"]);
      assert.deepEqual(
        doc.Statement[0]?.Resource,
        [RDS_SECRET],
        `${policy.name}: that secret only`,
      );
    }
    // The app's execution role reads only the app's own SECRET_KEY, as before.
    const appExec = find(resources, "aws:iam/rolePolicy:RolePolicy", "microblog-app-read-secrets");
    const execDoc = JSON.parse(String(appExec.inputs.policy)) as {
      Statement: { Resource: string[] }[];
    };
    assert.deepEqual(execDoc.Statement[0]?.Resource, [
      "arn:aws:mock:us-east-1:123456789012:microblog-app-secret-key",
    ]);
    // The task role has no other policy: the domain's own policy grants it search access.
    const taskPolicies = ofType(resources, "aws:iam/rolePolicy:RolePolicy")
      .filter((r) => r.inputs.role === "microblog-app-task-id")
      .map((r) => r.name);
    assert.deepEqual(taskPolicies, ["microblog-app-task-read-secrets"]);
    // Containers stacks: the app's task role reads nothing.
    const plain = (await evaluate("ecs")).resources;
    assert.equal(
      ofType(plain, "aws:iam/rolePolicy:RolePolicy").filter(
        (r) => r.inputs.role === "microblog-app-task-id",
      ).length,
      0,
    );
  });

  it("dumps from RDS: the backup task's host and password come from the instance", async () => {
    const { resources } = await evaluate("ecs", managed);
    const td = find(resources, "aws:ecs/taskDefinition:TaskDefinition", "microblog-backup-taskdef");
    const [dump] = JSON.parse(String(td.inputs.containerDefinitions)) as {
      environment: { name: string; value: string }[];
      secrets: { name: string; valueFrom: string }[];
    }[];
    const env = Object.fromEntries((dump?.environment ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.MYSQL_HOST, "microblog-rds-db.c0abcdefghij.us-east-1.rds.amazonaws.com");
    assert.equal(env.MYSQL_USER, "microblog");
    assert.deepEqual(dump?.secrets, [
      { name: "MYSQL_PASSWORD", valueFrom: `${RDS_SECRET}:password::` },
    ]);
  });

  it("keeps the containers' EFS and access points by default (the switch deletes nothing)", async () => {
    const { resources } = await evaluate("ecs", { ...managed, dataProtect: "true" });
    const fs = find(resources, "aws:efs/fileSystem:FileSystem", "microblog-efs-fs");
    assert.equal(fs.protect, true);
    const aps = ofType(resources, "aws:efs/accessPoint:AccessPoint").map((r) => r.name);
    assert.deepEqual(aps, ["microblog-efs-mysql", "microblog-efs-search"]);
    // Nobody may mount it: the file system policy allows no client.
    const policy = find(
      resources,
      "aws:efs/fileSystemPolicy:FileSystemPolicy",
      "microblog-efs-policy",
    );
    const doc = JSON.parse(String(policy.inputs.policy)) as { Statement: { Effect: string }[] };
    assert.deepEqual(
      doc.Statement.map((s) => s.Effect),
      ["Deny"],
    );
  });

  it("keeps search in a container on EFS with managedSearch container", async () => {
    const { resources } = await evaluate("ecs", {
      ...managed,
      managedSearch: "container",
      retainContainerData: "false",
    });
    assert.equal(ofType(resources, DOMAIN).length, 0);
    const services = ofType(resources, "aws:ecs/service:Service").map((r) => r.inputs.name);
    assert.deepEqual(services.sort(), ["app", "search"]);
    const aps = ofType(resources, "aws:efs/accessPoint:AccessPoint").map((r) => r.name);
    assert.deepEqual(aps, ["microblog-efs-search"]);
    const [app] = containers(resources, "app");
    const env = Object.fromEntries((app?.environment ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.ELASTICSEARCH_URL, "http://elasticsearch.microblog-infra-ecs.internal:9200");
    assert.equal(env.SEARCH_AWS_REGION, undefined, "no signing for the container");
    assert.deepEqual(ingressInto(resources, "microblog-sg-search"), [
      ["microblog-sg-app-id", 9200],
    ]);
  });

  it("exports the database and search endpoints, nothing secret", async () => {
    const { outputs } = await evaluate("ecs", managed);
    const address = await resolve(outputs.databaseAddress);
    assert.equal(address.value, "microblog-rds-db.c0abcdefghij.us-east-1.rds.amazonaws.com");
    assert.equal(address.secret, false);
    assert.match(String((await resolve(outputs.searchEndpoint)).value), /\.es\.amazonaws\.com$/);
    assert.deepEqual(Object.keys((await resolve(outputs.logGroupNames)).value as object), ["app"]);
  });
});

describe("the policy pack on the managed ecs stack", () => {
  /** Runs a resource rule over every recorded resource; violations by resource. */
  function violations(rule: ResourceRule, resources: readonly Recorded[]): string[] {
    const found: string[] = [];
    for (const res of resources) {
      const args = {
        type: res.type,
        name: res.name,
        urn: `urn:pulumi:ecs::microblog-infra::${res.type}::${res.name}`,
        props: res.inputs,
        opts: { protect: res.protect },
        stackTags: new Map(),
        getConfig: () => ({}),
        notApplicable: () => {
          throw new Skip();
        },
      } as unknown as RuleArgs;
      try {
        rule(args, (m: string) => found.push(m));
      } catch (e) {
        if (!(e instanceof Skip)) throw e;
      }
    }
    return found;
  }
  /** The recorded resources as a stack rule sees them. */
  function stackViolations(rule: StackRule, resources: readonly Recorded[]): string[] | "n/a" {
    const found: string[] = [];
    const args = {
      resources: resources.map((res) => ({ ...res, props: res.inputs, urn: res.name })),
      stackTags: new Map(),
      getConfig: () => ({}),
      notApplicable: () => {
        throw new Skip();
      },
    } as unknown as StackArgs;
    try {
      rule(args, (m: string) => found.push(m));
    } catch (e) {
      if (e instanceof Skip) return "n/a";
      throw e;
    }
    return found;
  }
  class Skip extends Error {}

  it("passes the mandatory data rules (with the stack's dataProtect: true)", async () => {
    const { resources } = await evaluate("ecs", managed);
    for (const rule of [
      p.rdsPrivateEncryptedBackedUp,
      p.openSearchPrivateEncrypted,
      p.openSearchNoAnonymousAccess,
      dataProtectedOutsideDev,
    ]) {
      assert.deepEqual(violations(rule, resources), []);
    }
  });

  it("warns of the migration while the containers' data is kept, not after", async () => {
    const kept = (await evaluate("ecs", managed)).resources;
    const warnings = stackViolations(p.managedDataMigration, kept);
    assert.ok(Array.isArray(warnings) && warnings.length === 2, JSON.stringify(warnings));
    const dropped = (await evaluate("ecs", { ...managed, retainContainerData: "false" })).resources;
    assert.deepEqual(stackViolations(p.managedDataMigration, dropped), []);
    assert.equal(stackViolations(p.managedDataMigration, (await evaluate("ecs")).resources), "n/a");
  });
});

describe("OpenSearch domain names", () => {
  it("keep short prefixes and make long ones unique within 28 characters", async () => {
    const { domainName } = await import("../../components/ecs/managed.js");
    assert.equal(domainName("microblog-infra-ecs"), "microblog-infra-ecs");
    assert.equal(domainName("9lives"), "m-9lives");
    const a = domainName("microblog-infra-production-eu-west");
    const b = domainName("microblog-infra-production-eu-east");
    assert.notEqual(a, b);
    for (const n of [a, b]) {
      assert.match(n, /^[a-z][a-z0-9-]{2,27}$/);
      assert.ok(n.length <= 28, n);
    }
    assert.equal(a, domainName("microblog-infra-production-eu-west"), "stable");
  });
});
