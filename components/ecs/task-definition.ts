// A Fargate task definition: what every task of the stack shares (awsvpc networking, Linux on
// the stack's CPU architecture, separate execution and task roles); the services and the backup
// and restore jobs differ only in the family, the size, the containers and the volumes.
import type * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** Inputs of {@link fargateTaskDefinition}. */
export interface FargateTaskArgs {
  /** `<project>-<stack>-<name>`. */
  readonly family: string;
  /** CPU units and memory (MiB); config.ts checks that Fargate offers the pair. */
  readonly cpu: number;
  readonly memoryMb: number;
  readonly cpuArchitecture: "X86_64" | "ARM64";
  /** Roles whose ARNs resolve only once their policies are attached (iam.ts). */
  readonly executionRoleArn: pulumi.Input<string>;
  readonly taskRoleArn: pulumi.Input<string>;
  /** The containers as the JSON the provider takes. */
  readonly containerDefinitions: pulumi.Input<string>;
  readonly volumes: pulumi.Input<aws.types.input.ecs.TaskDefinitionVolume>[];
}

/** Registers a Fargate task definition named `name`, child of `parent`. */
export function fargateTaskDefinition(
  name: string,
  args: FargateTaskArgs,
  parent: pulumi.Resource,
): aws.ecs.TaskDefinition {
  return new aws.ecs.TaskDefinition(
    name,
    {
      family: args.family,
      cpu: String(args.cpu),
      memory: String(args.memoryMb),
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      runtimePlatform: { cpuArchitecture: args.cpuArchitecture, operatingSystemFamily: "LINUX" },
      executionRoleArn: args.executionRoleArn,
      taskRoleArn: args.taskRoleArn,
      containerDefinitions: args.containerDefinitions,
      volumes: args.volumes,
    },
    { parent },
  );
}
