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
import { ManagedDatabase, ManagedSearch, passwordReference } from "./managed.js";
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
  /** Log group per running service (managed services log elsewhere). */
  public readonly logGroupNames: pulumi.Output<Partial<Record<ServiceName, string>>>;
  /** Host name of the RDS instance (dataServices managed). */
  public readonly databaseAddress?: pulumi.Output<string>;
  /** Endpoint of the OpenSearch domain (managedSearch opensearch). */
  public readonly searchEndpoint?: pulumi.Output<string>;
  /** The backup bucket's name; undefined = backups off. */
  public readonly backupBucket?: pulumi.Output<string>;
  /** What scripts/restore-ecs.sh runs (undefined = backups off). */
  public readonly restore?: pulumi.Output<RestoreTargets>;

  constructor(name: string, args: EcsSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:ecs:EcsSystem", name, {}, opts);
    const { spec } = args;
    if (spec.placement.kind !== "ecs") throw new Error("EcsSystem needs an ecs placement");
    const ecs: EcsPlacement = spec.placement;
    const { app: appSpec } = spec.services;
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
    const managed = spec.managed;
    // Which data services run as containers (on EFS) and which AWS runs for us.
    const isManaged = (svc: "mysql" | "search"): boolean =>
      svc === "mysql" ? managed !== undefined : managed?.search !== undefined;
    const containerData = (["mysql", "search"] as const).filter((s) => !isManaged(s));
    const managedData = (["mysql", "search"] as const).filter(isManaged);
    const sg = new EcsSecurityGroups(
      `${base}-sg`,
      {
        vpcId: network.vpcId,
        flows: spec.flows,
        listenerPorts: listenerPorts(certificateArn),
        dataServices: containerData.filter((s) => spec.services[s].data !== undefined),
        managedServices: managedData,
      },
      { parent: this },
    );
    // EFS holds the containers' data, and (retainContainerData) the data a managed service's
    // container left behind, so switching to managed deletes nothing.
    const onEfs = [
      ...containerData,
      ...(managed?.retainContainerData === true ? managedData : []),
    ].sort();
    const storage =
      onEfs.length === 0
        ? undefined
        : new EcsStorage(
            `${base}-efs`,
            {
              subnetIds: network.privateSubnetIds,
              securityGroupId: sg.ids.efs,
              services: Object.fromEntries(
                onEfs.map((svc) => [svc, requireData(spec.services[svc].data)]),
              ),
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
    const data = (svc: "mysql" | "search", efs: EcsStorage): FargateService =>
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
            fileSystemId: efs.fileSystemId,
            fileSystemArn: efs.fileSystemArn,
            accessPointId: (efs.accessPoints[svc] as { id: pulumi.Output<string> }).id,
            accessPointArn: (efs.accessPoints[svc] as { arn: pulumi.Output<string> }).arn,
          },
          // Explicit: a task mounts EFS through a mount target in its subnet, and pulls its image
          // (and reads its secrets, ships its logs) through the private subnets' NAT route;
          // neither is an input of the service.
          dependsOn: [...efs.mountTargets, ...network.privateEgressReady],
        },
        { parent: this },
      );
    const containers: Partial<Record<"mysql" | "search", FargateService>> = {};
    for (const svc of containerData) {
      if (storage === undefined) throw new Error("data containers need EFS");
      containers[svc] = data(svc, storage);
    }
    storage?.restrictTo(
      Object.fromEntries(
        Object.entries(containers).map(([svc, service]) => [svc, service.taskRoleArn]),
      ),
    );
    if (managed?.retainContainerData === true) {
      // Shown by every preview and update while the containers' data is kept: the switch from
      // containers is a migration, and the kept file system is the user's to remove.
      pulumi.log.warn(
        `dataServices is "managed" and retainContainerData is true: the EFS file system with the ` +
          `data containers' files (${managedData.join(", ")}) is kept but no longer used. If this ` +
          `stack ran its data in containers until now, this update is a migration: the new ` +
          `RDS instance${managed.search === undefined ? "" : " and OpenSearch domain"} start ` +
          `empty; dump, restore and reindex as docs/operations.md ("Switching to managed data ` +
          `services") says. Once the data is verified, set retainContainerData to false.`,
        this,
      );
    }
    const dataProtection = { protect: spec.data.protect, retainOnDelete: spec.data.retainOnDelete };
    const database =
      managed === undefined
        ? undefined
        : new ManagedDatabase(
            `${base}-rds`,
            {
              spec: managed.database,
              namePrefix: spec.namePrefix,
              subnetIds: network.privateSubnetIds,
              securityGroupId: sg.ids.mysql,
              ...dataProtection,
            },
            { parent: this },
          );
    const searchDomain =
      managed?.search === undefined
        ? undefined
        : new ManagedSearch(
            `${base}-opensearch`,
            {
              spec: managed.search,
              namePrefix: spec.namePrefix,
              subnetIds: network.privateSubnetIds,
              securityGroupId: sg.ids.search,
              ...dataProtection,
            },
            { parent: this },
          );
    const { urlEnv, proxyHopsEnv } = spec.entry;
    const url = spec.entry.publicUrl === undefined ? alb.url : pulumi.output(spec.entry.publicUrl);
    const appEnv: Record<string, pulumi.Input<string>> = {};
    if (urlEnv !== undefined) appEnv[urlEnv] = url;
    // One hop: the ALB, which sets X-Forwarded-For and X-Forwarded-Proto.
    if (proxyHopsEnv !== undefined) appEnv[proxyHopsEnv] = String(ALB_PROXY_HOPS);
    const appReadsSecrets: pulumi.Output<string>[] = [];
    if (managed !== undefined && database !== undefined) {
      const db = managed.database;
      // The URL has no password: the app reads it from the RDS-managed secret, whose ARN it gets
      // (RDS rotates it; a password injected at task start would be refused after a rotation).
      appEnv[db.urlEnv] =
        pulumi.interpolate`mysql://${db.username}@${database.address}:${db.port}/${db.database}?${db.urlQuery}`;
      appEnv[db.passwordSecretEnv] = database.secretArn;
      appReadsSecrets.push(database.secretArn);
    }
    if (managed?.search !== undefined && searchDomain !== undefined) {
      appEnv[managed.search.urlEnv] = pulumi.interpolate`https://${searchDomain.endpoint}`;
      appEnv[managed.search.regionEnv] = ecs.region;
    }
    const app = new FargateService(
      `${base}-app`,
      {
        ...common,
        spec: appSpec,
        extraEnv: appEnv,
        taskReadsSecrets: appReadsSecrets,
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
        // The data services the spec says the app needs (MySQL: boot.sh migrates it); their
        // rollouts are watched, so depending on them means starting after they are healthy (no
        // failed first tasks). Search is not among them: the app serves without it and queues
        // posts for it, so both boot at once (its own rollout still gates `up`). A target group
        // needs its listener before a service can register with it; the NAT route is how the
        // app pulls its image.
        dependsOn: [
          ...alb.listeners,
          ...appSpec.dependsOn.flatMap((svc) => {
            const service = containers[svc as "mysql" | "search"];
            return service === undefined ? [] : [service];
          }),
          ...(database === undefined ? [] : [database]),
          ...(searchDomain === undefined ? [] : [searchDomain]),
          ...network.privateEgressReady,
        ],
      },
      { parent: this },
    );
    // Only the app's task role may call the domain (its role exists before its tasks start).
    searchDomain?.allow(app.taskRoleArn);
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
          database:
            database === undefined
              ? undefined
              : {
                  host: database.address,
                  secretArn: database.secretArn,
                  passwordValueFrom: passwordReference(database.secretArn),
                },
          // Dumps start once MySQL runs, and pull their images through the NAT route.
          dependsOn: [
            ...(containers.mysql === undefined ? [] : [containers.mysql]),
            ...(database === undefined ? [] : [database]),
            ...network.privateEgressReady,
          ],
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
    const running: [string, FargateService][] = [["app", app], ...Object.entries(containers)];
    this.logGroupNames = pulumi
      .all(running.map(([, service]) => service.logGroupName))
      .apply((names) => Object.fromEntries(running.map(([svc], i) => [svc, names[i] as string])));
    this.databaseAddress = database?.address;
    this.searchEndpoint = searchDomain?.endpoint;
    this.registerOutputs({
      url: this.url,
      clusterName: this.clusterName,
      logGroupNames: this.logGroupNames,
      backupBucket: this.backupBucket,
      restore: this.restore,
      databaseAddress: this.databaseAddress,
      searchEndpoint: this.searchEndpoint,
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
