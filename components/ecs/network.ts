// The network the ECS system runs in: a new VPC across two AZs, or an existing one.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { EcsPlacement } from "../spec.js";

/** Inputs of {@link EcsNetwork}. */
interface EcsNetworkArgs {
  /** Existing VPC and subnets; undefined = create them. */
  readonly existing?: EcsPlacement["existingVpc"];
}

/** Number of availability zones the created VPC spans. */
const AZ_COUNT = 2;

/** VPC with public subnets (load balancer, NAT) and private subnets (tasks, EFS). */
export class EcsNetwork extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly publicSubnetIds: pulumi.Output<string>[];
  public readonly privateSubnetIds: pulumi.Output<string>[];
  /**
   * What makes the public subnets public (internet gateway, the route table with its default
   * route, its associations); empty for an existing VPC, whose routes are already in place.
   */
  public readonly internetReady: pulumi.Resource[];
  /**
   * What gives the private subnets their way out (NAT gateway, the route table with its default
   * route, its associations): tasks pull images, read secrets and ship logs through it. Empty for
   * an existing VPC (its NAT gateway or VPC endpoints are already in place).
   */
  public readonly privateEgressReady: pulumi.Resource[];

  constructor(name: string, args: EcsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    // Aliased: the type token before it matched the class name.
    super(
      "microblog:ecs:EcsNetwork",
      name,
      {},
      {
        ...opts,
        aliases: [...(opts?.aliases ?? []), { type: "microblog:ecs:Network" }],
      },
    );
    if (args.existing !== undefined) {
      this.vpcId = pulumi.output(args.existing.vpcId);
      this.publicSubnetIds = args.existing.publicSubnetIds.map((id) => pulumi.output(id));
      this.privateSubnetIds = args.existing.privateSubnetIds.map((id) => pulumi.output(id));
      this.internetReady = [];
      this.privateEgressReady = [];
    } else {
      const created = this.createVpc(name);
      this.vpcId = created.vpcId;
      this.publicSubnetIds = created.publicSubnetIds;
      this.privateSubnetIds = created.privateSubnetIds;
      this.internetReady = created.internetReady;
      this.privateEgressReady = created.privateEgressReady;
    }
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }

  private createVpc(name: string): {
    vpcId: pulumi.Output<string>;
    publicSubnetIds: pulumi.Output<string>[];
    privateSubnetIds: pulumi.Output<string>[];
    internetReady: pulumi.Resource[];
    privateEgressReady: pulumi.Resource[];
  } {
    const parent = { parent: this };
    const azs = aws.getAvailabilityZonesOutput({ state: "available" }, parent);
    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: "10.0.0.0/16", enableDnsSupport: true, enableDnsHostnames: true },
      parent,
    );
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, parent);
    const publicRt = new aws.ec2.RouteTable(
      `${name}-public-rt`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] },
      parent,
    );
    const subnet = (tier: "public" | "private", i: number): aws.ec2.Subnet =>
      new aws.ec2.Subnet(
        `${name}-${tier}-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: `10.0.${tier === "public" ? i : 10 + i}.0/24`,
          availabilityZone: azs.names.apply((n) => n[i] as string),
          mapPublicIpOnLaunch: false,
        },
        parent,
      );
    const publics = [...Array(AZ_COUNT).keys()].map((i) => subnet("public", i));
    const privates = [...Array(AZ_COUNT).keys()].map((i) => subnet("private", i));
    const publicAssociations = publics.map(
      (s, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-public-${i}`,
          { subnetId: s.id, routeTableId: publicRt.id },
          parent,
        ),
    );
    // One NAT gateway keeps the bill down; tasks reach ECR, Secrets Manager and logs through it.
    const eip = new aws.ec2.Eip(`${name}-nat-ip`, { domain: "vpc" }, parent);
    const nat = new aws.ec2.NatGateway(
      `${name}-nat`,
      { allocationId: eip.id, subnetId: (publics[0] as aws.ec2.Subnet).id },
      { parent: this, dependsOn: [igw] },
    );
    const privateRt = new aws.ec2.RouteTable(
      `${name}-private-rt`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] },
      parent,
    );
    const privateAssociations = privates.map(
      (s, i) =>
        new aws.ec2.RouteTableAssociation(
          `${name}-private-${i}`,
          { subnetId: s.id, routeTableId: privateRt.id },
          parent,
        ),
    );
    return {
      vpcId: vpc.id,
      publicSubnetIds: publics.map((s) => s.id),
      privateSubnetIds: privates.map((s) => s.id),
      internetReady: [igw, publicRt, ...publicAssociations],
      privateEgressReady: [nat, privateRt, ...privateAssociations],
    };
  }
}
