// The ecs stack's AWS create requests, checked offline against AWS's own published API models
// (botocore's service models, pinned): for each config variation the program is evaluated under
// Pulumi mocks, every AWS resource is turned into the request(s) the provider would send
// (requests.ts), and validate.py judges them all in one run. Negative controls plant one error
// each into otherwise valid requests and must be caught. No Python, no pass: a venv that cannot
// be built fails every test here.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { evaluate, type Override } from "../unit/mocks.js";
import { buildRequests, MAPPED_TYPES, type ApiRequest } from "./requests.js";
import { botocoreVersion, validateRequests, type ValidationReport } from "./venv.js";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123";
const EXISTING_VPC = {
  vpcId: "vpc-0123456789abcdef0",
  publicSubnetIds: '["subnet-0000000000000000a","subnet-0000000000000000b"]',
  privateSubnetIds: '["subnet-0000000000000000c","subnet-0000000000000000d"]',
};

/** The unit tests' variations of the ecs stack, and the sizes and flags at their limits. */
const VARIATIONS: Record<string, Record<string, Override>> = {
  default: {},
  https: { certificateArn: CERT },
  "https with a public URL": { certificateArn: CERT, publicUrl: "https://blog.example.com" },
  "existing VPC": EXISTING_VPC,
  "https, mail, existing VPC": {
    certificateArn: CERT,
    mailServer: "smtp.example.com",
    ...EXISTING_VPC,
  },
  "linux/arm64": { appPlatform: "linux/arm64" },
  opensearch: { searchEngine: "opensearch" },
  "small Fargate": {
    appCpu: "256",
    appMemoryMb: "512",
    mysqlCpu: "256",
    mysqlMemoryMb: "512",
    searchCpu: "512",
    searchMemoryMb: "1024",
    appMinCount: "1",
    appMaxCount: "1",
    appCpuTargetPercent: "10",
    logRetentionDays: "1",
    healthCheckIntervalSeconds: "5",
    healthCheckTimeoutSeconds: "2",
    healthCheckRetries: "1",
    healthCheckStartPeriodSeconds: "0",
  },
  "large Fargate": {
    appCpu: "16384",
    appMemoryMb: "122880",
    mysqlCpu: "8192",
    mysqlMemoryMb: "61440",
    searchCpu: "4096",
    searchMemoryMb: "30720",
    appMinCount: "20",
    appMaxCount: "20",
    appCpuTargetPercent: "90",
    logRetentionDays: "3653",
    healthCheckIntervalSeconds: "300",
    healthCheckTimeoutSeconds: "60",
    healthCheckRetries: "10",
    healthCheckStartPeriodSeconds: "300",
  },
  enableExecuteCommand: { enableExecuteCommand: "true" },
  "efsBackups false": { efsBackups: "false" },
  "backups off": { backups: "false" },
  "hourly backups, 48 kept": { backupIntervalMinutes: "60", backupRetain: "48" },
  "translator key": {
    msTranslatorKey: { secret: "translator-key" },
    msTranslatorRegion: "westeurope",
  },
  managed: { dataServices: "managed" },
  "managed, protected, Multi-AZ, large": {
    dataServices: "managed",
    dataProtect: "true",
    dataRetainOnDelete: "true",
    dbMultiAz: "true",
    dbInstanceClass: "db.m7g.large",
    dbAllocatedStorageGb: "65536",
    dbBackupRetentionDays: "35",
    searchInstanceType: "m6g.large.search",
    searchVolumeGb: "1024",
  },
  "managed, containers' data dropped, existing VPC, no backups": {
    dataServices: "managed",
    retainContainerData: "false",
    backups: "false",
    ...EXISTING_VPC,
  },
  "managed MySQL, search in a container": {
    dataServices: "managed",
    managedSearch: "container",
    retainContainerData: "false",
  },
  "protected data, mail password": {
    dataProtect: "true",
    dataRetainOnDelete: "true",
    mailServer: "smtp.example.com",
    mailPort: "587",
    mailPassword: { secret: "smtp-pw" },
  },
};

/** One planted error: where, what, and the finding it must produce. */
interface Control {
  readonly label: string;
  /** Suffix of the id of the (valid) request of the variation to corrupt. */
  readonly request: string;
  /** The variation it is taken from; default "default". */
  readonly variation?: string;
  readonly corrupt: (params: Record<string, unknown>) => void;
  readonly expect: RegExp;
}

type Obj = Record<string, unknown>;
const at = (o: unknown, ...path: (string | number)[]): Obj =>
  path.reduce<unknown>((v, k) => (v as Obj)[k], o) as Obj;
const editJson = (o: Obj, key: string, edit: (doc: Obj) => void): void => {
  const doc = JSON.parse(String(o[key])) as Obj;
  edit(doc);
  o[key] = JSON.stringify(doc);
};

const CONTROLS: readonly Control[] = [
  {
    label: "RDS: wrong key case (MultiAz for MultiAZ)",
    variation: "managed",
    request: "microblog-rds-db/rds.CreateDBInstance",
    corrupt: (p) => {
      p.MultiAz = p.MultiAZ;
      delete p.MultiAZ;
    },
    expect: /unknown member 'MultiAz' .*did you mean MultiAZ/,
  },
  {
    label: "RDS: wrong type (AllocatedStorage as a string)",
    variation: "managed",
    request: "microblog-rds-db/rds.CreateDBInstance",
    corrupt: (p) => {
      p.AllocatedStorage = String(p.AllocatedStorage);
    },
    expect: /AllocatedStorage: expected an integer/,
  },
  {
    label: "RDS: subnet group without its description",
    variation: "managed",
    request: "microblog-rds-subnets/rds.CreateDBSubnetGroup",
    corrupt: (p) => {
      delete p.DBSubnetGroupDescription;
    },
    expect: /missing required member 'DBSubnetGroupDescription'/,
  },
  {
    label: "RDS: parameter apply method not one of the enum",
    variation: "managed",
    request: "microblog-rds-params/rds.ModifyDBParameterGroup",
    corrupt: (p) => {
      at(p, "Parameters", 0).ApplyMethod = "now";
    },
    expect: /'now' is not one of ApplyMethod/,
  },
  {
    label: "OpenSearch: invalid enum (EBS volume type GP3)",
    variation: "managed",
    request: "microblog-opensearch-domain/opensearch.CreateDomain",
    corrupt: (p) => {
      at(p, "EBSOptions").VolumeType = "GP3";
    },
    expect: /'GP3' is not one of VolumeType/,
  },
  {
    label: "OpenSearch: unknown TLS security policy",
    variation: "managed",
    request: "microblog-opensearch-domain/opensearch.CreateDomain",
    corrupt: (p) => {
      at(p, "DomainEndpointOptions").TLSSecurityPolicy = "Policy-Min-TLS-1-3";
    },
    expect: /'Policy-Min-TLS-1-3' is not one of TLSSecurityPolicy/,
  },
  {
    label: "OpenSearch access policy JSON: an es action that does not exist",
    variation: "managed",
    request: "microblog-opensearch-policy/opensearch.UpdateDomainConfig",
    corrupt: (p) =>
      editJson(p, "AccessPolicies", (d) => {
        at(d, "Statement", 0).Action = ["es:ESHttpFetch"];
      }),
    expect: /'es:ESHttpFetch': opensearch has no operation ESHttpFetch/,
  },
  {
    label: "OpenSearch access policy JSON: a statement without a Principal",
    variation: "managed",
    request: "microblog-opensearch-policy/opensearch.UpdateDomainConfig",
    corrupt: (p) =>
      editJson(p, "AccessPolicies", (d) => {
        delete at(d, "Statement", 0).Principal;
      }),
    expect: /a resource policy statement needs a Principal/,
  },
  {
    label: "wrong key case (Family for family)",
    request: "microblog-app-taskdef/ecs.RegisterTaskDefinition",
    corrupt: (p) => {
      p.Family = p.family;
      delete p.family;
    },
    expect: /unknown member 'Family' .*did you mean family/,
  },
  {
    label: "wrong key case inside the container definitions JSON (Image)",
    request: "microblog-app-taskdef/ecs.RegisterTaskDefinition",
    corrupt: (p) => {
      const c = at(p, "containerDefinitions", 0);
      c.Image = c.image;
      delete c.image;
    },
    expect: /containerDefinitions\[0\]: unknown member 'Image'/,
  },
  {
    label: "wrong type (target group port as a string)",
    request: "microblog-lb-app/elbv2.CreateTargetGroup",
    corrupt: (p) => {
      p.Port = String(p.Port);
    },
    expect: /Port: expected an integer/,
  },
  {
    label: "wrong type inside the container definitions JSON (essential as a string)",
    request: "microblog-mysql-taskdef/ecs.RegisterTaskDefinition",
    corrupt: (p) => {
      at(p, "containerDefinitions", 0).essential = "true";
    },
    expect: /essential: expected a boolean/,
  },
  {
    label: "invalid enum (FARGATE_SPOT is a capacity provider, not a launch type)",
    request: "microblog-app-service/ecs.CreateService",
    corrupt: (p) => {
      p.launchType = "FARGATE_SPOT";
    },
    expect: /'FARGATE_SPOT' is not one of LaunchType/,
  },
  {
    label: "invalid enum inside the container definitions JSON (port protocol TCP)",
    request: "microblog-search-taskdef/ecs.RegisterTaskDefinition",
    corrupt: (p) => {
      at(p, "containerDefinitions", 0, "portMappings", 0).protocol = "TCP";
    },
    expect: /'TCP' is not one of TransportProtocol/,
  },
  {
    label: "unknown member (container health check startPeriodSeconds)",
    request: "microblog-app-taskdef/ecs.RegisterTaskDefinition",
    corrupt: (p) => {
      const hc = at(p, "containerDefinitions", 0, "healthCheck");
      hc.startPeriodSeconds = hc.startPeriod;
      delete hc.startPeriod;
    },
    expect: /unknown member 'startPeriodSeconds' of HealthCheck/,
  },
  {
    label: "out-of-range number (health check interval 301 s)",
    request: "microblog-lb-app/elbv2.CreateTargetGroup",
    corrupt: (p) => {
      p.HealthCheckIntervalSeconds = 301;
    },
    expect: /HealthCheckIntervalSeconds: value 301 is above the maximum 300/,
  },
  {
    label: "out-of-range number (role MaxSessionDuration 1800 s)",
    request: "microblog-app-task/iam.CreateRole",
    corrupt: (p) => {
      p.MaxSessionDuration = 1800;
    },
    expect: /MaxSessionDuration: value 1800 is below the minimum 3600/,
  },
  {
    label: "string too long (a 65-character role name)",
    request: "microblog-app-task/iam.CreateRole",
    corrupt: (p) => {
      p.RoleName = "r".repeat(65);
    },
    expect: /RoleName: string length 65 is above the maximum 64/,
  },
  {
    label: "string pattern (a log group name with a space)",
    request: "microblog-app-logs/logs.CreateLogGroup",
    corrupt: (p) => {
      p.logGroupName = "/ecs/microblog infra/app";
    },
    expect: /logGroupName: .* does not match LogGroupName pattern/,
  },
  {
    label: "string pattern (a malformed EFS file system id)",
    request: "microblog-efs-mount-0/efs.CreateMountTarget",
    corrupt: (p) => {
      p.FileSystemId = "fs-XYZ";
    },
    expect: /FileSystemId: 'fs-XYZ' does not match FileSystemId pattern/,
  },
  {
    label: "missing required member (listener without DefaultActions)",
    request: "microblog-lb-http/elbv2.CreateListener",
    corrupt: (p) => {
      delete p.DefaultActions;
    },
    expect: /missing required member 'DefaultActions'/,
  },
  {
    label: "IAM policy JSON: Effect in the wrong case",
    request: "microblog-app-read-secrets/iam.PutRolePolicy",
    corrupt: (p) =>
      editJson(p, "PolicyDocument", (d) => {
        at(d, "Statement", 0).Effect = "allow";
      }),
    expect: /Effect 'allow' is not Allow or Deny/,
  },
  {
    label: "IAM policy JSON: an action the service does not have",
    request: "microblog-app-read-secrets/iam.PutRolePolicy",
    corrupt: (p) =>
      editJson(p, "PolicyDocument", (d) => {
        at(d, "Statement", 0).Action = ["secretsmanager:GetSecretValues"];
      }),
    expect: /secretsmanager has no operation GetSecretValues/,
  },
  {
    label: "IAM trust policy JSON: a Resource where none is allowed",
    request: "microblog-app-execution/iam.CreateRole",
    corrupt: (p) =>
      editJson(p, "AssumeRolePolicyDocument", (d) => {
        at(d, "Statement", 0).Resource = "*";
      }),
    expect: /a trust policy takes no Resource/,
  },
  {
    label: "EFS file system policy JSON: an unknown condition operator",
    request: "microblog-efs-policy/efs.PutFileSystemPolicy",
    corrupt: (p) =>
      editJson(p, "Policy", (d) => {
        at(d, "Statement", 0).Condition = { Boolean: { "aws:SecureTransport": "false" } };
      }),
    expect: /unknown condition operator 'Boolean'/,
  },
  {
    label: "S3 bucket policy JSON: a statement without a Principal",
    request: "microblog-backup-policy/s3.PutBucketPolicy",
    corrupt: (p) =>
      editJson(p, "Policy", (d) => {
        delete at(d, "Statement", 0).Principal;
      }),
    expect: /a resource policy statement needs a Principal/,
  },
  {
    label: "invalid enum (schedule FlexibleTimeWindow mode in lower case)",
    request: "microblog-backup-schedule/scheduler.CreateSchedule",
    corrupt: (p) => {
      at(p, "FlexibleTimeWindow").Mode = "off";
    },
    expect: /'off' is not one of FlexibleTimeWindowMode/,
  },
  {
    label: "ECR lifecycle policy JSON: countUnit without sinceImagePushed",
    request: "microblog-lifecycle/ecr.PutLifecyclePolicy",
    corrupt: (p) =>
      editJson(p, "lifecyclePolicyText", (d) => {
        at(d, "rules", 1, "selection").countUnit = "days";
      }),
    expect: /countUnit only with sinceImagePushed/,
  },
];

interface Result {
  id: string;
  errors: string[];
  checks: number;
}

const CONTROL_PREFIX = "negative-control";

describe("AWS API requests of the ecs stack against botocore's service models", () => {
  const byVariation = new Map<string, ApiRequest[]>();
  const results = new Map<string, Result>();
  let report: ValidationReport;
  /** Why the venv, the evaluation or the validator failed: every test then fails with it. */
  let setupError: Error | undefined;
  const ready = (): void => {
    if (setupError !== undefined) throw setupError;
  };

  before(async () => {
    try {
      await setup();
    } catch (err) {
      setupError = err as Error;
      console.error(`aws-models: FAILED: ${setupError.message}`);
    }
  });

  async function setup(): Promise<void> {
    const started = Date.now();
    for (const [label, overrides] of Object.entries(VARIATIONS)) {
      const { resources } = await evaluate("ecs", overrides);
      const requests = buildRequests(label, resources);
      byVariation.set(label, requests);
      console.log(`aws-models: ${label}: ${requests.length} requests`);
    }
    const controls: ApiRequest[] = CONTROLS.map((c, n) => {
      const from = byVariation.get(c.variation ?? "default") ?? [];
      const original = from.find((r) => r.id.endsWith(`::${c.request}`));
      if (original === undefined) throw new Error(`negative control ${c.label}: no ${c.request}`);
      const copy = structuredClone(original);
      c.corrupt(copy.params);
      return { ...copy, id: `${CONTROL_PREFIX}/${n}` };
    });
    const all = [...[...byVariation.values()].flat(), ...controls];
    if (process.env.AWS_MODELS_DUMP !== undefined) {
      writeFileSync(process.env.AWS_MODELS_DUMP, JSON.stringify(all, null, 2));
      console.log(`aws-models: requests written to ${process.env.AWS_MODELS_DUMP}`);
    }
    // Throws (and so fails every test below) when the venv cannot be built.
    report = validateRequests(all, (line) => console.log(line));
    for (const r of report.results) results.set(r.id, r);
    const valid = all.length - controls.length;
    console.log(
      `aws-models: botocore ${report.botocore} (Python ${report.python}): ${valid} requests in ` +
        `${byVariation.size} variations and ${controls.length} negative controls, ` +
        `${report.operations.length} operations, ${report.checks} checks, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (report.unverifiedActions.length > 0) {
      console.log(
        `aws-models: IAM actions with no botocore model (checked by name only): ${report.unverifiedActions.join(", ")}`,
      );
    }
  }

  it("judges with the pinned botocore, every request answered", () => {
    ready();
    assert.equal(report.botocore, botocoreVersion());
    const sent = [...byVariation.values()].flat().length + CONTROLS.length;
    assert.equal(report.results.length, sent);
  });

  it("maps every AWS resource type the program declares, to the operations expected", () => {
    ready();
    // buildRequests throws on an unmapped type or input; this pins what was covered.
    const types = new Set([...byVariation.values()].flat().map((r) => r.resourceType));
    assert.ok(types.size >= 30, `only ${types.size} resource types`);
    for (const t of types) assert.ok(MAPPED_TYPES.includes(t), t);
    for (const op of [
      "ecs.RegisterTaskDefinition",
      "ecs.CreateService",
      "ecs.CreateCluster",
      "elbv2.CreateLoadBalancer",
      "elbv2.CreateTargetGroup",
      "elbv2.CreateListener",
      "ec2.CreateVpc",
      "ec2.CreateSubnet",
      "ec2.CreateSecurityGroup",
      "ec2.AuthorizeSecurityGroupIngress",
      "ec2.AuthorizeSecurityGroupEgress",
      "ec2.CreateRouteTable",
      "ec2.CreateRoute",
      "ec2.CreateNatGateway",
      "ec2.AllocateAddress",
      "ec2.CreateInternetGateway",
      "efs.CreateFileSystem",
      "efs.CreateMountTarget",
      "efs.CreateAccessPoint",
      "efs.PutFileSystemPolicy",
      "efs.PutBackupPolicy",
      "iam.CreateRole",
      "iam.PutRolePolicy",
      "iam.AttachRolePolicy",
      "secretsmanager.CreateSecret",
      "secretsmanager.PutSecretValue",
      "logs.CreateLogGroup",
      "logs.PutRetentionPolicy",
      "servicediscovery.CreatePrivateDnsNamespace",
      "servicediscovery.CreateService",
      "ecr.CreateRepository",
      "ecr.PutLifecyclePolicy",
      "application-autoscaling.RegisterScalableTarget",
      "application-autoscaling.PutScalingPolicy",
      "s3.CreateBucket",
      "s3.PutBucketTagging",
      "s3.PutPublicAccessBlock",
      "s3.PutBucketEncryption",
      "s3.PutBucketVersioning",
      "s3.PutBucketLifecycleConfiguration",
      "s3.PutBucketPolicy",
      "scheduler.CreateSchedule",
      "rds.CreateDBInstance",
      "rds.CreateDBSubnetGroup",
      "rds.CreateDBParameterGroup",
      "rds.ModifyDBParameterGroup",
      "opensearch.CreateDomain",
      "opensearch.UpdateDomainConfig",
    ]) {
      assert.ok(report.operations.includes(op), `no ${op} request`);
    }
  });

  for (const label of Object.keys(VARIATIONS)) {
    it(`${label}: every request is valid`, () => {
      ready();
      const requests = byVariation.get(label) ?? [];
      // A sanity floor: the smallest variation (managed, existing VPC, no backups, no EFS) has 46.
      assert.ok(requests.length > 40, `only ${requests.length} requests`);
      const problems = requests.flatMap((r) =>
        (results.get(r.id)?.errors ?? ["no result"]).map((e) => `${r.id}: ${e}`),
      );
      assert.deepEqual(problems, []);
    });
  }

  CONTROLS.forEach((c, n) => {
    it(`negative control caught: ${c.label}`, () => {
      ready();
      const original = byVariation
        .get(c.variation ?? "default")
        ?.find((r) => r.id.endsWith(`::${c.request}`));
      assert.deepEqual(
        results.get(original?.id ?? "")?.errors,
        [],
        "the uncorrupted request is valid",
      );
      const errors = results.get(`${CONTROL_PREFIX}/${n}`)?.errors ?? [];
      assert.ok(
        errors.some((e) => c.expect.test(e)),
        `expected ${c.expect} among: ${JSON.stringify(errors)}`,
      );
    });
  });
});
