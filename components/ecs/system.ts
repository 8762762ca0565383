// Renders the system spec onto AWS: network, cluster with container insights, Cloud Map
// names, security groups, EFS, three Fargate services, the ALB and app autoscaling.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { EcsConfig } from "../config.js";
import { APP_PORT, type ServiceName, type SystemSpec } from "../services.js";
import { AppLoadBalancer, appAutoscaling, listenerPorts } from "./alb.js";
import { EcsNetwork } from "./network.js";
import { EcsSecurityGroups } from "./security.js";
import { FargateService } from "./service.js";
import { EcsStorage } from "./storage.js";

/** Inputs of {@link EcsSystem}. */
export interface EcsSystemArgs {
  readonly spec: SystemSpec;
  readonly namePrefix: string;
  /** Cloud Map private DNS namespace, e.g. microblog-infra-ecs.internal. */
  readonly namespaceName: string;
  readonly ecs: EcsConfig;
  readonly platform: string;
  readonly data: { readonly protect: boolean; readonly retainOnDelete: boolean };
  readonly mailPort?: number;
}

/** Microblog on ECS Fargate. */
export class EcsSystem extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly clusterName: pulumi.Output<string>;
  public readonly logGroupNames: pulumi.Output<Record<ServiceName, string>>;

  constructor(name: string, args: EcsSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:ecs:EcsSystem", name, {}, opts);
    const { spec, ecs } = args;
    const network = new EcsNetwork(`${name}-net`, { existing: ecs.existingVpc }, { parent: this });
    const cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      { name: args.namePrefix, settings: [{ name: "containerInsights", value: "enabled" }] },
      { parent: this },
    );
    const namespace = new aws.servicediscovery.PrivateDnsNamespace(
      `${name}-ns`,
      { name: args.namespaceName, vpc: network.vpcId, description: "Microblog service names" },
      { parent: this },
    );
    const sg = new EcsSecurityGroups(
      `${name}-sg`,
      {
        vpcId: network.vpcId,
        publicPorts: listenerPorts(ecs.certificateArn),
        mailPort: args.mailPort,
      },
      { parent: this },
    );
    const storage = new EcsStorage(
      `${name}-efs`,
      {
        subnetIds: network.privateSubnetIds,
        securityGroupId: sg.ids.efs,
        services: { mysql: requireData(spec, "mysql"), search: requireData(spec, "search") },
        ...args.data,
      },
      { parent: this },
    );
    const alb = new AppLoadBalancer(
      `${name}-lb`,
      {
        vpcId: network.vpcId,
        subnetIds: network.publicSubnetIds,
        securityGroupId: sg.ids.alb,
        appPort: APP_PORT,
        healthPath: "/healthz",
        healthIntervalSeconds: spec.app.healthCheck.intervalSeconds,
        healthTimeoutSeconds: spec.app.healthCheck.timeoutSeconds,
        certificateArn: ecs.certificateArn,
      },
      { parent: this },
    );
    const common = {
      namePrefix: args.namePrefix,
      clusterArn: cluster.arn,
      cpuArchitecture: args.platform === "linux/arm64" ? ("ARM64" as const) : ("X86_64" as const),
      region: ecs.region,
      subnetIds: network.privateSubnetIds,
      logRetentionDays: ecs.logRetentionDays,
    };
    const data = (svc: "mysql" | "search", cpu: number): FargateService =>
      new FargateService(
        `${name}-${svc}`,
        {
          ...common,
          spec: spec[svc],
          cpu,
          securityGroupId: sg.ids[svc],
          desiredCount: 1,
          namespaceId: namespace.id,
          efs: {
            fileSystemId: storage.fileSystemId,
            fileSystemArn: storage.fileSystemArn,
            accessPointId: (storage.accessPoints[svc] as { id: pulumi.Output<string> }).id,
            accessPointArn: (storage.accessPoints[svc] as { arn: pulumi.Output<string> }).arn,
          },
          dependsOn: storage.mountTargets,
        },
        { parent: this },
      );
    const mysql = data("mysql", ecs.mysqlCpu);
    const search = data("search", ecs.searchCpu);
    const app = new FargateService(
      `${name}-app`,
      {
        ...common,
        spec: spec.app,
        cpu: ecs.appCpu,
        securityGroupId: sg.ids.app,
        desiredCount: ecs.appMinCount,
        targetGroupArn: alb.targetGroupArn,
        // The app's boot retries until MySQL answers; starting after the data services saves failed tasks.
        dependsOn: [...alb.listeners, mysql, search],
      },
      { parent: this },
    );
    appAutoscaling(
      `${name}-app`,
      {
        clusterName: cluster.name,
        serviceName: app.serviceName,
        min: ecs.appMinCount,
        max: ecs.appMaxCount,
        cpuPercent: ecs.appCpuTargetPercent,
      },
      this,
    );
    this.url = alb.url;
    this.clusterName = cluster.name;
    this.logGroupNames = pulumi
      .all([app.logGroupName, mysql.logGroupName, search.logGroupName])
      .apply(([a, m, s]) => ({ app: a, mysql: m, search: s }));
    this.registerOutputs({
      url: this.url,
      clusterName: this.clusterName,
      logGroupNames: this.logGroupNames,
    });
  }
}

function requireData(
  spec: SystemSpec,
  svc: "mysql" | "search",
): NonNullable<SystemSpec["mysql"]["data"]> {
  const data = spec[svc].data;
  if (data === undefined) throw new Error(`service ${svc} must declare its data directory`);
  return data;
}
