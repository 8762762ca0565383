// Tags on every taggable AWS resource of the program: project, stack and the component that
// declared it, added by one stack transformation (no explicit provider, so no resource moves).
import * as pulumi from "@pulumi/pulumi";

/**
 * The AWS resource types this program declares that take `tags` (their Args have it). A unit
 * test reads @pulumi/aws's type declarations and fails when a recorded type takes tags but is
 * missing here, so a new resource type cannot go untagged unnoticed.
 */
export const TAGGABLE_TYPES: ReadonlySet<string> = new Set([
  "aws:appautoscaling/target:Target",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:ec2/eip:Eip",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/vpc:Vpc",
  "aws:ecr/repository:Repository",
  "aws:ecs/cluster:Cluster",
  "aws:ecs/service:Service",
  "aws:ecs/taskDefinition:TaskDefinition",
  "aws:efs/accessPoint:AccessPoint",
  "aws:efs/fileSystem:FileSystem",
  "aws:iam/role:Role",
  "aws:lb/listener:Listener",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:opensearch/domain:Domain",
  "aws:rds/instance:Instance",
  "aws:rds/parameterGroup:ParameterGroup",
  "aws:rds/subnetGroup:SubnetGroup",
  "aws:s3/bucket:Bucket",
  "aws:secretsmanager/secret:Secret",
  "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
  "aws:servicediscovery/service:Service",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
]);

/**
 * Tags every taggable AWS resource declared from now on with `project`, `stack` and
 * `component` (the logical name of the component that declared it, e.g. `microblog-mysql`).
 * A resource's own tags win over these.
 *
 * In-process stack transformation (`registerStackTransformation`), not the engine-side
 * `registerResourceTransform`/`registerStackTransform`: those run through the engine's callback
 * server, which Pulumi mocks do not offer (they throw "does not support transforms"), so the
 * unit tests could not prove the tags. Every resource here is declared by this program, none by
 * a remote component, which is the only case the in-process form misses.
 */
export function tagEveryResource(): void {
  const components = new WeakMap<pulumi.Resource, string>();
  const base = { project: pulumi.getProject(), stack: pulumi.getStack() };
  pulumi.runtime.registerStackTransformation((args) => {
    if (args.resource instanceof pulumi.ComponentResource) {
      components.set(args.resource, args.name);
      return undefined;
    }
    if (!TAGGABLE_TYPES.has(args.type)) return undefined;
    const parent = args.opts.parent;
    const component = (parent === undefined ? undefined : components.get(parent)) ?? "stack";
    const own = (args.props as { tags?: pulumi.Input<Record<string, pulumi.Input<string>>> }).tags;
    const ours = { ...base, component };
    const tags = own === undefined ? ours : pulumi.output(own).apply((t) => ({ ...ours, ...t }));
    return { props: { ...args.props, tags }, opts: args.opts };
  });
}
