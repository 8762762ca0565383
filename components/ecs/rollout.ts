// `pulumi up` waits here until an ECS service's new deployment has finished, and fails with the
// service's own account of why when it does not (see rollout-watch.ts). The AWS provider's
// `waitForSteadyState` does the waiting too, but its error names only the final state, so a
// failed first deploy would send the user to the console to find out what happened.
//
// A dynamic resource: its provider runs in Pulumi's Node.js dynamic-provider host, which gets the
// functions below serialized by their source text. They load the AWS SDK with `require` when they
// run (resolved from the project's node_modules) and capture nothing else that was imported.
import * as pulumi from "@pulumi/pulumi";
import type { RolloutApi, StoppedTaskView } from "./rollout-watch.js";
import { waitForRollout } from "./rollout-watch.js";

/** What the watch is told; the identity fields (all but the timing) decide whether it reruns. */
export interface RolloutInputs {
  readonly region: string;
  /** The `aws:profile` the AWS provider uses, so the SDK reads the same credentials. */
  readonly profile: string;
  readonly cluster: string;
  readonly service: string;
  readonly taskDefinition: string;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
}

/** Fields whose change means a new deployment to watch. */
const IDENTITY = ["region", "cluster", "service", "taskDefinition"] as const;

/** An ECS API client for the watch, in the region and profile of the stack's AWS provider. */
function ecsApi(region: string, profile: string): RolloutApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ecs = require("@aws-sdk/client-ecs") as typeof import("@aws-sdk/client-ecs");
  // AWS_ENDPOINT_URL_ECS (the SDK's standard endpoint override) is honoured by the client.
  const client = new ecs.ECSClient(profile === "" ? { region } : { region, profile });
  return {
    async describeService(cluster, service) {
      const out = await client.send(
        new ecs.DescribeServicesCommand({ cluster, services: [service] }),
      );
      return out.services?.[0];
    },
    async stoppedTasks(cluster, service, limit) {
      const list = await client.send(
        new ecs.ListTasksCommand({
          cluster,
          serviceName: service,
          desiredStatus: "STOPPED",
          maxResults: limit,
        }),
      );
      const arns = list.taskArns ?? [];
      if (arns.length === 0) return [];
      const out = await client.send(new ecs.DescribeTasksCommand({ cluster, tasks: arns }));
      const tasks: StoppedTaskView[] = out.tasks ?? [];
      const at = (t: StoppedTaskView) => (t.stoppedAt ? new Date(t.stoppedAt).getTime() : 0);
      return [...tasks].sort((a, b) => at(b) - at(a));
    },
  };
}

async function watch(inputs: RolloutInputs): Promise<Record<string, unknown>> {
  const result = await waitForRollout(ecsApi(inputs.region, inputs.profile), inputs, {
    timeoutMs: inputs.timeoutSeconds * 1000,
    pollMs: inputs.pollSeconds * 1000,
  });
  return { ...inputs, deploymentId: result.deploymentId, runningCount: result.runningCount };
}

const provider: pulumi.dynamic.ResourceProvider<RolloutInputs> = {
  async create(inputs) {
    const outs = await watch(inputs);
    return { id: `${inputs.cluster}/${inputs.service}`, outs };
  },
  async diff(_id, olds: RolloutInputs, news) {
    const changed = IDENTITY.filter((k) => olds[k] !== news[k]);
    const timing =
      olds.timeoutSeconds !== news.timeoutSeconds || olds.pollSeconds !== news.pollSeconds;
    return {
      changes: changed.length > 0 || timing,
      replaces: changed.filter((k) => k === "cluster" || k === "service"),
      deleteBeforeReplace: false,
    };
  },
  async update(_id, olds: RolloutInputs, news) {
    // Only the timing changed: nothing was deployed, so there is nothing to wait for.
    if (IDENTITY.every((k) => olds[k] === news[k])) return { outs: { ...olds, ...news } };
    return { outs: await watch(news) };
  },
  // Deleting the watch leaves the service alone.
  async delete() {},
};

/** Waits for `service` to finish deploying `taskDefinition`; fails `up` with its events if not. */
export class ServiceRollout extends pulumi.dynamic.Resource {
  declare public readonly deploymentId: pulumi.Output<string>;
  declare public readonly runningCount: pulumi.Output<number>;

  constructor(
    name: string,
    args: { [K in keyof RolloutInputs]: pulumi.Input<RolloutInputs[K]> },
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      provider,
      name,
      { ...args, deploymentId: undefined, runningCount: undefined },
      opts,
      "ecs",
      "ServiceRollout",
    );
  }
}
