// The public entry: an ALB whose target group checks the app's health endpoint; HTTPS when
// a certificate is configured (HTTP then only redirects).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** Inputs of {@link AppLoadBalancer}. */
interface AppLoadBalancerArgs {
  readonly vpcId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  readonly appPort: number;
  readonly healthPath: string;
  readonly healthIntervalSeconds: number;
  readonly healthTimeoutSeconds: number;
  readonly certificateArn?: string;
  /** The internet gateway and public routes of a created VPC (see the load balancer). */
  readonly internetReady: pulumi.Resource[];
}

/** Seconds the ALB keeps sending in-flight requests to a deregistered task. */
export const DEREGISTRATION_DELAY_SECONDS = 30;
/** Consecutive passing ALB checks before a new task receives traffic. */
export const HEALTHY_THRESHOLD = 2;

/** ALB health-check interval: the container's, but always above the check's timeout. */
export function targetHealthInterval(intervalSeconds: number, timeoutSeconds: number): number {
  return Math.max(intervalSeconds, timeoutSeconds + 1);
}

/** Listener ports the ALB opens for a configuration. */
export function listenerPorts(certificateArn: string | undefined): number[] {
  return certificateArn === undefined ? [80] : [80, 443];
}

/** ALB, app target group and listeners. */
export class AppLoadBalancer extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly targetGroupArn: pulumi.Output<string>;
  /** The listener the app service must wait for (a target group needs one). */
  public readonly listeners: aws.lb.Listener[];

  constructor(name: string, args: AppLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:ecs:AppLoadBalancer", name, {}, opts);
    const parent = { parent: this };
    const lb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal: false,
        securityGroups: [args.securityGroupId],
        subnets: args.subnetIds,
        dropInvalidHeaderFields: true,
      },
      // Explicit: an internet-facing ALB needs its subnets' VPC to have an internet gateway
      // when it is created, and nothing in its inputs refers to the gateway, so without this
      // the API intermittently fails with `InvalidSubnet: VPC … has no internet gateway`.
      { parent: this, dependsOn: args.internetReady },
    );
    const tg = new aws.lb.TargetGroup(
      `${name}-app`,
      {
        vpcId: args.vpcId,
        port: args.appPort,
        protocol: "HTTP",
        targetType: "ip",
        deregistrationDelay: DEREGISTRATION_DELAY_SECONDS,
        healthCheck: {
          path: args.healthPath,
          matcher: "200",
          interval: targetHealthInterval(args.healthIntervalSeconds, args.healthTimeoutSeconds),
          timeout: args.healthTimeoutSeconds,
          healthyThreshold: HEALTHY_THRESHOLD,
          unhealthyThreshold: 3,
        },
      },
      parent,
    );
    const forward = [{ type: "forward", targetGroupArn: tg.arn }];
    if (args.certificateArn === undefined) {
      this.listeners = [
        new aws.lb.Listener(
          `${name}-http`,
          { loadBalancerArn: lb.arn, port: 80, protocol: "HTTP", defaultActions: forward },
          parent,
        ),
      ];
      this.url = pulumi.interpolate`http://${lb.dnsName}`;
    } else {
      this.listeners = [
        new aws.lb.Listener(
          `${name}-https`,
          {
            loadBalancerArn: lb.arn,
            port: 443,
            protocol: "HTTPS",
            sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
            certificateArn: args.certificateArn,
            defaultActions: forward,
          },
          parent,
        ),
        new aws.lb.Listener(
          `${name}-http`,
          {
            loadBalancerArn: lb.arn,
            port: 80,
            protocol: "HTTP",
            defaultActions: [
              {
                type: "redirect",
                redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" },
              },
            ],
          },
          parent,
        ),
      ];
      this.url = pulumi.interpolate`https://${lb.dnsName}`;
    }
    this.targetGroupArn = tg.arn;
    this.registerOutputs({ url: this.url, targetGroupArn: this.targetGroupArn });
  }
}

/** CPU target-tracking autoscaling of the app service between the configured bounds. */
export function appAutoscaling(
  name: string,
  args: {
    clusterName: pulumi.Input<string>;
    serviceName: pulumi.Input<string>;
    min: number;
    max: number;
    cpuPercent: number;
  },
  parent: pulumi.Resource,
): aws.appautoscaling.Policy {
  const target = new aws.appautoscaling.Target(
    `${name}-scaling`,
    {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: pulumi.interpolate`service/${args.clusterName}/${args.serviceName}`,
      minCapacity: args.min,
      maxCapacity: args.max,
    },
    { parent },
  );
  return new aws.appautoscaling.Policy(
    `${name}-cpu`,
    {
      policyType: "TargetTrackingScaling",
      serviceNamespace: target.serviceNamespace,
      scalableDimension: target.scalableDimension,
      resourceId: target.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: args.cpuPercent,
        predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
        scaleInCooldown: 120,
        scaleOutCooldown: 60,
      },
    },
    { parent },
  );
}
