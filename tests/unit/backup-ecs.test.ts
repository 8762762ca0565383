// Backups on the ecs stack under Pulumi mocks: the S3 bucket's protections, the scheduled
// Fargate task (two containers, shared volume), least-privilege roles, the schedule.
import assert from "node:assert/strict";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { before, describe, it } from "node:test";
import {
  DOWNLOAD_SCRIPT,
  ONCE_SCRIPT,
  RESTORE_SCRIPT,
  UPLOAD_SCRIPT,
} from "../../components/backup-script.js";
import { arn, untagged } from "./ecs-helpers.js";
import { evaluate, find, ofType, resolve, type Recorded } from "./mocks.js";

const BUCKET = "microblog-backup-bucket";
const S3 = "aws:s3/";

describe("ecs backups (defaults)", () => {
  let resources: Recorded[];
  let outputs: Record<string, unknown>;
  before(async () => {
    ({ resources, outputs } = await evaluate("ecs"));
  });
  const input = (type: string, name: string) => untagged(find(resources, type, name));

  it("keeps the bucket and its settings when the stack is destroyed; never force-destroys", () => {
    const bucket = find(resources, `${S3}bucket:Bucket`, BUCKET);
    assert.deepEqual(untagged(bucket), { forceDestroy: false });
    assert.equal(bucket.retainOnDelete, true);
    assert.equal(bucket.protect, true, "Pulumi.ecs.yaml sets dataProtect");
    for (const r of resources.filter((x) => x.type.startsWith(S3))) {
      assert.equal(r.retainOnDelete, true, r.name);
    }
  });

  it("blocks every kind of public access", () => {
    assert.deepEqual(
      input(
        `${S3}bucketPublicAccessBlock:BucketPublicAccessBlock`,
        "microblog-backup-public-access",
      ),
      {
        bucket: `${BUCKET}-id`,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
    );
  });

  it("encrypts at rest with SSE-S3 and keeps versions", () => {
    assert.deepEqual(
      input(
        `${S3}bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration`,
        "microblog-backup-encryption",
      ),
      {
        bucket: `${BUCKET}-id`,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
    );
    assert.deepEqual(
      input(`${S3}bucketVersioning:BucketVersioning`, "microblog-backup-versioning"),
      { bucket: `${BUCKET}-id`, versioningConfiguration: { status: "Enabled" } },
    );
  });

  it("expires dumps after the retention (7 daily dumps = 7 days), noncurrent versions as long again", () => {
    assert.deepEqual(
      input(
        `${S3}bucketLifecycleConfiguration:BucketLifecycleConfiguration`,
        "microblog-backup-lifecycle",
      ),
      {
        bucket: `${BUCKET}-id`,
        rules: [
          {
            id: "expire-dumps",
            status: "Enabled",
            filter: { prefix: "mysql/" },
            expiration: { days: 7 },
            noncurrentVersionExpiration: { noncurrentDays: 7 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
    );
  });

  it("denies any request without TLS", () => {
    const policy = input(`${S3}bucketPolicy:BucketPolicy`, "microblog-backup-policy");
    assert.equal(policy.bucket, `${BUCKET}-id`);
    assert.deepEqual(JSON.parse(String(policy.policy)), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyWithoutTls",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [arn(BUCKET), `${arn(BUCKET)}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });

  it("lets the task write dumps under mysql/ and nothing else", () => {
    const policies = ofType(resources, "aws:iam/rolePolicy:RolePolicy").filter(
      (r) => r.inputs.role === "microblog-backup-task-id",
    );
    assert.deepEqual(
      policies.map((p) => JSON.parse(String(p.inputs.policy)) as unknown),
      [
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["s3:PutObject"], Resource: `${arn(BUCKET)}/mysql/*` },
          ],
        },
      ],
    );
    assert.equal(
      ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(
        (r) => r.inputs.role === "microblog-backup-task-id",
      ).length,
      0,
      "no managed policy on the task role",
    );
  });

  it("lets the execution role read only the backup's own password secret", () => {
    const read = find(resources, "aws:iam/rolePolicy:RolePolicy", "microblog-backup-read-secrets");
    assert.equal(read.inputs.role, "microblog-backup-execution-id");
    assert.deepEqual(JSON.parse(String(read.inputs.policy)), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: [arn("microblog-backup-mysql-password")],
        },
      ],
    });
  });

  it("runs a Fargate task: the MySQL image dumps, then the AWS CLI image uploads", () => {
    const td = find(resources, "aws:ecs/taskDefinition:TaskDefinition", "microblog-backup-taskdef");
    const { containerDefinitions, ...rest } = untagged(td);
    assert.deepEqual(rest, {
      family: "microblog-infra-ecs-backup",
      cpu: "256",
      memory: "512",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { cpuArchitecture: "X86_64", operatingSystemFamily: "LINUX" },
      executionRoleArn: arn("microblog-backup-execution"),
      taskRoleArn: arn("microblog-backup-task"),
      volumes: [{ name: "backups" }],
    });
    const [dump, upload] = JSON.parse(String(containerDefinitions)) as ContainerDefinition[];
    const drop = {
      initProcessEnabled: false,
      capabilities: {
        drop: [
          "AUDIT_WRITE",
          "CHOWN",
          "DAC_OVERRIDE",
          "FOWNER",
          "FSETID",
          "KILL",
          "MKNOD",
          "NET_BIND_SERVICE",
          "NET_RAW",
          "SETFCAP",
          "SETGID",
          "SETPCAP",
          "SETUID",
          "SYS_CHROOT",
        ],
      },
    };
    const mount = [{ sourceVolume: "backups", containerPath: "/backups", readOnly: false }];
    const logs = (prefix: string) => ({
      logDriver: "awslogs",
      options: {
        "awslogs-group": "/ecs/microblog-infra-ecs/backup",
        "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": prefix,
      },
    });
    assert.deepEqual(dump, {
      name: "dump",
      image: "mysql:8.4.6",
      essential: false,
      dockerLabels: { "microblog.role": "job" },
      command: ["sh", "-c", ONCE_SCRIPT],
      environment: [
        { name: "BACKUP_DIR", value: "/backups" },
        { name: "BACKUP_INTERVAL_MINUTES", value: "1440" },
        { name: "BACKUP_RETAIN", value: "7" },
        { name: "MYSQL_DATABASE", value: "microblog" },
        { name: "MYSQL_HOST", value: "mysql.microblog-infra-ecs.internal" },
        { name: "MYSQL_PORT", value: "3306" },
        { name: "MYSQL_USER", value: "microblog" },
      ],
      secrets: [{ name: "MYSQL_PASSWORD", valueFrom: arn("microblog-backup-mysql-password") }],
      logConfiguration: logs("dump"),
      readonlyRootFilesystem: true,
      mountPoints: mount,
      linuxParameters: drop,
      stopTimeout: 30,
    });
    assert.deepEqual(upload, {
      name: "upload",
      image: "public.ecr.aws/aws-cli/aws-cli:2.27.9",
      essential: true,
      dockerLabels: { "microblog.role": "job" },
      user: "1000:1000",
      dependsOn: [{ containerName: "dump", condition: "SUCCESS" }],
      entryPoint: ["sh", "-c"],
      command: [UPLOAD_SCRIPT],
      environment: [
        { name: "HOME", value: "/tmp" },
        { name: "BACKUP_BUCKET", value: `${BUCKET}-1234567` },
        { name: "BACKUP_DIR", value: "/backups" },
        { name: "BACKUP_PREFIX", value: "mysql/" },
      ],
      logConfiguration: logs("upload"),
      mountPoints: mount,
      linuxParameters: drop,
      stopTimeout: 30,
    });
  });

  it("schedules the task daily on the cluster, in the private subnets, in its own security group", () => {
    const s = find(resources, "aws:scheduler/schedule:Schedule", "microblog-backup-schedule");
    assert.deepEqual(s.inputs, {
      description: "Microblog MySQL dump every 1440 minutes",
      scheduleExpression: "rate(1440 minutes)",
      flexibleTimeWindow: { mode: "OFF" },
      target: {
        arn: arn("microblog-cluster"),
        roleArn: arn("microblog-backup-scheduler"),
        ecsParameters: {
          taskDefinitionArn: arn("microblog-backup-taskdef"),
          launchType: "FARGATE",
          taskCount: 1,
          networkConfiguration: {
            subnets: ["microblog-net-private-0-id", "microblog-net-private-1-id"],
            securityGroups: ["microblog-sg-backup-id"],
            assignPublicIp: false,
          },
        },
        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      },
    });
    assert.ok(s.dependsOn.includes("microblog-mysql"), "starts once MySQL runs");
  });

  it("lets the scheduler run only this task on this cluster and pass only its two roles to ECS", () => {
    const role = find(resources, "aws:iam/role:Role", "microblog-backup-scheduler");
    assert.deepEqual(JSON.parse(String(role.inputs.assumeRolePolicy)), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    });
    const run = find(resources, "aws:iam/rolePolicy:RolePolicy", "microblog-backup-run-task");
    assert.deepEqual(JSON.parse(String(run.inputs.policy)), {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: ["ecs:RunTask"],
          Resource: arn("microblog-backup-taskdef"),
          Condition: { ArnEquals: { "ecs:cluster": arn("microblog-cluster") } },
        },
        {
          Effect: "Allow",
          Action: ["iam:PassRole"],
          Resource: [arn("microblog-backup-task"), arn("microblog-backup-execution")],
          Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
      ],
    });
  });

  it("registers a restore task: the AWS CLI image downloads, the MySQL image checks and loads", () => {
    const td = find(
      resources,
      "aws:ecs/taskDefinition:TaskDefinition",
      "microblog-backup-restore-taskdef",
    );
    const { containerDefinitions, ...rest } = untagged(td);
    assert.deepEqual(rest, {
      family: "microblog-infra-ecs-restore",
      cpu: "256",
      memory: "512",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { cpuArchitecture: "X86_64", operatingSystemFamily: "LINUX" },
      // The backup's execution role: it reads the same password and nothing else.
      executionRoleArn: arn("microblog-backup-execution"),
      taskRoleArn: arn("microblog-backup-restore-task"),
      volumes: [{ name: "backups" }],
    });
    const [download, load] = JSON.parse(String(containerDefinitions)) as ContainerDefinition[];
    const perRun = [
      { name: "RESTORE_NAME", value: "" },
      { name: "RESTORE_MODE", value: "check" },
      { name: "RESTORE_FORCE", value: "0" },
    ];
    assert.equal(download?.name, "download");
    assert.equal(download?.essential, false);
    assert.deepEqual(download?.entryPoint, ["sh", "-c"]);
    assert.deepEqual(download?.command, [DOWNLOAD_SCRIPT]);
    assert.deepEqual(download?.environment?.slice(-3), perRun);
    assert.deepEqual(download?.secrets, undefined, "the download needs no database password");
    assert.equal(load?.name, "load");
    assert.equal(load?.essential, true, "the load's exit code is the task's verdict");
    assert.deepEqual(load?.dependsOn, [{ containerName: "download", condition: "SUCCESS" }]);
    assert.deepEqual(load?.command, ["sh", "-c", RESTORE_SCRIPT]);
    assert.deepEqual(load?.environment?.slice(-3), perRun);
    assert.deepEqual(load?.secrets, [
      { name: "MYSQL_PASSWORD", valueFrom: arn("microblog-backup-mysql-password") },
    ]);
    assert.equal(load?.readonlyRootFilesystem, true);
    // The same hardening as the scheduled dump: no init, every capability it does not need dropped.
    const backupTd = find(
      resources,
      "aws:ecs/taskDefinition:TaskDefinition",
      "microblog-backup-taskdef",
    );
    const [dump] = JSON.parse(
      String(backupTd.inputs.containerDefinitions),
    ) as ContainerDefinition[];
    assert.ok((dump?.linuxParameters?.capabilities?.drop?.length ?? 0) > 0);
    for (const c of [download, load]) {
      assert.deepEqual(c?.linuxParameters, dump?.linuxParameters, c?.name);
      assert.equal(c?.logConfiguration?.options?.["awslogs-stream-prefix"], `restore-${c?.name}`);
    }
  });

  it("lets the restore task read dumps under mysql/ and nothing else", () => {
    const policies = ofType(resources, "aws:iam/rolePolicy:RolePolicy").filter(
      (r) => r.inputs.role === "microblog-backup-restore-task-id",
    );
    assert.deepEqual(
      policies.map((p) => JSON.parse(String(p.inputs.policy)) as unknown),
      [
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: `${arn(BUCKET)}/mysql/*` },
          ],
        },
      ],
    );
    // Nothing schedules it: scripts/restore-ecs.sh runs it.
    const schedule = find(
      resources,
      "aws:scheduler/schedule:Schedule",
      "microblog-backup-schedule",
    );
    assert.doesNotMatch(JSON.stringify(schedule.inputs), /restore/);
  });

  it("exports where scripts/restore-ecs.sh runs the restore and the reindex", async () => {
    const restore = (await resolve(outputs.restore)).value as Record<string, unknown>;
    assert.deepEqual(Object.keys(restore).sort(), [
      "app",
      "bucket",
      "cluster",
      "prefix",
      "region",
      "subnets",
      "task",
    ]);
    assert.equal(restore.prefix, "mysql/");
    assert.equal(restore.region, "us-east-1");
    assert.equal(restore.bucket, `${BUCKET}-1234567`);
    assert.deepEqual(Object.keys(restore.app as object).sort(), [
      "container",
      "logGroup",
      "securityGroup",
      "service",
      "taskDefinition",
    ]);
    assert.equal((restore.app as { container: string }).container, "app");
    assert.equal((restore.subnets as string[]).length, 2);
  });

  it("exports the bucket name", async () => {
    assert.deepEqual(await resolve(outputs.backupBucket), {
      value: `${BUCKET}-1234567`,
      secret: false,
    });
  });
});

describe("ecs backup variations", () => {
  it("turns S3 retention into whole days: 24 hourly dumps = 1 day, 10 weekly = 70", async () => {
    for (const [interval, retain, days] of [
      ["60", "24", 1],
      ["10080", "10", 70],
      ["15", "1", 1],
    ] as const) {
      const { resources } = await evaluate("ecs", {
        backupIntervalMinutes: interval,
        backupRetain: retain,
      });
      const rules = find(
        resources,
        `${S3}bucketLifecycleConfiguration:BucketLifecycleConfiguration`,
        "microblog-backup-lifecycle",
      ).inputs.rules as { expiration: { days: number } }[];
      assert.equal(rules[0]?.expiration.days, days, `${interval} min × ${retain}`);
      const s = find(resources, "aws:scheduler/schedule:Schedule", "microblog-backup-schedule");
      assert.equal(s.inputs.scheduleExpression, `rate(${interval} minutes)`);
    }
  });

  it("declares no backup resource, group or output with backups false", async () => {
    const { resources, outputs } = await evaluate("ecs", { backups: "false" });
    assert.deepEqual(
      resources.filter((r) => r.name.includes("backup") && r.name !== "microblog-efs-backup"),
      [],
    );
    assert.equal(outputs.backupBucket, undefined);
    assert.equal(outputs.restore, undefined);
  });

  it("runs the dump on arm64 when the platform is", async () => {
    const { resources } = await evaluate("ecs", { appPlatform: "linux/arm64" });
    const td = find(resources, "aws:ecs/taskDefinition:TaskDefinition", "microblog-backup-taskdef");
    assert.deepEqual(td.inputs.runtimePlatform, {
      cpuArchitecture: "ARM64",
      operatingSystemFamily: "LINUX",
    });
  });
});
