// Encrypted EFS for the data services: one file system, one access point per service.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DataSpec } from "../spec.js";

/** Inputs of {@link EcsStorage}. */
interface EcsStorageArgs {
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  /** Data directory owner per stateful service. */
  readonly services: Readonly<Record<string, DataSpec>>;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  /** Daily backups with AWS Backup's default plan. */
  readonly backups: boolean;
}

/** EFS actions a data task needs: mount and write; access points fix its POSIX user, so no root. */
const CLIENT_ACTIONS = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"];

/**
 * The file system's resource policy: no access without TLS, and each data task's role may mount
 * and write only through its own access point. (Before a file-system policy exists, EFS lets any
 * client that reaches a mount target in; with one, only what it allows.)
 */
export function fileSystemPolicy(
  fileSystemArn: string,
  clients: Readonly<Record<string, { roleArn: string; accessPointArn: string }>>,
): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyWithoutTls",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: "*",
        Resource: fileSystemArn,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
      ...Object.keys(clients)
        .sort()
        .map((service) => {
          const c = clients[service] as { roleArn: string; accessPointArn: string };
          return {
            Sid: `${service.replace(/[^A-Za-z0-9]/g, "")}ThroughItsAccessPoint`,
            Effect: "Allow",
            Principal: { AWS: c.roleArn },
            Action: CLIENT_ACTIONS,
            Resource: fileSystemArn,
            Condition: { StringEquals: { "elasticfilesystem:AccessPointArn": c.accessPointArn } },
          };
        }),
    ],
  };
}

/** The file system and an access point per stateful service. */
export class EcsStorage extends pulumi.ComponentResource {
  public readonly fileSystemId: pulumi.Output<string>;
  public readonly fileSystemArn: pulumi.Output<string>;
  /** Access point id and ARN by service name. */
  public readonly accessPoints: Readonly<
    Record<string, { id: pulumi.Output<string>; arn: pulumi.Output<string> }>
  >;
  /** Resolves once every mount target exists (tasks cannot mount before). */
  public readonly mountTargets: aws.efs.MountTarget[];
  private readonly fs: aws.efs.FileSystem;

  constructor(
    private readonly name: string,
    args: EcsStorageArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    // Aliased: the type token before it matched the class name.
    super(
      "microblog:ecs:EcsStorage",
      name,
      {},
      {
        ...opts,
        aliases: [...(opts?.aliases ?? []), { type: "microblog:ecs:Storage" }],
      },
    );
    const fs = new aws.efs.FileSystem(
      `${name}-fs`,
      { encrypted: true, performanceMode: "generalPurpose", throughputMode: "elastic" },
      { parent: this, protect: args.protect, retainOnDelete: args.retainOnDelete },
    );
    this.mountTargets = args.subnetIds.map(
      (subnetId, i) =>
        new aws.efs.MountTarget(
          `${name}-mount-${i}`,
          { fileSystemId: fs.id, subnetId, securityGroups: [args.securityGroupId] },
          { parent: this },
        ),
    );
    const accessPoints: Record<string, { id: pulumi.Output<string>; arn: pulumi.Output<string> }> =
      {};
    for (const [service, data] of Object.entries(args.services)) {
      const ap = new aws.efs.AccessPoint(
        `${name}-${service}`,
        {
          fileSystemId: fs.id,
          posixUser: { uid: data.uid, gid: data.gid },
          rootDirectory: {
            path: `/${data.store}`,
            creationInfo: { ownerUid: data.uid, ownerGid: data.gid, permissions: "0750" },
          },
        },
        { parent: this, protect: args.protect, retainOnDelete: args.retainOnDelete },
      );
      accessPoints[service] = { id: ap.id, arn: ap.arn };
    }
    new aws.efs.BackupPolicy(
      `${name}-backup`,
      { fileSystemId: fs.id, backupPolicy: { status: args.backups ? "ENABLED" : "DISABLED" } },
      { parent: this },
    );
    this.fs = fs;
    this.fileSystemId = fs.id;
    this.fileSystemArn = fs.arn;
    this.accessPoints = accessPoints;
    this.registerOutputs({ fileSystemId: this.fileSystemId });
  }

  /** Lets only these task roles in, each through its own access point, and only over TLS. */
  restrictTo(clients: Readonly<Record<string, pulumi.Input<string>>>): aws.efs.FileSystemPolicy {
    const services = Object.keys(clients).sort();
    const policy = pulumi
      .all([
        this.fs.arn,
        ...services.map((s) => pulumi.output(clients[s] as pulumi.Input<string>)),
        ...services.map((s) => (this.accessPoints[s] as { arn: pulumi.Output<string> }).arn),
      ])
      .apply(([fsArn, ...arns]) =>
        JSON.stringify(
          fileSystemPolicy(
            fsArn as string,
            Object.fromEntries(
              services.map((s, i) => [
                s,
                {
                  roleArn: arns[i] as string,
                  accessPointArn: arns[services.length + i] as string,
                },
              ]),
            ),
          ),
        ),
      );
    return new aws.efs.FileSystemPolicy(
      `${this.name}-policy`,
      { fileSystemId: this.fs.id, policy },
      { parent: this },
    );
  }
}
