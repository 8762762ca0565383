// Config validation: every bad input fails with its exact message before any resource exists.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../components/config.js";
import { evaluate, EvaluationError, setup, type Override } from "./mocks.js";

/** A PEM bundle larger than one build arg may be (13 × 10 KB certificates). */
const BIG_PEM = join(mkdtempSync(join(tmpdir(), "mb-pem-")), "bundle.pem");
writeFileSync(
  BIG_PEM,
  `-----BEGIN CERTIFICATE-----\n${"A".repeat(9972)}\n-----END CERTIFICATE-----\n`.repeat(13),
);

async function messageFor(
  stack: string,
  overrides: Record<string, Override | undefined>,
): Promise<string> {
  await setup(stack, overrides);
  try {
    loadConfig();
  } catch (err) {
    return (err as Error).message;
  }
  return "(no error)";
}

describe("config validation", () => {
  const cases: [string, string, Record<string, Override | undefined>, string][] = [
    [
      "dev",
      "wrong target",
      { target: "k8s" },
      'Invalid config target="k8s": allowed values are local, ecs.',
    ],
    [
      "dev",
      "app port out of range",
      { appPort: "80" },
      "Invalid config appPort=80: must be an integer from 1024 to 65535.",
    ],
    [
      "dev",
      "non-integer port",
      { appPort: "eighty" },
      'Invalid config appPort="eighty": must be an integer.',
    ],
    [
      "dev",
      "colliding host ports",
      { mysqlHostPort: "8000" },
      "Invalid config mysqlHostPort=8000: already used by appPort; host ports must differ.",
    ],
    [
      "dev",
      "image without tag",
      { mysqlImage: "mysql" },
      'Invalid config mysqlImage="mysql": image has no tag or digest; expected a pinned reference such as mysql:8.4.6 or repo@sha256:<digest> (not latest).',
    ],
    [
      "dev",
      "image tagged latest",
      { searchImage: "opensearchproject/opensearch:latest" },
      'Invalid config searchImage="opensearchproject/opensearch:latest": tag "latest" is not pinned; expected a pinned reference such as mysql:8.4.6 or repo@sha256:<digest> (not latest).',
    ],
    [
      "dev",
      "malformed image",
      { mysqlImage: "MySQL::8" },
      'Invalid config mysqlImage="MySQL::8": malformed image reference; expected a pinned reference such as mysql:8.4.6 or repo@sha256:<digest> (not latest).',
    ],
    [
      "dev",
      "Docker API version not major.minor",
      { dockerApiVersion: "25.0" },
      'Invalid config dockerApiVersion="25.0": expected an API version such as 1.41 or 1.47.',
    ],
    [
      "dev",
      "health-check start interval of zero",
      { healthCheckStartIntervalSeconds: "0" },
      "Invalid config healthCheckStartIntervalSeconds=0: must be an integer from 1 to 10.",
    ],
    [
      "dev",
      "backup interval below the minimum",
      { backupIntervalMinutes: "5" },
      "Invalid config backupIntervalMinutes=5: must be an integer from 15 to 10080.",
    ],
    [
      "ecs",
      "backup interval not an integer",
      { backupIntervalMinutes: "daily" },
      'Invalid config backupIntervalMinutes="daily": must be an integer.',
    ],
    [
      "dev",
      "backup retention zero",
      { backupRetain: "0" },
      "Invalid config backupRetain=0: must be an integer from 1 to 1000.",
    ],
    [
      "dev",
      "backups neither true nor false",
      { backups: "yes" },
      'Invalid config backups="yes": must be true or false.',
    ],
    [
      "dev",
      "relative backup host directory",
      { backupHostDir: "backups" },
      'Invalid config backupHostDir="backups": expected an absolute path such as /var/backups/microblog.',
    ],
    [
      "dev",
      "backup host directory with backups off",
      { backupHostDir: "/var/backups/microblog", backups: "false" },
      'Invalid config backupHostDir="/var/backups/microblog": backups is false, so nothing writes there; set backups to true or remove backupHostDir.',
    ],
    [
      "ecs",
      "backup host directory on ecs",
      { backupHostDir: "/var/backups/microblog" },
      'Config key backupHostDir="/var/backups/microblog" applies only to target "local", but this stack\'s target is "ecs"; remove it from the stack config.',
    ],
    [
      "ecs",
      "upload image tagged latest",
      { backupUploadImage: "amazon/aws-cli:latest" },
      'Invalid config backupUploadImage="amazon/aws-cli:latest": tag "latest" is not pinned; expected a pinned reference such as mysql:8.4.6 or repo@sha256:<digest> (not latest).',
    ],
    [
      "dev",
      "unknown search engine",
      { searchEngine: "solr" },
      'Invalid config searchEngine="solr": allowed values are elasticsearch, opensearch.',
    ],
    [
      "dev",
      "memory too small",
      { searchMemoryMb: "512" },
      "Invalid config searchMemoryMb=512: must be an integer from 1024 to 122880.",
    ],
    [
      "dev",
      "bad log level",
      { logLevel: "verbose" },
      'Invalid config logLevel="verbose": allowed values are debug, info, warn, error.',
    ],
    [
      "dev",
      "bad boolean",
      { dataProtect: "yes" },
      'Invalid config dataProtect="yes": must be true or false.',
    ],
    [
      "dev",
      "bad admins",
      { admins: "root" },
      'Invalid config admins="root": "root" is not an e-mail address; expected comma-separated addresses.',
    ],
    [
      "dev",
      "unknown key",
      { appPrt: "8001" },
      "Unknown config key microblog-infra:appPrt: not one of the keys declared in Pulumi.yaml.",
    ],
    [
      "dev",
      "ECS key on a local stack",
      { appCpu: "512" },
      'Config key appCpu=512 applies only to target "ecs", but this stack\'s target is "local"; remove it from the stack config.',
    ],
    [
      "dev",
      "region on a local stack",
      { "aws:region": "us-east-1" },
      'Config key aws:region applies only to target "ecs", but this stack\'s target is "local"; remove it.',
    ],
    [
      "dev",
      "incomplete registry",
      { registryServer: "127.0.0.1:5000" },
      "Incomplete registry config: registryServer set but registryUsername, registryPassword, registryRepository missing; set all four or none.",
    ],
    [
      "dev",
      "missing CA file",
      { appBuildCaCertFile: "/nonexistent/ca.pem" },
      'Invalid config appBuildCaCertFile="/nonexistent/ca.pem": cannot read the file (ENOENT).',
    ],
    [
      "dev",
      "CA bundle too large for a build arg",
      { appBuildCaCertFile: BIG_PEM },
      `Invalid config appBuildCaCertFile="${BIG_PEM}": 130351 bytes; a build arg must stay under 120000 bytes, so give only the proxy's CA certificate, not a whole bundle.`,
    ],
    [
      "dev",
      "managed data services on a local stack",
      { dataServices: "managed" },
      'Config key dataServices="managed" is not allowed on target "local": managed data services exist only on target "ecs"; on "local" the only allowed value is "containers" (remove the key).',
    ],
    [
      "ecs",
      "unknown dataServices value",
      { dataServices: "rds" },
      'Invalid config dataServices="rds": allowed values are containers, managed.',
    ],
    [
      "ecs",
      "RDS size without managed data services",
      { dbInstanceClass: "db.m7g.large" },
      'Invalid config dbInstanceClass="db.m7g.large": applies only with dataServices "managed", but this stack\'s dataServices is "containers"; set dataServices to managed or remove dbInstanceClass.',
    ],
    [
      "ecs",
      "Multi-AZ without managed data services",
      { dbMultiAz: "true" },
      'Invalid config dbMultiAz=true: applies only with dataServices "managed", but this stack\'s dataServices is "containers"; set dataServices to managed or remove dbMultiAz.',
    ],
    [
      "ecs",
      "retainContainerData without managed data services",
      { retainContainerData: "false" },
      'Invalid config retainContainerData=false: applies only with dataServices "managed" (with containers the data is in use); remove it.',
    ],
    [
      "ecs",
      "malformed RDS instance class",
      { dataServices: "managed", dbInstanceClass: "t4g.micro" },
      'Invalid config dbInstanceClass="t4g.micro": expected an RDS instance class such as db.t4g.micro or db.m7g.large.',
    ],
    [
      "ecs",
      "RDS backup retention 0 (would turn backups off)",
      { dataServices: "managed", dbBackupRetentionDays: "0" },
      "Invalid config dbBackupRetentionDays=0: must be an integer from 1 to 35.",
    ],
    [
      "ecs",
      "RDS storage below the gp3 minimum",
      { dataServices: "managed", dbAllocatedStorageGb: "10" },
      "Invalid config dbAllocatedStorageGb=10: must be an integer from 20 to 65536.",
    ],
    [
      "ecs",
      "T2 search instance (no encryption at rest)",
      { dataServices: "managed", searchInstanceType: "t2.small.search" },
      'Invalid config searchInstanceType="t2.small.search": expected an OpenSearch instance type such as t3.small.search or m6g.large.search (not t2: no encryption at rest).',
    ],
    [
      "ecs",
      "search domain size with search in a container",
      { dataServices: "managed", managedSearch: "container", searchVolumeGb: "20" },
      'Invalid config searchVolumeGb=20: managedSearch is "container", so no OpenSearch domain is created; set managedSearch to opensearch or remove searchVolumeGb.',
    ],
    [
      "ecs",
      "local key on an ECS stack",
      { registryPassword: { secret: "x" } },
      'Config key registryPassword=[secret] applies only to target "local", but this stack\'s target is "ecs"; remove it from the stack config.',
    ],
    [
      "ecs",
      "Fargate CPU",
      { appCpu: "300" },
      "Invalid config appCpu=300: Fargate CPU must be one of 256, 512, 1024, 2048, 4096, 8192, 16384.",
    ],
    [
      "ecs",
      "Fargate CPU/memory pair",
      { searchCpu: "512", searchMemoryMb: "8192" },
      "Invalid config searchMemoryMb=8192 for searchCpu=512: Fargate accepts 1024, 2048, 3072, 4096 MiB with 512 CPU units.",
    ],
    [
      "ecs",
      "bad region",
      { "aws:region": "mars-1" },
      'Invalid config aws:region="mars-1": expected an AWS region such as us-east-1.',
    ],
    [
      "ecs",
      "missing region",
      { "aws:region": undefined },
      'Missing config aws:region: target "ecs" needs an AWS region such as us-east-1.',
    ],
    [
      "ecs",
      "scaling bounds",
      { appMinCount: "3", appMaxCount: "2" },
      "Invalid config appMaxCount=2: must be an integer from 3 to 20.",
    ],
    [
      "ecs",
      "log retention",
      { logRetentionDays: "10" },
      "Invalid config logRetentionDays=10: CloudWatch accepts 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days.",
    ],
    [
      "ecs",
      "certificate ARN",
      { certificateArn: "my-cert" },
      'Invalid config certificateArn="my-cert": expected an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>).',
    ],
    [
      "ecs",
      "certificate of another region",
      { certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123" },
      'Invalid config certificateArn="arn:aws:acm:eu-west-1:123456789012:certificate/abc-123": the certificate is in region eu-west-1 but aws:region is us-east-1; the load balancer can only use an ACM certificate of its own region (request or import one in us-east-1).',
    ],
    [
      "ecs",
      "http public URL behind a certificate",
      {
        certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc-123",
        publicUrl: "http://blog.example.com",
      },
      'Invalid config publicUrl="http://blog.example.com": with certificateArn set the load balancer redirects HTTP to HTTPS, so the public URL must be https.',
    ],
    ...(
      [
        ["ftp://blog.example.com", "only http and https"],
        ["blog.example.com", "not an absolute URL"],
        ["https://blog.example.com/microblog", "no path, query or fragment"],
        ["https://blog.example.com/?a=1", "no path, query or fragment"],
        ["https://blog.example.com#top", "no path, query or fragment"],
        ["https://user:pw@blog.example.com", "no user or password"],
      ] as const
    ).map(([url, why]): [string, string, Record<string, Override>, string] => [
      "dev",
      `public URL ${url}`,
      { publicUrl: url },
      `Invalid config publicUrl="${url}": ${why}; expected scheme://host[:port] such as https://microblog.example.com.`,
    ]),
    [
      "ecs",
      "subnets without VPC",
      { privateSubnetIds: '["subnet-0123456789abcdef0"]' },
      "Invalid config: publicSubnetIds/privateSubnetIds are set but vpcId is empty; set vpcId or remove the subnet ids.",
    ],
    [
      "ecs",
      "one subnet only",
      {
        vpcId: "vpc-0123456789abcdef0",
        publicSubnetIds: '["subnet-0123456789abcdef0"]',
        privateSubnetIds: '["subnet-0123456789abcdef1","subnet-0123456789abcdef2"]',
      },
      'Invalid config publicSubnetIds=["subnet-0123456789abcdef0"]: with vpcId set, give at least two subnet ids in different AZs.',
    ],
  ];
  for (const [stack, title, overrides, message] of cases) {
    it(`${stack}: ${title}`, async () => {
      assert.equal(await messageFor(stack, overrides), message);
    });
  }

  it("accepts both stack files as they are", async () => {
    assert.equal(await messageFor("dev", {}), "(no error)");
    assert.equal(await messageFor("ecs", {}), "(no error)");
  });

  it("keeps an injected default of the other target's key (the CLI adds every default)", async () => {
    assert.equal(await messageFor("ecs", { appPort: "8000" }), "(no error)");
  });

  it("normalises a public URL to scheme://host[:port]", async () => {
    await setup("dev", { publicUrl: "HTTPS://Blog.Example.com:443/" });
    assert.equal(loadConfig().publicUrl, "https://blog.example.com");
    await setup("ecs", { publicUrl: "http://blog.example.com:8080" });
    assert.equal(loadConfig().publicUrl, "http://blog.example.com:8080");
  });

  it("returns a frozen object", async () => {
    await setup("dev", {});
    const config = loadConfig();
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.admins));
    assert.equal(config.postsPerPage, 25);
  });

  it("fails the program before any resource is declared", async () => {
    await assert.rejects(evaluate("dev", { target: "k8s" }), (err: EvaluationError) => {
      assert.equal(err.message, 'Invalid config target="k8s": allowed values are local, ecs.');
      assert.deepEqual(err.resources, []);
      return true;
    });
  });
});
