// The MySQL backup on ECS: an S3 bucket (encrypted, versioned, private, TLS only, dumps expiring
// after the retention), and a Fargate task run on a schedule by EventBridge Scheduler. The task
// has two containers sharing a task-local volume: the MySQL image dumps (it has mysqldump but
// no AWS CLI), then the official AWS CLI image uploads (it has no mysqldump). Both images stay
// unmodified; nothing is built or pushed for the backup.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import {
  BACKUP_DIR,
  DOWNLOAD_SCRIPT,
  JOB_LABEL,
  RESTORE_SCRIPT,
  UPLOAD_SCRIPT,
} from "../backup-script.js";
import type { BackupSpec } from "../spec.js";
import { fargateRuntime } from "./container-def.js";
import { executionRole, storeSecrets, taskRole } from "./iam.js";
import { fargateTaskDefinition } from "./task-definition.js";

/** Key prefix of the dumps in the bucket. */
export const BACKUP_PREFIX = "mysql/";
/** The task-local volume the two containers share. */
const SHARED_VOLUME = "backups";
/** Smallest Fargate size: the dump streams, and the two containers run one after the other. */
const TASK_CPU = 256;
const TASK_MEMORY_MB = 512;

/** Inputs of {@link EcsBackup}. */
interface EcsBackupArgs {
  readonly spec: BackupSpec;
  readonly namePrefix: string;
  readonly clusterArn: pulumi.Input<string>;
  readonly region: string;
  readonly cpuArchitecture: "X86_64" | "ARM64";
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  readonly logRetentionDays: number;
  /** The AWS CLI image of the upload step. */
  readonly uploadImage: string;
  /** Bucket deletion protection (the data's `protect`). */
  readonly protect: boolean;
  /**
   * Managed database: its host and the RDS-managed secret (the dump then reads the password by
   * reference, `<arn>:password::`, and the execution role may read exactly that secret).
   */
  readonly database?: {
    readonly host: pulumi.Output<string>;
    readonly secretArn: pulumi.Output<string>;
    readonly passwordValueFrom: pulumi.Output<string>;
  };
  /** The schedule starts only once MySQL runs. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The bucket policy: nothing over plain HTTP. */
export function bucketPolicy(bucketArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyWithoutTls",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/** The task role's only permission: write objects under the dump prefix. */
export function uploadPolicy(bucketArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:PutObject"], Resource: `${bucketArn}/${BACKUP_PREFIX}*` },
    ],
  };
}

/** The restore task role's only permission: read objects under the dump prefix. */
export function downloadPolicy(bucketArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: `${bucketArn}/${BACKUP_PREFIX}*` },
    ],
  };
}

/** What the backup and restore tasks' containers are made from. */
interface JobInputs {
  readonly spec: BackupSpec;
  readonly image: string;
  readonly uploadImage: string;
  readonly bucket: string;
  readonly passwordArn: string;
  /** Env the renderer adds (the managed database's host). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  readonly logGroup: string;
  readonly region: string;
}

/** Settings every container of the two jobs shares: logs, the shared volume, hardening. */
function jobParts(inputs: JobInputs) {
  const { spec } = inputs;
  return {
    logs: (prefix: string): ContainerDefinition["logConfiguration"] => ({
      logDriver: "awslogs",
      options: {
        "awslogs-group": inputs.logGroup,
        "awslogs-region": inputs.region,
        "awslogs-stream-prefix": prefix,
      },
    }),
    mount: [{ sourceVolume: SHARED_VOLUME, containerPath: BACKUP_DIR, readOnly: false }],
    // One-shot tasks: their containers exit on their own, so no init process.
    runtime: fargateRuntime({ ...spec.runtime, init: false }),
    env: Object.entries({ ...spec.env, ...inputs.extraEnv })
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value })),
    bucketEnv: [
      { name: "HOME", value: "/tmp" },
      { name: "BACKUP_BUCKET", value: inputs.bucket },
      { name: "BACKUP_DIR", value: BACKUP_DIR },
      { name: "BACKUP_PREFIX", value: BACKUP_PREFIX },
    ],
    label: { [JOB_LABEL.name]: JOB_LABEL.value },
  };
}

/** The two containers of the backup task. */
export function backupContainers(inputs: JobInputs): ContainerDefinition[] {
  const { spec } = inputs;
  const { logs, mount, runtime, env, bucketEnv, label } = jobParts(inputs);
  return [
    {
      name: "dump",
      image: inputs.image,
      essential: false,
      dockerLabels: label,
      command: [...spec.onceCommand],
      environment: env,
      secrets: [{ name: "MYSQL_PASSWORD", valueFrom: inputs.passwordArn }],
      logConfiguration: logs("dump"),
      // Its only writes go to the shared volume (dump, option file, markers).
      readonlyRootFilesystem: true,
      mountPoints: mount,
      ...runtime,
    },
    {
      name: "upload",
      image: inputs.uploadImage,
      essential: true,
      dockerLabels: label,
      // Not root: the AWS CLI only reads the dump (mode 0644 on the shared volume) and uses the
      // task role's credentials; HOME points at a writable place for its cache.
      user: "1000:1000",
      // Starts only when the dump exited 0: a failed dump stops the task without an upload.
      dependsOn: [{ containerName: "dump", condition: "SUCCESS" }],
      entryPoint: ["sh", "-c"],
      command: [UPLOAD_SCRIPT],
      environment: bucketEnv,
      logConfiguration: logs("upload"),
      mountPoints: mount,
      ...runtime,
    },
  ];
}

/**
 * The two containers of the restore task (run by scripts/restore-ecs.sh, never scheduled): the
 * AWS CLI image downloads the dump, then the MySQL image checks it and the database and, in
 * `restore` mode, loads it. RESTORE_NAME, RESTORE_MODE and RESTORE_FORCE are set per run
 * through container overrides.
 */
export function restoreContainers(inputs: JobInputs): ContainerDefinition[] {
  const { logs, mount, runtime, env, bucketEnv, label } = jobParts(inputs);
  const perRun = [
    { name: "RESTORE_NAME", value: "" },
    { name: "RESTORE_MODE", value: "check" },
    { name: "RESTORE_FORCE", value: "0" },
  ];
  return [
    {
      name: "download",
      image: inputs.uploadImage,
      essential: false,
      dockerLabels: label,
      // Root (the image's user), with every capability dropped: it writes the dump into the
      // task volume, which belongs to root.
      entryPoint: ["sh", "-c"],
      command: [DOWNLOAD_SCRIPT],
      environment: [...bucketEnv, ...perRun],
      logConfiguration: logs("restore-download"),
      mountPoints: mount,
      ...runtime,
    },
    {
      name: "load",
      image: inputs.image,
      essential: true,
      dockerLabels: label,
      dependsOn: [{ containerName: "download", condition: "SUCCESS" }],
      command: ["sh", "-c", RESTORE_SCRIPT],
      environment: [...env, ...perRun],
      secrets: [{ name: "MYSQL_PASSWORD", valueFrom: inputs.passwordArn }],
      logConfiguration: logs("restore-load"),
      readonlyRootFilesystem: true,
      mountPoints: mount,
      ...runtime,
    },
  ];
}

/** The bucket, the task and its schedule. */
export class EcsBackup extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly taskDefinitionArn: pulumi.Output<string>;
  /** The restore task (scripts/restore-ecs.sh runs it). */
  public readonly restoreTaskDefinitionArn: pulumi.Output<string>;

  constructor(name: string, args: EcsBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:ecs:EcsBackup", name, {}, opts);
    const { spec } = args;
    // Backups outlive the stack: the bucket and its settings stay when the stack is destroyed
    // (its name is the `backupBucket` output), and `dataProtect` forbids deleting it at all.
    const keep = { parent: this, retainOnDelete: true };
    const bucket = new aws.s3.Bucket(
      `${name}-bucket`,
      { forceDestroy: false },
      { ...keep, protect: args.protect },
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      keep,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
      },
      keep,
    );
    new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      keep,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-dumps",
            status: "Enabled",
            filter: { prefix: BACKUP_PREFIX },
            // N intervals of dumps, as whole days; a deleted or expired dump stays recoverable
            // as a noncurrent version for as long again.
            expiration: { days: spec.retainDays },
            noncurrentVersionExpiration: { noncurrentDays: spec.retainDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      keep,
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: bucket.arn.apply((arn) => JSON.stringify(bucketPolicy(arn))),
      },
      keep,
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/ecs/${args.namePrefix}/backup`, retentionInDays: args.logRetentionDays },
      { parent: this },
    );
    const secretArns = storeSecrets(name, spec.secretEnv, this);
    const db = args.database;
    const execution = executionRole(
      name,
      [...Object.values(secretArns), ...(db === undefined ? [] : [db.secretArn])],
      this,
    );
    const task = taskRole(name, undefined, false, this);
    const upload = new aws.iam.RolePolicy(
      `${name}-upload`,
      {
        role: task.role.id,
        policy: bucket.arn.apply((arn) => JSON.stringify(uploadPolicy(arn))),
      },
      { parent: this },
    );
    // The task definition names the role, not its policy: the ARN waits for the policy.
    const taskRoleArn = pulumi.all([task.arn, upload.id]).apply(([a]) => a);
    const passwordArn = db?.passwordValueFrom ?? secretArns.MYSQL_PASSWORD;
    if (passwordArn === undefined) throw new Error("the backup needs MYSQL_PASSWORD");
    const host = db?.host ?? pulumi.output("");
    const jobInputs = pulumi
      .all([pulumi.output(spec.image), bucket.bucket, passwordArn, logGroup.name, host])
      .apply(([image, bucketName, arn, group, dbHost]): JobInputs => ({
        spec,
        image,
        uploadImage: args.uploadImage,
        bucket: bucketName,
        passwordArn: arn,
        extraEnv: db === undefined ? undefined : { MYSQL_HOST: dbHost },
        logGroup: group,
        region: args.region,
      }));
    // Both jobs: the smallest Fargate size, the shared task volume, the backup's execution role.
    const jobTaskDefinition = (
      job: "backup" | "restore",
      taskRoleArn: pulumi.Input<string>,
      containers: (i: JobInputs) => ContainerDefinition[],
    ) =>
      fargateTaskDefinition(
        job === "backup" ? `${name}-taskdef` : `${name}-${job}-taskdef`,
        {
          family: `${args.namePrefix}-${job}`,
          cpu: TASK_CPU,
          memoryMb: TASK_MEMORY_MB,
          cpuArchitecture: args.cpuArchitecture,
          executionRoleArn: execution.arn,
          taskRoleArn,
          containerDefinitions: jobInputs.apply((i) => JSON.stringify(containers(i))),
          volumes: [{ name: SHARED_VOLUME }],
        },
        this,
      );
    const taskDefinition = jobTaskDefinition("backup", taskRoleArn, backupContainers);
    const restoreTask = taskRole(`${name}-restore`, undefined, false, this);
    const download = new aws.iam.RolePolicy(
      `${name}-restore-download`,
      {
        role: restoreTask.role.id,
        policy: bucket.arn.apply((arn) => JSON.stringify(downloadPolicy(arn))),
      },
      { parent: this },
    );
    // Registered now, run only by scripts/restore-ecs.sh; its ARN waits for the role's policy.
    const restoreTaskDefinition = jobTaskDefinition(
      "restore",
      pulumi.all([restoreTask.arn, download.id]).apply(([a]) => a),
      restoreContainers,
    );
    const schedulerRole = new aws.iam.Role(
      `${name}-scheduler`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "scheduler.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      },
      { parent: this },
    );
    const runTask = new aws.iam.RolePolicy(
      `${name}-run-task`,
      {
        role: schedulerRole.id,
        policy: pulumi
          .all([taskDefinition.arn, args.clusterArn, task.role.arn, execution.role.arn])
          .apply(([taskDef, cluster, taskRoleArnPlain, executionArn]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Action: ["ecs:RunTask"],
                  Resource: taskDef,
                  Condition: { ArnEquals: { "ecs:cluster": cluster } },
                },
                {
                  Effect: "Allow",
                  Action: ["iam:PassRole"],
                  Resource: [taskRoleArnPlain, executionArn],
                  Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                },
              ],
            }),
          ),
      },
      { parent: this },
    );
    new aws.scheduler.Schedule(
      `${name}-schedule`,
      {
        description: `Microblog MySQL dump every ${spec.intervalMinutes} minutes`,
        scheduleExpression: `rate(${spec.intervalMinutes} minutes)`,
        flexibleTimeWindow: { mode: "OFF" },
        target: {
          arn: args.clusterArn,
          roleArn: pulumi.all([schedulerRole.arn, runTask.id]).apply(([a]) => a),
          ecsParameters: {
            taskDefinitionArn: taskDefinition.arn,
            launchType: "FARGATE",
            taskCount: 1,
            networkConfiguration: {
              subnets: args.subnetIds,
              securityGroups: [args.securityGroupId],
              assignPublicIp: false,
            },
          },
          retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
        },
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.bucketName = bucket.bucket;
    this.logGroupName = logGroup.name;
    this.taskDefinitionArn = taskDefinition.arn;
    this.restoreTaskDefinitionArn = restoreTaskDefinition.arn;
    this.registerOutputs({ bucketName: this.bucketName, logGroupName: this.logGroupName });
  }
}
