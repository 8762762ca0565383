// One ServiceSpec as a Fargate service: log group, secrets, roles, task definition, Cloud Map
// name and the ECS service. Stateful services never run two tasks on the same data.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ServiceSpec } from "../spec.js";
import { containerDefinition, DATA_VOLUME, SCRATCH_VOLUME } from "./container-def.js";
import { executionRole, storeSecrets, taskRole } from "./iam.js";

/** Inputs of {@link FargateService}. */
interface FargateServiceArgs {
  readonly spec: ServiceSpec;
  /** Env whose values come from other resources (the app's public URL). */
  readonly extraEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  readonly namePrefix: string;
  readonly clusterArn: pulumi.Input<string>;
  readonly cpu: number;
  readonly cpuArchitecture: "X86_64" | "ARM64";
  readonly region: string;
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  readonly logRetentionDays: number;
  readonly desiredCount: number;
  /** EFS for the service's data (required when the spec has data). */
  readonly efs?: {
    readonly fileSystemId: pulumi.Output<string>;
    readonly fileSystemArn: pulumi.Output<string>;
    readonly accessPointId: pulumi.Output<string>;
    readonly accessPointArn: pulumi.Output<string>;
  };
  /** Cloud Map namespace to register the service's name in. */
  readonly namespaceId?: pulumi.Input<string>;
  /** Target group the service's port is registered with. */
  readonly targetGroupArn?: pulumi.Input<string>;
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** A Fargate service running one ServiceSpec. */
export class FargateService extends pulumi.ComponentResource {
  public readonly serviceName: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly taskDefinitionArn: pulumi.Output<string>;

  constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:ecs:FargateService", name, {}, opts);
    const { spec } = args;
    if (spec.data !== undefined && args.efs === undefined) {
      throw new pulumi.ResourceError(
        `service ${spec.name} keeps data but has no EFS access point`,
        this,
      );
    }
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/ecs/${args.namePrefix}/${spec.name}`, retentionInDays: args.logRetentionDays },
      { parent: this },
    );
    const secretArns = storeSecrets(name, spec.secretEnv, this);
    const execution = executionRole(name, Object.values(secretArns), this);
    const task = taskRole(
      name,
      args.efs === undefined
        ? undefined
        : { fileSystemArn: args.efs.fileSystemArn, accessPointArn: args.efs.accessPointArn },
      this,
    );
    const taskDefinition = this.taskDefinition(
      name,
      args,
      logGroup.name,
      secretArns,
      execution.arn,
      task.arn,
    );
    const registry =
      args.namespaceId === undefined
        ? undefined
        : new aws.servicediscovery.Service(
            `${name}-dns`,
            {
              name: spec.hostname.split(".")[0],
              namespaceId: args.namespaceId,
              dnsConfig: {
                namespaceId: args.namespaceId,
                dnsRecords: [{ type: "A", ttl: 10 }],
                routingPolicy: "MULTIVALUE",
              },
              healthCheckCustomConfig: { failureThreshold: 1 },
            },
            { parent: this },
          );
    const stateful = spec.data !== undefined;
    const service = new aws.ecs.Service(
      `${name}-service`,
      {
        name: spec.name,
        cluster: args.clusterArn,
        taskDefinition: taskDefinition.arn,
        desiredCount: stateful ? 1 : args.desiredCount,
        launchType: "FARGATE",
        networkConfiguration: {
          subnets: args.subnetIds,
          securityGroups: [args.securityGroupId],
          assignPublicIp: false,
        },
        // Stateful: stop the old task before starting the new one, so two never share the data.
        deploymentMinimumHealthyPercent: stateful ? 0 : 100,
        deploymentMaximumPercent: stateful ? 100 : 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        serviceRegistries: registry === undefined ? undefined : { registryArn: registry.arn },
        loadBalancers:
          args.targetGroupArn === undefined
            ? []
            : [
                {
                  targetGroupArn: args.targetGroupArn,
                  containerName: spec.name,
                  containerPort: spec.port,
                },
              ],
        healthCheckGracePeriodSeconds:
          args.targetGroupArn === undefined ? undefined : spec.healthCheck.startPeriodSeconds,
        propagateTags: "SERVICE",
        enableExecuteCommand: false,
      },
      // Autoscaling owns the app's desired count once it exists.
      { parent: this, dependsOn: args.dependsOn, ignoreChanges: stateful ? [] : ["desiredCount"] },
    );
    this.serviceName = service.name;
    this.logGroupName = logGroup.name;
    this.taskDefinitionArn = taskDefinition.arn;
    this.registerOutputs({ serviceName: this.serviceName, logGroupName: this.logGroupName });
  }

  private taskDefinition(
    name: string,
    args: FargateServiceArgs,
    logGroup: pulumi.Output<string>,
    secretArns: Record<string, pulumi.Output<string>>,
    executionRoleArn: pulumi.Output<string>,
    taskRoleArn: pulumi.Output<string>,
  ): aws.ecs.TaskDefinition {
    const { spec } = args;
    const secretNames = Object.keys(secretArns).sort();
    const containerDefinitions = pulumi.output(args.extraEnv ?? {}).apply((extraEnv) =>
      pulumi
        .all([
          pulumi.output(spec.image),
          logGroup,
          ...secretNames.map((k) => secretArns[k] as pulumi.Output<string>),
        ])
        .apply(([image, group, ...arns]) =>
          JSON.stringify([
            containerDefinition({
              spec,
              image: image as string,
              extraEnv,
              logGroup: group as string,
              region: args.region,
              secretArns: Object.fromEntries(secretNames.map((k, i) => [k, arns[i] as string])),
            }),
          ]),
        ),
    );
    return new aws.ecs.TaskDefinition(
      `${name}-taskdef`,
      {
        family: `${args.namePrefix}-${spec.name}`,
        cpu: String(args.cpu),
        memory: String(spec.memoryMb),
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        runtimePlatform: { cpuArchitecture: args.cpuArchitecture, operatingSystemFamily: "LINUX" },
        executionRoleArn,
        taskRoleArn,
        containerDefinitions,
        volumes:
          args.efs === undefined
            ? [{ name: SCRATCH_VOLUME }]
            : [
                {
                  name: DATA_VOLUME,
                  efsVolumeConfiguration: {
                    fileSystemId: args.efs.fileSystemId,
                    transitEncryption: "ENABLED",
                    authorizationConfig: { accessPointId: args.efs.accessPointId, iam: "ENABLED" },
                  },
                },
              ],
      },
      { parent: this },
    );
  }
}
