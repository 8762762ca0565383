// Rules on managed data services: each passes what the ECS stack declares with dataServices
// managed and fails the one setting that would expose or endanger the data.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as m from "../rules/managed.js";
import * as r from "../rules/resources.js";
import { check, checkStack, res, without } from "./stub.js";

const rds = {
  engine: "mysql",
  publiclyAccessible: false,
  storageEncrypted: true,
  backupRetentionPeriod: 7,
  manageMasterUserPassword: true,
};
const domain = {
  vpcOptions: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] },
  encryptAtRest: { enabled: true },
  nodeToNodeEncryption: { enabled: true },
  domainEndpointOptions: {
    enforceHttps: true,
    tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10",
  },
};
const policy = (principal: unknown, condition?: object): string =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: principal,
        Action: ["es:ESHttpGet"],
        Resource: "arn:aws:es:us-east-1:123456789012:domain/d/*",
        ...(condition === undefined ? {} : { Condition: condition }),
      },
    ],
  });

describe("rds-private-encrypted-backed-up", () => {
  it("passes the stack's instance and ignores other types", () => {
    assert.deepEqual(check(m.rdsPrivateEncryptedBackedUp, m.RDS_INSTANCE, rds), []);
    assert.equal(check(m.rdsPrivateEncryptedBackedUp, "aws:efs/fileSystem:FileSystem", {}), "n/a");
  });
  it("fails public access, unencrypted storage and backups off", () => {
    assert.deepEqual(
      check(
        m.rdsPrivateEncryptedBackedUp,
        m.RDS_INSTANCE,
        { ...rds, publiclyAccessible: true },
        { name: "db" },
      ),
      ["db: publiclyAccessible is true; keep the instance in private subnets"],
    );
    assert.deepEqual(
      check(m.rdsPrivateEncryptedBackedUp, m.RDS_INSTANCE, without(rds, "storageEncrypted"), {
        name: "db",
      }),
      ["db: set storageEncrypted: true"],
    );
    assert.deepEqual(
      check(
        m.rdsPrivateEncryptedBackedUp,
        m.RDS_INSTANCE,
        { ...rds, backupRetentionPeriod: 0 },
        { name: "db" },
      ),
      ["db: backupRetentionPeriod 0 turns automated backups off"],
    );
  });
});

describe("opensearch-private-encrypted", () => {
  it("passes the stack's domain", () => {
    assert.deepEqual(check(m.openSearchPrivateEncrypted, m.OPENSEARCH_DOMAIN, domain), []);
  });
  it("fails a public endpoint, each missing encryption, and TLS below 1.2", () => {
    const fails = (props: Record<string, unknown>): string[] =>
      check(m.openSearchPrivateEncrypted, m.OPENSEARCH_DOMAIN, props, { name: "d" }) as string[];
    assert.deepEqual(fails(without(domain, "vpcOptions")), [
      "d: no vpcOptions: the domain would have a public endpoint",
    ]);
    assert.deepEqual(fails({ ...domain, encryptAtRest: { enabled: false } }), [
      "d: set encryptAtRest.enabled: true",
    ]);
    assert.deepEqual(fails(without(domain, "nodeToNodeEncryption")), [
      "d: set nodeToNodeEncryption.enabled: true",
    ]);
    const tls =
      "d: set domainEndpointOptions { enforceHttps: true, tlsSecurityPolicy: TLS 1.2 or later }";
    assert.deepEqual(
      fails({
        ...domain,
        domainEndpointOptions: {
          enforceHttps: true,
          tlsSecurityPolicy: "Policy-Min-TLS-1-0-2019-07",
        },
      }),
      [tls],
    );
    assert.deepEqual(fails({ ...domain, domainEndpointOptions: { enforceHttps: false } }), [tls]);
  });
});

describe("opensearch-no-anonymous-access", () => {
  const P = m.OPENSEARCH_POLICY;
  it("passes a policy naming the task role, and a conditioned *", () => {
    const role = { AWS: "arn:aws:iam::123456789012:role/app-task" };
    assert.deepEqual(check(m.openSearchNoAnonymousAccess, P, { accessPolicies: policy(role) }), []);
    const conditioned = policy("*", { IpAddress: { "aws:SourceIp": "10.0.0.0/16" } });
    assert.deepEqual(check(m.openSearchNoAnonymousAccess, P, { accessPolicies: conditioned }), []);
  });
  it("fails an open policy, as * or as AWS *", () => {
    for (const principal of ["*", { AWS: "*" }, { AWS: ["arn:aws:iam::1:role/x", "*"] }]) {
      assert.deepEqual(
        check(
          m.openSearchNoAnonymousAccess,
          P,
          { accessPolicies: policy(principal) },
          { name: "p" },
        ),
        ['p: the access policy allows principal "*"; name the app\'s task role'],
      );
    }
  });
});

describe("data-protected-outside-dev covers RDS and OpenSearch", () => {
  it("fails an unprotected instance on ecs, passes a protected one", () => {
    assert.deepEqual(
      check(r.dataProtectedOutsideDev, m.RDS_INSTANCE, rds, { stack: "ecs", name: "db" }),
      ['db: holds data on stack "ecs" but is not protected: set protect: true'],
    );
    assert.deepEqual(
      check(r.dataProtectedOutsideDev, m.OPENSEARCH_DOMAIN, domain, {
        stack: "ecs",
        opts: { protect: true },
      }),
      [],
    );
  });
});

describe("managed-data-migration", () => {
  const ap = (svc: string) =>
    res("aws:efs/accessPoint:AccessPoint", `microblog-efs-${svc}`, {
      rootDirectory: { path: `/${svc}` },
    });
  const service = (name: string) =>
    res("aws:ecs/service:Service", `microblog-${name}-service`, { name });
  const db = res(m.RDS_INSTANCE, "microblog-rds-db", rds);
  const os = res(m.OPENSEARCH_DOMAIN, "microblog-opensearch-domain", domain);
  it("does not apply to a stack with data containers only", () => {
    assert.equal(
      checkStack(m.managedDataMigration, [ap("mysql"), ap("search"), service("mysql")]),
      "n/a",
    );
  });
  it("stays quiet once the containers' data is dropped, or when a container still uses it", () => {
    assert.deepEqual(checkStack(m.managedDataMigration, [db, os, service("app")]), []);
    // managedSearch container: search keeps its access point in use.
    assert.deepEqual(checkStack(m.managedDataMigration, [db, ap("search"), service("search")]), []);
  });
  it("warns for each kept data directory beside its managed replacement", () => {
    const found = checkStack(m.managedDataMigration, [
      db,
      os,
      ap("mysql"),
      ap("search"),
      service("app"),
    ]);
    assert.ok(Array.isArray(found));
    assert.equal(found.length, 2);
    assert.match(
      found[0] ?? "",
      /^microblog-efs-mysql: the mysql container's data on EFS is kept beside microblog-rds-db, which started empty/,
    );
    assert.match(
      found[1] ?? "",
      /^microblog-efs-search: .* beside microblog-opensearch-domain, .*retainContainerData to false/,
    );
  });
});
