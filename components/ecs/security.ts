// Security groups derived from the spec's flows: one group per service, the ALB (the entry)
// and EFS; each flow between them becomes one SG-to-SG rule pair, a flow to the internet an
// egress rule. Added here only what Fargate itself needs: data services → EFS (NFS) and HTTPS
// egress for image pulls, secrets and logs.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Flow, ServiceName } from "../spec.js";

/** Inputs of {@link EcsSecurityGroups}. */
interface EcsSecurityGroupsArgs {
  readonly vpcId: pulumi.Input<string>;
  readonly flows: readonly Flow[];
  /** Listener ports open to the internet on the ALB (80, and 443 with a certificate). */
  readonly listenerPorts: readonly number[];
  /** Services whose data lives on EFS. */
  readonly dataServices: readonly ServiceName[];
  /**
   * Services AWS runs (RDS, OpenSearch) behind their group: they get only the flows' ingress,
   * no egress (they open no connection), and no EFS.
   */
  readonly managedServices?: readonly ServiceName[];
}

/** NFS, the port EFS mount targets listen on. */
const NFS_PORT = 2049;
/** HTTPS, which every task needs outbound (ECR, Secrets Manager, CloudWatch Logs). */
const HTTPS_PORT = 443;

type Group = ServiceName | "backup" | "alb" | "efs";

/** One security group per tier and exactly the rules between them. */
export class EcsSecurityGroups extends pulumi.ComponentResource {
  /** Security group id by tier. */
  public readonly ids: Readonly<Record<Exclude<Group, "backup">, pulumi.Output<string>>> & {
    /** The backup task's group, when a flow starts at the backup job. */
    readonly backup?: pulumi.Output<string>;
  };

  constructor(name: string, args: EcsSecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Aliased: the type token before it matched the class name.
    super(
      "microblog:ecs:EcsSecurityGroups",
      name,
      {},
      {
        ...opts,
        aliases: [...(opts?.aliases ?? []), { type: "microblog:ecs:SecurityGroups" }],
      },
    );
    const parent = { parent: this };
    const services: ServiceName[] = ["app", "mysql", "search"];
    // The backup job is a scheduled task, not a service: a group of its own when it has flows.
    const jobs: "backup"[] = args.flows.some((f) => f.from === "backup") ? ["backup"] : [];
    const groups = {} as Record<Group, aws.ec2.SecurityGroup>;
    const managed = args.managedServices ?? [];
    // The same group (and description: changing it replaces the group) whether the service
    // runs as a task or is managed by AWS, so a switch keeps the groups and their rules.
    for (const g of ["alb", ...services, "efs", ...jobs] as const) {
      groups[g] = new aws.ec2.SecurityGroup(
        `${name}-${g}`,
        { vpcId: args.vpcId, description: `Microblog ${g}`, revokeRulesOnDelete: true },
        parent,
      );
    }
    const internal: { from: Group; to: Group; port: number }[] = [
      ...args.flows.flatMap((f) =>
        f.to === "internet"
          ? []
          : [{ from: f.from === "public" ? "alb" : f.from, to: f.to, port: f.port }],
      ),
      ...args.dataServices.map((svc) => ({ from: svc, to: "efs" as const, port: NFS_PORT })),
    ] as { from: Group; to: Group; port: number }[];
    for (const { from, to, port } of internal) {
      // One flow is two mirrored rules: ingress on the target, egress on the source.
      const rule = (own: Group, peer: Group) => ({
        securityGroupId: groups[own].id,
        referencedSecurityGroupId: groups[peer].id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        description: `${from} to ${to}`,
      });
      new aws.vpc.SecurityGroupIngressRule(`${name}-${from}-to-${to}-in`, rule(to, from), parent);
      new aws.vpc.SecurityGroupEgressRule(`${name}-${from}-to-${to}-out`, rule(from, to), parent);
    }
    for (const port of args.listenerPorts) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-internet-to-alb-${port}`,
        {
          securityGroupId: groups.alb.id,
          cidrIpv4: "0.0.0.0/0",
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          description: "internet to ALB",
        },
        parent,
      );
    }
    const egress = [
      ...services
        .filter((g) => !managed.includes(g))
        .map((g) => ({ g, port: HTTPS_PORT, why: "image pulls, secrets, logs (HTTPS)" })),
      ...jobs.map((g) => ({ g, port: HTTPS_PORT, why: "image pulls, secrets, logs, S3 (HTTPS)" })),
      ...args.flows.flatMap((f) =>
        f.to === "internet" && f.from !== "public" && f.port !== HTTPS_PORT
          ? [{ g: f.from, port: f.port, why: f.why }]
          : [],
      ),
    ];
    for (const { g, port, why } of egress) {
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-${g}-egress-${port}`,
        {
          securityGroupId: groups[g].id,
          cidrIpv4: "0.0.0.0/0",
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          description: why,
        },
        parent,
      );
    }
    this.ids = {
      alb: groups.alb.id,
      app: groups.app.id,
      mysql: groups.mysql.id,
      search: groups.search.id,
      efs: groups.efs.id,
      ...(jobs.length > 0 ? { backup: groups.backup.id } : {}),
    };
    this.registerOutputs({ ids: this.ids });
  }
}
