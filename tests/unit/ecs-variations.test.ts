// Variations of the ecs stack's config under Pulumi mocks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { containers } from "./ecs-helpers.js";
import { evaluate, find, ofType, resolve } from "./mocks.js";

describe("ecs stack variations", () => {
  it("serves HTTPS with a certificate and redirects HTTP", async () => {
    const cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123";
    const { resources, outputs } = await evaluate("ecs", { certificateArn: cert });
    const https = find(resources, "aws:lb/listener:Listener", "microblog-lb-https").inputs;
    assert.equal(https.port, 443);
    assert.equal(https.certificateArn, cert);
    assert.deepEqual(
      find(resources, "aws:lb/listener:Listener", "microblog-lb-http").inputs.defaultActions,
      [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
    );
    const publicIn = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.inputs.cidrIpv4 !== undefined)
      .map((r) => r.inputs.fromPort);
    assert.deepEqual(publicIn, [80, 443]);
    assert.equal(
      (await resolve(outputs.url)).value,
      "https://microblog-lb-alb.us-east-1.elb.amazonaws.com",
    );
    // The app learns it is served over HTTPS: absolute links and a TLS-only session cookie.
    const env = Object.fromEntries(
      (containers(resources, "app")[0]?.environment ?? []).map((e) => [e.name, e.value]),
    );
    assert.equal(env.PUBLIC_URL, "https://microblog-lb-alb.us-east-1.elb.amazonaws.com");
    assert.equal(env.SESSION_COOKIE_SECURE, "true");
  });

  it("serves a configured public URL: output, PUBLIC_URL, one trusted proxy", async () => {
    const cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123";
    const { resources, outputs } = await evaluate("ecs", {
      certificateArn: cert,
      publicUrl: "https://blog.example.com",
    });
    assert.equal((await resolve(outputs.url)).value, "https://blog.example.com");
    const env = Object.fromEntries(
      (containers(resources, "app")[0]?.environment ?? []).map((e) => [e.name, e.value]),
    );
    assert.equal(env.PUBLIC_URL, "https://blog.example.com");
    assert.equal(env.SESSION_COOKIE_SECURE, "true");
    assert.equal(env.TRUSTED_PROXIES, "1");
  });

  it("allows ECS Exec only when enableExecuteCommand is on", async () => {
    const off = (await evaluate("ecs")).resources;
    const on = (await evaluate("ecs", { enableExecuteCommand: "true" })).resources;
    for (const svc of ["app", "mysql", "search"]) {
      const name = `microblog-${svc}-service`;
      assert.equal(find(off, "aws:ecs/service:Service", name).inputs.enableExecuteCommand, false);
      assert.equal(find(on, "aws:ecs/service:Service", name).inputs.enableExecuteCommand, true);
      const exec = find(on, "aws:iam/rolePolicy:RolePolicy", `microblog-${svc}-exec`);
      assert.equal(exec.inputs.role, `microblog-${svc}-task-id`, "on the task role");
      assert.deepEqual(JSON.parse(String(exec.inputs.policy)).Statement, [
        {
          Effect: "Allow",
          Action: [
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
          ],
          Resource: "*",
        },
      ]);
      // The task definition waits for it like for the role's other policies.
      assert.ok(
        find(
          on,
          "aws:ecs/taskDefinition:TaskDefinition",
          `microblog-${svc}-taskdef`,
        ).dependencies.includes(`aws:iam/rolePolicy:RolePolicy::microblog-${svc}-exec`),
      );
    }
    assert.deepEqual(
      ofType(off, "aws:iam/rolePolicy:RolePolicy").filter((r) => r.name.endsWith("-exec")),
      [],
    );
  });

  it("runs OpenSearch over plain HTTP without the official image's demo security", async () => {
    const { resources } = await evaluate("ecs", { searchEngine: "opensearch" });
    const search = containers(resources, "search")[0];
    const env = Object.fromEntries((search?.environment ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.DISABLE_INSTALL_DEMO_CONFIG, "true");
    assert.equal(env.DISABLE_SECURITY_PLUGIN, "true");
    assert.equal(env["discovery.type"], "single-node");
    assert.equal(search?.image, "opensearchproject/opensearch:2.19.3");
    // Its own EFS directory: OpenSearch cannot start on Elasticsearch's files.
    const ap = find(resources, "aws:efs/accessPoint:AccessPoint", "microblog-efs-search");
    assert.equal((ap.inputs.rootDirectory as { path: string }).path, "/search-opensearch");
  });

  it("delivers the Translator key through Secrets Manager, never as plain env", async () => {
    const { resources } = await evaluate("ecs", {
      msTranslatorKey: { secret: "translator-key" },
      msTranslatorRegion: "westeurope",
    });
    const app = containers(resources, "app")[0];
    assert.ok(app?.secrets?.some((s) => s.name === "MS_TRANSLATOR_KEY"));
    assert.ok(!JSON.stringify(app?.environment ?? []).includes("translator-key"));
    assert.ok(
      app?.environment?.some((e) => e.name === "MS_TRANSLATOR_REGION" && e.value === "westeurope"),
    );
  });

  it("uses an existing VPC without creating network resources", async () => {
    const { resources } = await evaluate("ecs", {
      vpcId: "vpc-0123456789abcdef0",
      publicSubnetIds: '["subnet-0000000000000000a","subnet-0000000000000000b"]',
      privateSubnetIds: '["subnet-0000000000000000c","subnet-0000000000000000d"]',
    });
    assert.deepEqual(ofType(resources, "aws:ec2/vpc:Vpc"), []);
    assert.deepEqual(ofType(resources, "aws:ec2/natGateway:NatGateway"), []);
    assert.deepEqual(
      ofType(resources, "aws:efs/mountTarget:MountTarget").map((m) => m.inputs.subnetId),
      ["subnet-0000000000000000c", "subnet-0000000000000000d"],
    );
    assert.deepEqual(
      find(resources, "aws:lb/loadBalancer:LoadBalancer", "microblog-lb-alb").inputs.subnets,
      ["subnet-0000000000000000a", "subnet-0000000000000000b"],
    );
  });

  it("protects and retains the file system when configured, and adds the mail password secret", async () => {
    const { resources } = await evaluate("ecs", {
      dataProtect: "true",
      dataRetainOnDelete: "true",
      mailServer: "smtp.example.com",
      mailPort: "587",
      mailPassword: { secret: "smtp-pw" },
    });
    const fs = find(resources, "aws:efs/fileSystem:FileSystem", "microblog-efs-fs");
    assert.deepEqual([fs.protect, fs.retainOnDelete], [true, true]);
    assert.deepEqual(
      containers(resources, "app")[0]?.secrets?.map((s) => s.name),
      ["DATABASE_URL", "MAIL_PASSWORD", "SECRET_KEY"],
    );
    const egress = ofType(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").map(
      (r) => r.name,
    );
    assert.ok(egress.includes("microblog-sg-app-egress-587"));
  });
});
