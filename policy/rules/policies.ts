// The pack's policy list: names, levels and descriptions over the rule functions. Security and
// reliability rules are mandatory; cost hints are advisory. index.ts wraps this in a PolicyPack.
import type { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as c from "./containers.js";
import * as m from "./managed.js";
import * as r from "./resources.js";
import * as s from "./stack.js";

type Level = "mandatory" | "advisory";

function resource(
  name: string,
  level: Level,
  description: string,
  rule: c.ResourceRule,
): ResourceValidationPolicy {
  // The runtime passes full ResourceValidationArgs, a superset of RuleArgs.
  return { name, description, enforcementLevel: level, validateResource: rule };
}

function stack(
  name: string,
  level: Level,
  description: string,
  rule: s.StackRule,
): StackValidationPolicy {
  return { name, description, enforcementLevel: level, validateStack: rule };
}

/** Every policy of the pack, in the order they are reported. */
export const policies: Policies = [
  resource(
    "no-plaintext-credentials",
    "mandatory",
    "No credential in plain Docker envs or ECS environment.",
    c.noPlaintextCredentials,
  ),
  resource(
    "ecs-secrets-by-reference",
    "mandatory",
    "ECS credentials come only from secrets[].valueFrom (Secrets Manager / SSM).",
    c.ecsSecretsByReference,
  ),
  resource("non-root-user", "mandatory", "Containers run as a non-root user.", c.nonRootUser),
  resource("no-privileged-containers", "mandatory", "No privileged containers.", c.noPrivileged),
  resource("memory-limit", "mandatory", "Every container has a memory limit.", c.memoryLimit),
  resource("health-check", "mandatory", "Every container has a health check.", c.healthCheck),
  resource(
    "restart-policy",
    "mandatory",
    "Every container is restarted when it dies.",
    c.restartPolicy,
  ),
  resource(
    "image-pinned",
    "mandatory",
    "Container images are pinned by version or digest, never latest.",
    c.containerImagePinned,
  ),
  resource(
    "image-resource-pinned",
    "mandatory",
    "Built and pulled images carry a version tag or digest.",
    r.imageResourcePinned,
  ),
  resource("ecs-logging", "mandatory", "ECS containers ship their logs.", c.ecsLogging),
  resource(
    "data-on-durable-volume",
    "mandatory",
    "MySQL and search data live on named volumes or EFS.",
    c.dataOnDurableVolume,
  ),
  {
    ...resource(
      "data-protected-outside-dev",
      "mandatory",
      "Data volumes, EFS, RDS instances and OpenSearch domains are protected outside dev.",
      r.dataProtectedOutsideDev,
    ),
    configSchema: {
      properties: {
        unprotectedStacks: { type: "array", items: { type: "string" }, default: ["dev"] },
      },
    },
  },
  resource(
    "data-ports-loopback",
    "mandatory",
    "Docker data services publish ports on loopback only.",
    r.dataPortsOnLoopback,
  ),
  resource(
    "ecs-data-no-public-ip",
    "mandatory",
    "ECS data services get no public IP.",
    r.ecsDataServiceNoPublicIp,
  ),
  resource(
    "ecs-circuit-breaker",
    "mandatory",
    "The ECS app service has a deployment circuit breaker with rollback.",
    r.ecsCircuitBreaker,
  ),
  resource(
    "ecr-scan-on-push",
    "mandatory",
    "ECR repositories scan images on push.",
    r.ecrScanOnPush,
  ),
  resource("ecr-immutable-tags", "mandatory", "ECR image tags are immutable.", r.ecrImmutableTags),
  resource("efs-encrypted", "mandatory", "EFS file systems are encrypted at rest.", r.efsEncrypted),
  resource(
    "efs-transit-encryption",
    "mandatory",
    "EFS volumes use transit encryption.",
    r.efsTransitEncryption,
  ),
  stack(
    "alb-https-redirect",
    "mandatory",
    "With a certificate, HTTP listeners redirect to HTTPS.",
    s.albHttpsRedirect,
  ),
  resource(
    "rds-private-encrypted-backed-up",
    "mandatory",
    "RDS instances are not publicly accessible, encrypt storage and keep automated backups.",
    m.rdsPrivateEncryptedBackedUp,
  ),
  resource(
    "opensearch-private-encrypted",
    "mandatory",
    "OpenSearch domains are VPC-only and encrypted at rest, node to node and in transit (TLS 1.2+).",
    m.openSearchPrivateEncrypted,
  ),
  resource(
    "opensearch-no-anonymous-access",
    "mandatory",
    "OpenSearch access policies name their principals (no unconditional *).",
    m.openSearchNoAnonymousAccess,
  ),
  stack(
    "managed-data-migration",
    "advisory",
    "Managed data services beside the containers' kept EFS data: a containers-to-managed switch needs the documented migration.",
    m.managedDataMigration,
  ),
  resource(
    "log-retention",
    "advisory",
    "Cost hint: log groups have a retention period.",
    r.logRetention,
  ),
  stack(
    "ecr-lifecycle-policy",
    "advisory",
    "Cost hint: ECR repositories expire old images.",
    s.ecrLifecyclePolicy,
  ),
  resource(
    "ecs-container-insights",
    "advisory",
    "Cost/visibility hint: Container Insights on the cluster.",
    r.ecsContainerInsights,
  ),
];
