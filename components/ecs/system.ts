// Renders the system spec onto AWS: network, cluster with container insights, Cloud Map
// names, security groups, EFS, three Fargate services, the ALB and app autoscaling.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DataSpec, EcsPlacement, ServiceName, SystemSpec } from "../spec.js";
import { AppLoadBalancer, appAutoscaling, listenerPorts } from "./alb.js";
import { EcsNetwork } from "./network.js";
import { EcsSecurityGroups } from "./security.js";
import { FargateService } from "./service.js";
import { EcsStorage } from "./storage.js";

/** Inputs of {@link EcsSystem}. */
interface EcsSystemArgs {
  /** A spec placed on ECS. */
  readonly spec: SystemSpec;
  /** Cloud Map private DNS namespace, e.g. microblog-infra-ecs.internal. */
  readonly namespaceName: string;
}

/** Microblog on ECS Fargate. */
export class EcsSystem extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly clusterName: pulumi.Output<string>;
  public readonly logGroupNames: pulumi.Output<Record<ServiceName, string>>;

  constructor(name: string, args: EcsSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:ecs:EcsSystem", name, {}, opts);
    const { spec } = args;
    if (spec.placement.kind !== "ecs") throw new Error("EcsSystem needs an ecs placement");
    const ecs: EcsPlacement = spec.placement;
    const { app: appSpec, mysql: mysqlSpec, search: searchSpec } = spec.services;
    const base = spec.name;
    const network = new EcsNetwork(`${base}-net`, { existing: ecs.existingVpc }, { parent: this });
    const cluster = new aws.ecs.Cluster(
      `${base}-cluster`,
      { name: spec.namePrefix, settings: [{ name: "containerInsights", value: "enabled" }] },
      { parent: this },
    );
    const namespace = new aws.servicediscovery.PrivateDnsNamespace(
      `${base}-ns`,
      { name: args.namespaceName, vpc: network.vpcId, description: "Microblog service names" },
      { parent: this },
    );
    const certificateArn = spec.entry.https?.certificateArn;
    const sg = new EcsSecurityGroups(
      `${base}-sg`,
      {
        vpcId: network.vpcId,
        flows: spec.flows,
        listenerPorts: listenerPorts(certificateArn),
        dataServices: [mysqlSpec, searchSpec]
          .filter((s) => s.data !== undefined)
          .map((s) => s.name),
      },
      { parent: this },
    );
    const storage = new EcsStorage(
      `${base}-efs`,
      {
        subnetIds: network.privateSubnetIds,
        securityGroupId: sg.ids.efs,
        services: { mysql: requireData(mysqlSpec.data), search: requireData(searchSpec.data) },
        ...spec.data,
      },
      { parent: this },
    );
    const alb = new AppLoadBalancer(
      `${base}-lb`,
      {
        vpcId: network.vpcId,
        subnetIds: network.publicSubnetIds,
        securityGroupId: sg.ids.alb,
        appPort: appSpec.port,
        healthPath: spec.entry.healthPath,
        healthIntervalSeconds: appSpec.healthCheck.intervalSeconds,
        healthTimeoutSeconds: appSpec.healthCheck.timeoutSeconds,
        certificateArn,
      },
      { parent: this },
    );
    const common = {
      namePrefix: spec.namePrefix,
      clusterArn: cluster.arn,
      cpuArchitecture: spec.platform === "linux/arm64" ? ("ARM64" as const) : ("X86_64" as const),
      region: ecs.region,
      subnetIds: network.privateSubnetIds,
      logRetentionDays: ecs.logRetentionDays,
    };
    const data = (svc: "mysql" | "search"): FargateService =>
      new FargateService(
        `${base}-${svc}`,
        {
          ...common,
          spec: spec.services[svc],
          cpu: ecs.cpu[svc],
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
    const mysql = data("mysql");
    const search = data("search");
    const urlEnv = spec.entry.urlEnv;
    const app = new FargateService(
      `${base}-app`,
      {
        ...common,
        spec: appSpec,
        extraEnv: urlEnv === undefined ? undefined : { [urlEnv]: alb.url },
        cpu: ecs.cpu.app,
        securityGroupId: sg.ids.app,
        desiredCount: ecs.appScaling.min,
        targetGroupArn: alb.targetGroupArn,
        // The app's boot retries until MySQL answers; starting after the data services saves failed tasks.
        dependsOn: [...alb.listeners, mysql, search],
      },
      { parent: this },
    );
    appAutoscaling(
      `${base}-app`,
      { clusterName: cluster.name, serviceName: app.serviceName, ...ecs.appScaling },
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

function requireData(data: DataSpec | undefined): DataSpec {
  if (data === undefined) throw new Error("a data service must declare its data directory");
  return data;
}
