// Security groups: the only flows are internet→ALB, ALB→app, app→MySQL, app→search and
// data services→EFS, plus HTTPS egress for image pulls, secrets and logs.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** Inputs of {@link EcsSecurityGroups}. */
export interface EcsSecurityGroupsArgs {
  readonly vpcId: pulumi.Input<string>;
  /** Listener ports open to the internet on the ALB (80, and 443 with a certificate). */
  readonly publicPorts: readonly number[];
  /** SMTP port the app may reach, when mail is configured. */
  readonly mailPort?: number;
}

/** The internal flows between groups: [from, to, port]. */
export const INTERNAL_FLOWS = [
  ["alb", "app", 5000],
  ["app", "mysql", 3306],
  ["app", "search", 9200],
  ["mysql", "efs", 2049],
  ["search", "efs", 2049],
] as const;

type Group = "alb" | "app" | "mysql" | "search" | "efs";

/** One security group per tier and the exact rules between them. */
export class EcsSecurityGroups extends pulumi.ComponentResource {
  /** Security group id by tier. */
  public readonly ids: Readonly<Record<Group, pulumi.Output<string>>>;

  constructor(name: string, args: EcsSecurityGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:ecs:SecurityGroups", name, {}, opts);
    const parent = { parent: this };
    const groups = {} as Record<Group, aws.ec2.SecurityGroup>;
    for (const g of ["alb", "app", "mysql", "search", "efs"] as const) {
      groups[g] = new aws.ec2.SecurityGroup(
        `${name}-${g}`,
        { vpcId: args.vpcId, description: `Microblog ${g}`, revokeRulesOnDelete: true },
        parent,
      );
    }
    for (const [from, to, port] of INTERNAL_FLOWS) {
      // One flow is two mirrored rules: ingress on the target, egress on the source.
      const rule = (own: keyof typeof groups, peer: keyof typeof groups) => ({
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
    for (const port of args.publicPorts) {
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
    const egressAnywhere = (g: Group, port: number, why: string): void => {
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
    };
    for (const g of ["app", "mysql", "search"] as const)
      egressAnywhere(g, 443, "image pulls, secrets, logs (HTTPS)");
    if (args.mailPort !== undefined && args.mailPort !== 443)
      egressAnywhere("app", args.mailPort, "SMTP");
    this.ids = {
      alb: groups.alb.id,
      app: groups.app.id,
      mysql: groups.mysql.id,
      search: groups.search.id,
      efs: groups.efs.id,
    };
    this.registerOutputs({ ids: this.ids });
  }
}
