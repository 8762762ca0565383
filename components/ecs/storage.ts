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

  constructor(name: string, args: EcsStorageArgs, opts?: pulumi.ComponentResourceOptions) {
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
            path: `/${service}`,
            creationInfo: { ownerUid: data.uid, ownerGid: data.gid, permissions: "0750" },
          },
        },
        { parent: this, protect: args.protect, retainOnDelete: args.retainOnDelete },
      );
      accessPoints[service] = { id: ap.id, arn: ap.arn };
    }
    this.fileSystemId = fs.id;
    this.fileSystemArn = fs.arn;
    this.accessPoints = accessPoints;
    this.registerOutputs({ fileSystemId: this.fileSystemId });
  }
}
