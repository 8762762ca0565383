// Rules that need several resources at once: a repository and its lifecycle policy, an
// HTTPS listener and the HTTP listener that must redirect to it.
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { arr, obj, str } from "./values.js";

/** The parts of a stack validation's arguments the rules use (tests stub exactly these). */
export type StackArgs = Pick<
  StackValidationArgs,
  "resources" | "notApplicable" | "stackTags" | "getConfig"
>;

/** A stack rule: reports each violation it finds. */
export type StackRule = (args: StackArgs, report: ReportViolation) => void;

/** The resource a property refers to: by dependency when known, else by equal value. */
function refersTo(
  from: PolicyResource,
  prop: string,
  to: PolicyResource,
  toValue: unknown,
): boolean {
  const deps = from.propertyDependencies?.[prop] ?? [];
  if (deps.some((d) => d.urn === to.urn)) return true;
  return toValue !== undefined && from.props[prop] === toValue;
}

/** Every ECR repository has a lifecycle policy (cost hint: old images are storage you pay for). */
export const ecrLifecyclePolicy: StackRule = (args, report) => {
  const repos = args.resources.filter((r) => r.type === "aws:ecr/repository:Repository");
  if (repos.length === 0) args.notApplicable("no ECR repository");
  const policies = args.resources.filter(
    (r) => r.type === "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  );
  for (const repo of repos) {
    if (!policies.some((p) => refersTo(p, "repository", repo, repo.props.name))) {
      report(`${repo.name}: no aws.ecr.LifecyclePolicy expires its old images`, repo.urn);
    }
  }
};

function redirectsToHttps(listener: PolicyResource): boolean {
  return arr(listener.props.defaultActions).some((a) => {
    const action = obj(a);
    return action?.type === "redirect" && obj(action.redirect)?.protocol === "HTTPS";
  });
}

/** When a load balancer has a certificate, its HTTP listeners redirect to HTTPS. */
export const albHttpsRedirect: StackRule = (args, report) => {
  const listeners = args.resources.filter((r) => r.type === "aws:lb/listener:Listener");
  const https = listeners.filter((l) => (str(l.props.certificateArn) ?? "") !== "");
  if (https.length === 0) args.notApplicable("no listener has a certificate");
  const lbOf = (l: PolicyResource): string =>
    l.propertyDependencies?.loadBalancerArn?.[0]?.urn ?? str(l.props.loadBalancerArn) ?? "";
  const securedLbs = new Set(https.map(lbOf));
  for (const l of listeners) {
    const plain = (str(l.props.protocol) ?? "HTTP") === "HTTP" && !https.includes(l);
    if (plain && securedLbs.has(lbOf(l)) && !redirectsToHttps(l)) {
      report(
        `${l.name}: plain HTTP listener on a load balancer with a certificate must redirect to HTTPS`,
        l.urn,
      );
    }
  }
};
