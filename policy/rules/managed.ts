// Rules on the managed data services of an ECS stack (dataServices: managed): the RDS instance
// and the OpenSearch domain stay private and encrypted, the domain admits no anonymous caller,
// and a stack that still keeps its data containers' EFS beside them is told it is mid-migration.
import type { PolicyResource } from "@pulumi/policy";
import type { ResourceRule, RuleArgs } from "./containers.js";
import type { StackRule } from "./stack.js";
import { arr, isKnown, known, num, obj, str } from "./values.js";

export const RDS_INSTANCE = "aws:rds/instance:Instance";
export const OPENSEARCH_DOMAIN = "aws:opensearch/domain:Domain";
export const OPENSEARCH_POLICY = "aws:opensearch/domainPolicy:DomainPolicy";

function only(args: RuleArgs, ...types: string[]): void {
  if (!types.includes(args.type)) args.notApplicable(`applies to ${types.join(", ")}`);
}

/** RDS: not publicly accessible, encrypted storage, automated backups on. */
export const rdsPrivateEncryptedBackedUp: ResourceRule = (args, report) => {
  only(args, RDS_INSTANCE);
  const p = args.props;
  if (p.publiclyAccessible === true) {
    report(`${args.name}: publiclyAccessible is true; keep the instance in private subnets`);
  }
  if (p.storageEncrypted !== true) report(`${args.name}: set storageEncrypted: true`);
  // The API's default retention is 1 day; 0 turns automated backups (and PITR) off.
  const retention = num(p.backupRetentionPeriod) ?? 1;
  if (retention < 1) {
    report(`${args.name}: backupRetentionPeriod ${retention} turns automated backups off`);
  }
};

/** OpenSearch: VPC access only, encrypted at rest, node to node and over HTTPS (TLS 1.2+). */
export const openSearchPrivateEncrypted: ResourceRule = (args, report) => {
  only(args, OPENSEARCH_DOMAIN);
  const p = args.props;
  const vpc = known(() => arr(obj(p.vpcOptions)?.subnetIds));
  if (isKnown(vpc) && vpc.length === 0) {
    report(`${args.name}: no vpcOptions: the domain would have a public endpoint`);
  }
  if (obj(p.encryptAtRest)?.enabled !== true) {
    report(`${args.name}: set encryptAtRest.enabled: true`);
  }
  if (obj(p.nodeToNodeEncryption)?.enabled !== true) {
    report(`${args.name}: set nodeToNodeEncryption.enabled: true`);
  }
  const endpoint = obj(p.domainEndpointOptions);
  const tls = str(endpoint?.tlsSecurityPolicy) ?? "Policy-Min-TLS-1-0-2019-07";
  if (endpoint?.enforceHttps !== true || !tls.startsWith("Policy-Min-TLS-1-2")) {
    report(
      `${args.name}: set domainEndpointOptions { enforceHttps: true, tlsSecurityPolicy: TLS 1.2 or later }`,
    );
  }
};

/** True when a statement lets anyone in: principal * (or AWS *) with no condition. */
function anonymousAllow(statement: unknown): boolean {
  const st = obj(statement);
  if (st?.Effect !== "Allow" || st.Condition !== undefined) return false;
  const principal = st.Principal;
  if (principal === "*") return true;
  const aws = obj(principal)?.AWS;
  return aws === "*" || (Array.isArray(aws) && aws.includes("*"));
}

/** The domain's access policy names its callers: no unconditional Allow for `*`. */
export const openSearchNoAnonymousAccess: ResourceRule = (args, report) => {
  only(args, OPENSEARCH_DOMAIN, OPENSEARCH_POLICY);
  const text = known(() => str(args.props.accessPolicies));
  if (!isKnown(text) || text === undefined || text === "") return;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    report(`${args.name}: accessPolicies is not JSON`);
    return;
  }
  const statements = obj(doc)?.Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  if (list.some(anonymousAllow)) {
    report(`${args.name}: the access policy allows principal "*"; name the app's task role`);
  }
};

/** Root directory of an EFS access point, e.g. "/mysql". */
const apRoot = (r: PolicyResource): string | undefined => str(obj(r.props.rootDirectory)?.path);

/**
 * Advisory: managed services beside the data containers' kept EFS data. That is the state of a
 * stack switched from containers to managed (retainContainerData): the RDS instance and the
 * domain start empty, so the data must be moved (docs/operations.md), and the file system is
 * kept until the user drops it. A policy sees no earlier state, so this is how it sees a switch.
 */
export const managedDataMigration: StackRule = (args, report) => {
  const rds = args.resources.filter((r) => r.type === RDS_INSTANCE);
  if (rds.length === 0) args.notApplicable("no RDS instance (data services run as containers)");
  const services = args.resources
    .filter((r) => r.type === "aws:ecs/service:Service")
    .map((r) => str(r.props.name) ?? r.name);
  const domains = args.resources.filter((r) => r.type === OPENSEARCH_DOMAIN);
  const pairs: [string, PolicyResource[]][] = [
    ["mysql", rds],
    ["search", domains],
  ];
  for (const [svc, managed] of pairs) {
    if (managed.length === 0 || services.includes(svc)) continue;
    for (const ap of args.resources.filter(
      (r) => r.type === "aws:efs/accessPoint:AccessPoint" && apRoot(r) === `/${svc}`,
    )) {
      report(
        `${ap.name}: the ${svc} container's data on EFS is kept beside ${managed
          .map((m) => m.name)
          .join(", ")}, which started empty: if this stack switched from containers, ` +
          `move the data (dump, restore, reindex: docs/operations.md "Switching to managed data ` +
          `services"), then set retainContainerData to false to drop the file system`,
        ap.urn,
      );
    }
  }
};
