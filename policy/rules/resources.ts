// Rules on single non-container resources: images, volumes, ECR, EFS, logs, ECS services.
import type { ResourceRule, RuleArgs } from "./containers.js";
import { DOCKER_CONTAINER } from "./facts.js";
import { dataKindOf, splitEnv, stackOf, unpinnedImageReason } from "./inspect.js";
import { arr, isKnown, known, num, obj, str } from "./values.js";

/** Policy config of `data-protected-outside-dev`. */
export interface ProtectionConfig {
  /** Stacks whose data may be deleted freely. Default: ["dev"]. */
  readonly unprotectedStacks?: readonly string[];
}

/** A string input, or undefined when absent or unknown during preview. */
function maybeStr(read: () => unknown): string | undefined {
  const v = known(read);
  return isKnown(v) ? str(v) : undefined;
}

/** Stops unless the resource has one of the given types. */
function only(args: RuleArgs, ...types: string[]): void {
  if (!types.includes(args.type)) args.notApplicable(`applies to ${types.join(", ")}`);
}

/** Image resources name a version tag or digest (docker Image / RemoteImage). */
export const imageResourcePinned: ResourceRule = (args, report) => {
  only(args, "docker:index/image:Image", "docker:index/remoteImage:RemoteImage");
  const ref = known(() => str(args.props.imageName) ?? str(args.props.name));
  if (!isKnown(ref)) return; // e.g. a registry URL not created yet; checked on up
  const why = ref === undefined ? "no image name" : unpinnedImageReason(ref);
  if (why) report(`${args.name}: ${why}; tag it with a version or pin a digest`);
};

/**
 * Docker volumes, EFS file systems, RDS instances and OpenSearch domains are protected on every
 * stack but the unprotected ones.
 */
export const dataProtectedOutsideDev: ResourceRule = (args, report) => {
  only(
    args,
    "docker:index/volume:Volume",
    "aws:efs/fileSystem:FileSystem",
    "aws:rds/instance:Instance",
    "aws:opensearch/domain:Domain",
  );
  const stack = stackOf(args.urn);
  const free = args.getConfig<ProtectionConfig>().unprotectedStacks ?? ["dev"];
  if (free.includes(stack)) args.notApplicable(`stack "${stack}" may drop its data`);
  if (!args.opts.protect) {
    report(`${args.name}: holds data on stack "${stack}" but is not protected: set protect: true`);
  }
};

/** Data containers on Docker publish ports on loopback only (the local "no public IP"). */
export const dataPortsOnLoopback: ResourceRule = (args, report) => {
  only(args, DOCKER_CONTAINER);
  const envs = known(() => arr(args.props.envs).map((e) => splitEnv(String(e))[0]));
  const kind = dataKindOf({
    names: [args.name, maybeStr(() => args.props.name) ?? ""],
    image: maybeStr(() => args.props.image),
    envNames: isKnown(envs) ? envs : [],
  });
  if (kind === undefined) args.notApplicable("not a data service");
  // Copy each port out of the runtime's proxy; an unknown field means "check on up".
  const ports = known(() =>
    arr(args.props.ports).map((p) => ({ ip: str(obj(p)?.ip), internal: obj(p)?.internal })),
  );
  if (!isKnown(ports)) return;
  for (const p of ports) {
    const ip = p.ip ?? "0.0.0.0";
    if (ip !== "127.0.0.1" && ip !== "::1") {
      report(
        `${args.name}: ${kind} port ${String(p.internal)} is published on ${ip}: bind 127.0.0.1`,
      );
    }
  }
};

/** ECS data services get no public IP. */
export const ecsDataServiceNoPublicIp: ResourceRule = (args, report) => {
  only(args, "aws:ecs/service:Service");
  const kind = dataKindOf({
    names: [args.name, maybeStr(() => args.props.name) ?? ""],
    envNames: [],
  });
  if (kind === undefined) args.notApplicable("not a data service");
  if (obj(args.props.networkConfiguration)?.assignPublicIp === true) {
    report(`${args.name}: ${kind} service has assignPublicIp: true; keep it in private subnets`);
  }
};

/** ECS app services roll back a failed deployment (circuit breaker with rollback). */
export const ecsCircuitBreaker: ResourceRule = (args, report) => {
  only(args, "aws:ecs/service:Service");
  const kind = dataKindOf({
    names: [args.name, maybeStr(() => args.props.name) ?? ""],
    envNames: [],
  });
  if (kind !== undefined) args.notApplicable("data services run one task and never roll");
  const cb = obj(args.props.deploymentCircuitBreaker);
  if (cb?.enable !== true || cb.rollback !== true) {
    report(`${args.name}: set deploymentCircuitBreaker { enable: true, rollback: true }`);
  }
};

/** ECR repositories scan images on push. */
export const ecrScanOnPush: ResourceRule = (args, report) => {
  only(args, "aws:ecr/repository:Repository");
  if (obj(args.props.imageScanningConfiguration)?.scanOnPush !== true) {
    report(`${args.name}: set imageScanningConfiguration.scanOnPush: true`);
  }
};

/** ECR tags are immutable, so a tag always names the image that was reviewed. */
export const ecrImmutableTags: ResourceRule = (args, report) => {
  only(args, "aws:ecr/repository:Repository");
  const m = str(args.props.imageTagMutability) ?? "MUTABLE";
  if (!m.startsWith("IMMUTABLE")) report(`${args.name}: imageTagMutability is ${m}: use IMMUTABLE`);
};

/** EFS file systems are encrypted at rest. */
export const efsEncrypted: ResourceRule = (args, report) => {
  only(args, "aws:efs/fileSystem:FileSystem");
  if (args.props.encrypted !== true) report(`${args.name}: set encrypted: true`);
};

/** EFS volumes of task definitions use TLS in transit. */
export const efsTransitEncryption: ResourceRule = (args, report) => {
  only(args, "aws:ecs/taskDefinition:TaskDefinition");
  for (const v of arr(args.props.volumes).map(obj)) {
    const efs = obj(v?.efsVolumeConfiguration);
    if (efs && efs.transitEncryption !== "ENABLED") {
      report(`${args.name}: EFS volume ${String(v?.name)} needs transitEncryption: "ENABLED"`);
    }
  }
};

/** Log groups expire their events (cost hint). */
export const logRetention: ResourceRule = (args, report) => {
  only(args, "aws:cloudwatch/logGroup:LogGroup");
  const days = num(args.props.retentionInDays) ?? 0;
  if (days <= 0) report(`${args.name}: no retentionInDays, logs are kept (and billed) forever`);
};

/** ECS clusters have Container Insights on (cost hint: it is billed, but it is how you see load). */
export const ecsContainerInsights: ResourceRule = (args, report) => {
  only(args, "aws:ecs/cluster:Cluster");
  const setting = arr(args.props.settings)
    .map(obj)
    .find((s) => s?.name === "containerInsights");
  if (setting?.value !== "enabled" && setting?.value !== "enhanced") {
    report(`${args.name}: containerInsights is not enabled`);
  }
};
