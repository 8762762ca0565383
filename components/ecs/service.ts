// One ServiceSpec as a Fargate service: log group, secrets, roles, task definition, Cloud Map
// name and the ECS service. Stateful services never run two tasks on the same data.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { HealthCheckSpec, ServiceSpec } from "../spec.js";
import { containerDefinition, DATA_VOLUME, SCRATCH_VOLUME } from "./container-def.js";
import { executionRole, storeSecrets, taskRole } from "./iam.js";
import { ServiceRollout } from "./rollout.js";
import { fargateTaskDefinition } from "./task-definition.js";

/** Inputs of {@link FargateService}. */
interface FargateServiceArgs {
  readonly spec: ServiceSpec;
  /** Env whose values come from other resources (the app's public URL). */
  readonly extraEnv?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Secrets the running code reads itself (the RDS-managed password, which rotates): the task
   * role may read exactly these.
   */
  readonly taskReadsSecrets?: pulumi.Output<string>[];
  readonly namePrefix: string;
  readonly clusterArn: pulumi.Input<string>;
  readonly cpu: number;
  readonly cpuArchitecture: "X86_64" | "ARM64";
  readonly region: string;
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  readonly logRetentionDays: number;
  readonly desiredCount: number;
  /** ECS Exec into the service's tasks. */
  readonly executeCommand: boolean;
  /** How `up` waits for a deployment to finish (see rollout.ts), and the watch's AWS profile. */
  readonly rollout: { readonly wait: "events" | "steady-state"; readonly profile: string };
  /** Most tasks the service may run (autoscaling's upper bound): sizes the circuit breaker. */
  readonly maxCount: number;
  /** The ALB's target checks, when the service is behind it. */
  readonly loadBalancerChecks?: LoadBalancerChecks;
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

/** How the ALB judges and drains a task (see alb.ts). */
interface LoadBalancerChecks {
  readonly intervalSeconds: number;
  readonly healthyThreshold: number;
  readonly deregistrationDelaySeconds: number;
}

/** Seconds allowed to pull an image through the NAT gateway and start it (search is ~1 GB). */
const PULL_AND_START_SECONDS = 180;
/** Headroom for ECS scheduling, target registration and the provider's polling. */
const MARGIN_SECONDS = 300;

/**
 * How long `pulumi up` waits for a service to reach steady state (create and update): long
 * enough for the deployment circuit breaker to trip and for its rollback to finish, so a failed
 * rollout surfaces as the circuit breaker's own error rather than a timeout. One attempt is a
 * task pulled, started, past its start period and through every health retry (and, behind the
 * ALB, healthy there), then stopped (stop grace, and the ALB's deregistration delay). ECS trips
 * after max(3, min(200, ceil(tasks / 2))) failed tasks; the rollback is one more attempt.
 */
export function steadyStateTimeout(args: {
  readonly health: HealthCheckSpec;
  readonly stopGraceSeconds: number;
  readonly maxCount: number;
  readonly loadBalancer?: LoadBalancerChecks;
}): { readonly minutes: number; readonly failedTasksToTrip: number } {
  const { health, loadBalancer: lb } = args;
  const attempt =
    PULL_AND_START_SECONDS +
    health.startPeriodSeconds +
    health.retries * (health.intervalSeconds + health.timeoutSeconds) +
    (lb === undefined ? 0 : lb.healthyThreshold * lb.intervalSeconds) +
    args.stopGraceSeconds +
    (lb === undefined ? 0 : lb.deregistrationDelaySeconds);
  const failedTasksToTrip = Math.max(3, Math.min(200, Math.ceil(args.maxCount / 2)));
  const seconds = (failedTasksToTrip + 1) * attempt + MARGIN_SECONDS;
  return { minutes: Math.ceil(seconds / 60), failedTasksToTrip };
}

/** A Fargate service running one ServiceSpec. */
export class FargateService extends pulumi.ComponentResource {
  public readonly serviceName: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly taskDefinitionArn: pulumi.Output<string>;
  /** ARN of the role the service's code runs as. */
  public readonly taskRoleArn: pulumi.Output<string>;

  constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:ecs:FargateService", name, {}, opts);
    const { spec } = args;
    if (spec.data !== undefined && args.efs === undefined) {
      throw new pulumi.ResourceError(
        `service ${spec.name} keeps data but has no EFS access point`,
        this,
      );
    }
    const stateful = spec.data !== undefined;
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
      args.executeCommand,
      this,
      args.taskReadsSecrets,
    );
    const taskDefinition = this.taskDefinition(
      name,
      args,
      logGroup.name,
      secretArns,
      execution.arn,
      task.arn,
    );
    const timeoutMinutes = steadyStateTimeout({
      health: spec.healthCheck,
      stopGraceSeconds: Math.min(spec.runtime.stopGraceSeconds, 120),
      maxCount: stateful ? 1 : args.maxCount,
      loadBalancer: args.loadBalancerChecks,
    }).minutes;
    const timeout = `${timeoutMinutes}m`;
    const watch = args.rollout.wait === "events";
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
              // No healthCheckCustomConfig: its only field, failureThreshold, is deprecated (AWS
              // always uses 1) and the provider reads 1 back into a replace-on-change field, so
              // leaving it unset in a set block would replace the service on every update.
            },
            // Stacks created before keep the block they were created with ({failureThreshold:
            // 1}): without this, dropping it would replace the Cloud Map service, which fails
            // while the ECS service is registered in it.
            { parent: this, ignoreChanges: ["healthCheckCustomConfig"] },
          );
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
        enableExecuteCommand: args.executeCommand,
        // `pulumi up` returns only once the service runs its desired count of healthy tasks of
        // this revision: either the ServiceRollout below waits (and a failed rollout fails the
        // update with the service's events), or, on request, the provider does. Services that
        // depend on this component therefore start after it is healthy, not merely created.
        waitForSteadyState: !watch,
      },
      {
        parent: this,
        dependsOn: args.dependsOn,
        // Autoscaling owns the app's desired count once it exists.
        ignoreChanges: stateful ? [] : ["desiredCount"],
        customTimeouts: { create: timeout, update: timeout },
      },
    );
    if (watch) {
      new ServiceRollout(
        `${name}-rollout`,
        {
          region: args.region,
          profile: args.rollout.profile,
          cluster: args.clusterArn,
          service: service.name,
          // The service's own output: the watch starts once UpdateService has asked for it.
          taskDefinition: service.taskDefinition.apply((t) => t ?? ""),
          timeoutSeconds: timeoutMinutes * 60,
          pollSeconds: 15,
        },
        { parent: this, dependsOn: [service] },
      );
    }
    this.serviceName = service.name;
    this.logGroupName = logGroup.name;
    this.taskDefinitionArn = taskDefinition.arn;
    this.taskRoleArn = task.role.arn;
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
    return fargateTaskDefinition(
      `${name}-taskdef`,
      {
        family: `${args.namePrefix}-${spec.name}`,
        cpu: args.cpu,
        memoryMb: spec.memoryMb,
        cpuArchitecture: args.cpuArchitecture,
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
      this,
    );
  }
}
