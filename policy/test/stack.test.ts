import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as rules from "../rules/stack.js";
import { checkStack, res } from "./stub.js";

const LISTENER = "aws:lb/listener:Listener";
const REDIRECT = [
  { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
];

describe("ecr-lifecycle-policy", () => {
  const repo = res("aws:ecr/repository:Repository", "app-repo", { name: "microblog-app" });
  it("passes a repository with a lifecycle policy, by dependency or by name", () => {
    const byDep = res(
      "aws:ecr/lifecyclePolicy:LifecyclePolicy",
      "lp",
      { policy: "{}" },
      { repository: [repo] },
    );
    assert.deepEqual(checkStack(rules.ecrLifecyclePolicy, [repo, byDep]), []);
    const byName = res("aws:ecr/lifecyclePolicy:LifecyclePolicy", "lp", {
      repository: "microblog-app",
    });
    assert.deepEqual(checkStack(rules.ecrLifecyclePolicy, [repo, byName]), []);
  });
  it("fails a repository without one", () => {
    assert.deepEqual(checkStack(rules.ecrLifecyclePolicy, [repo]), [
      "app-repo: no aws.ecr.LifecyclePolicy expires its old images",
    ]);
  });
});

describe("alb-https-redirect", () => {
  const lb = res("aws:lb/loadBalancer:LoadBalancer", "alb", {});
  const https = res(
    LISTENER,
    "https",
    { protocol: "HTTPS", port: 443, certificateArn: "arn:aws:acm:x" },
    { loadBalancerArn: [lb] },
  );
  it("does not apply without a certificate", () => {
    const http = res(
      LISTENER,
      "http",
      { protocol: "HTTP", port: 80, defaultActions: [{ type: "forward" }] },
      { loadBalancerArn: [lb] },
    );
    assert.equal(checkStack(rules.albHttpsRedirect, [lb, http]), "n/a");
  });
  it("passes an HTTP listener that redirects", () => {
    const http = res(
      LISTENER,
      "http",
      { protocol: "HTTP", port: 80, defaultActions: REDIRECT },
      { loadBalancerArn: [lb] },
    );
    assert.deepEqual(checkStack(rules.albHttpsRedirect, [lb, https, http]), []);
  });
  it("fails an HTTP listener that forwards beside an HTTPS one", () => {
    const http = res(
      LISTENER,
      "http",
      { protocol: "HTTP", port: 80, defaultActions: [{ type: "forward" }] },
      { loadBalancerArn: [lb] },
    );
    assert.deepEqual(checkStack(rules.albHttpsRedirect, [lb, https, http]), [
      "http: plain HTTP listener on a load balancer with a certificate must redirect to HTTPS",
    ]);
  });
});
