// Renders the system spec onto AWS: network, cluster with container insights, Cloud Map
// names, security groups, EFS, three Fargate services, the ALB and app autoscaling.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { DataSpec, EcsPlacement, ServiceName, SystemSpec } from "../spec.js";
import {
  AppLoadBalancer,
  appAutoscaling,
  DEREGISTRATION_DELAY_SECONDS,
  HEALTHY_THRESHOLD,
  listenerPorts,
  targetHealthInterval,
} from "./alb.js";
import { BACKUP_PREFIX, EcsBackup } from "./backup.js";
import { EcsNetwork } from "./network.js";
import { EcsSecurityGroups } from "./security.js";
import { FargateService } from "./service.js";
import { EcsStorage } from "./storage.js";

/** Proxies between users and the app: the ALB. */
const ALB_PROXY_HOPS = 1;

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
  /** The backup bucket's name; undefined = backups off. */
  public readonly backupBucket?: pulumi.Output<string>;
  /** What scripts/restore-ecs.sh runs (undefined = backups off). */
  public readonly restore?: pulumi.Output<RestoreTargets>;

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
        backups: ecs.dataBackups,
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
        internetReady: network.internetReady,
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
      executeCommand: ecs.executeCommand,
      rollout: { wait: ecs.rolloutWait, profile: ecs.awsProfile },
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
          maxCount: 1,
          namespaceId: namespace.id,
          efs: {
            fileSystemId: storage.fileSystemId,
            fileSystemArn: storage.fileSystemArn,
            accessPointId: (storage.accessPoints[svc] as { id: pulumi.Output<string> }).id,
            accessPointArn: (storage.accessPoints[svc] as { arn: pulumi.Output<string> }).arn,
          },
          // Explicit: a task mounts EFS through a mount target in its subnet, and pulls its image
          // (and reads its secrets, ships its logs) through the private subnets' NAT route;
          // neither is an input of the service.
          dependsOn: [...storage.mountTargets, ...network.privateEgressReady],
        },
        { parent: this },
      );
    const mysql = data("mysql");
    const search = data("search");
    storage.restrictTo({ mysql: mysql.taskRoleArn, search: search.taskRoleArn });
    const { urlEnv, proxyHopsEnv } = spec.entry;
    const url = spec.entry.publicUrl === undefined ? alb.url : pulumi.output(spec.entry.publicUrl);
    const appEnv: Record<string, pulumi.Input<string>> = {};
    if (urlEnv !== undefined) appEnv[urlEnv] = url;
    // One hop: the ALB, which sets X-Forwarded-For and X-Forwarded-Proto.
    if (proxyHopsEnv !== undefined) appEnv[proxyHopsEnv] = String(ALB_PROXY_HOPS);
    const app = new FargateService(
      `${base}-app`,
      {
        ...common,
        spec: appSpec,
        extraEnv: appEnv,
        cpu: ecs.cpu.app,
        securityGroupId: sg.ids.app,
        desiredCount: ecs.appScaling.min,
        maxCount: ecs.appScaling.max,
        targetGroupArn: alb.targetGroupArn,
        loadBalancerChecks: {
          intervalSeconds: targetHealthInterval(
            appSpec.healthCheck.intervalSeconds,
            appSpec.healthCheck.timeoutSeconds,
          ),
          healthyThreshold: HEALTHY_THRESHOLD,
          deregistrationDelaySeconds: DEREGISTRATION_DELAY_SECONDS,
        },
        // The app's boot retries until MySQL answers; the data services wait for steady state,
        // so depending on them means starting after they are healthy (no failed first tasks).
        // A target group needs its listener before a service can register with it; the NAT
        // route is how the app pulls its image.
        dependsOn: [...alb.listeners, mysql, search, ...network.privateEgressReady],
      },
      { parent: this },
    );
    appAutoscaling(
      `${base}-app`,
      { clusterName: cluster.name, serviceName: app.serviceName, ...ecs.appScaling },
      this,
    );
    if (spec.backup !== undefined) {
      const backupSg = sg.ids.backup;
      if (backupSg === undefined) throw new Error("a backup job needs its flow to MySQL");
      const backup = new EcsBackup(
        `${base}-backup`,
        {
          spec: spec.backup,
          namePrefix: spec.namePrefix,
          clusterArn: cluster.arn,
          region: ecs.region,
          cpuArchitecture: common.cpuArchitecture,
          subnetIds: network.privateSubnetIds,
          securityGroupId: backupSg,
          logRetentionDays: ecs.logRetentionDays,
          uploadImage: ecs.backupUploadImage,
          protect: spec.data.protect,
          // Dumps start once MySQL runs, and pull their images through the NAT route.
          dependsOn: [mysql, ...network.privateEgressReady],
        },
        { parent: this },
      );
      this.backupBucket = backup.bucketName;
      // Deeply unwrapped: one plain object once every id and ARN is known.
      this.restore = pulumi.output({
        cluster: cluster.name,
        subnets: network.privateSubnetIds,
        task: {
          taskDefinition: backup.restoreTaskDefinitionArn,
          securityGroup: backupSg,
          logGroup: backup.logGroupName,
        },
        bucket: backup.bucketName,
        prefix: BACKUP_PREFIX,
        region: ecs.region,
        app: {
          service: app.serviceName,
          container: appSpec.name,
          taskDefinition: app.taskDefinitionArn,
          securityGroup: sg.ids.app,
          logGroup: app.logGroupName,
        },
      }) as pulumi.Output<RestoreTargets>;
    }
    this.url = url;
    this.clusterName = cluster.name;
    this.logGroupNames = pulumi
      .all([app.logGroupName, mysql.logGroupName, search.logGroupName])
      .apply(([a, m, s]) => ({ app: a, mysql: m, search: s }));
    this.registerOutputs({
      url: this.url,
      clusterName: this.clusterName,
      logGroupNames: this.logGroupNames,
      backupBucket: this.backupBucket,
      restore: this.restore,
    });
  }
}

/** Where the restore task and the app's reindex run: stack output `restore`. */
export interface RestoreTargets {
  readonly cluster: string;
  readonly subnets: string[];
  readonly task: { taskDefinition: string; securityGroup: string; logGroup: string };
  readonly bucket: string;
  readonly prefix: string;
  readonly region: string;
  readonly app: {
    service: string;
    container: string;
    taskDefinition: string;
    securityGroup: string;
    logGroup: string;
  };
}

function requireData(data: DataSpec | undefined): DataSpec {
  if (data === undefined) throw new Error("a data service must declare its data directory");
  return data;
}
