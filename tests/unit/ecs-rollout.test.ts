// The ecs stack's rollout under Pulumi mocks: every service's rollout is waited for within a
// timeout that lets the circuit breaker trip and roll back, and the engine orders what the AWS
// APIs need but no input expresses (internet gateway before the ALB, NAT route before tasks,
// role policies before task definitions).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { steadyStateTimeout } from "../../components/ecs/service.js";
import { evaluate, find, type Recorded } from "./mocks.js";

const SERVICE = "aws:ecs/service:Service";
const ROLLOUT = "pulumi-nodejs:dynamic/ecs:ServiceRollout";
const has = (r: Recorded, ...deps: string[]) => {
  for (const d of deps) assert.ok(r.dependencies.includes(d), `${r.name} waits for ${d}`);
};

describe("ecs stack rollout", () => {
  let resources: Recorded[];
  before(async () => {
    ({ resources } = await evaluate("ecs"));
  });

  it("sizes the steady-state wait from the health checks, stop grace and circuit breaker", () => {
    const health = {
      command: ["true"],
      intervalSeconds: 10,
      timeoutSeconds: 5,
      retries: 10,
      startPeriodSeconds: 60,
      startIntervalSeconds: 1,
    };
    // (pull 180 + start 60 + 10 × 15 + stop 60) × (3 failed + 1 rollback) + 300 = 2100 s.
    assert.deepEqual(steadyStateTimeout({ health, stopGraceSeconds: 60, maxCount: 1 }), {
      minutes: 35,
      failedTasksToTrip: 3,
    });
    const lb = { intervalSeconds: 10, healthyThreshold: 2, deregistrationDelaySeconds: 30 };
    // 20 tasks trip the breaker after 10 failures.
    assert.equal(
      steadyStateTimeout({ health, stopGraceSeconds: 30, maxCount: 20, loadBalancer: lb })
        .failedTasksToTrip,
      10,
    );
    // A longer start period lengthens the wait.
    const slow = { ...health, startPeriodSeconds: 300 };
    assert.ok(
      steadyStateTimeout({ health: slow, stopGraceSeconds: 60, maxCount: 1 }).minutes >
        steadyStateTimeout({ health, stopGraceSeconds: 60, maxCount: 1 }).minutes,
    );
  });

  it("watches every service's rollout, rolling back a failed deployment", () => {
    const minutes: Record<string, string | undefined> = {};
    for (const svc of ["app", "mysql", "search"]) {
      const s = find(resources, SERVICE, `microblog-${svc}-service`);
      // The events watch waits instead of the provider, so its error can carry the events.
      assert.equal(s.inputs.waitForSteadyState, false, svc);
      assert.deepEqual(s.inputs.deploymentCircuitBreaker, { enable: true, rollback: true }, svc);
      assert.equal(s.customTimeouts?.create, s.customTimeouts?.update, svc);
      minutes[svc] = s.customTimeouts?.create;
      const watch = find(resources, ROLLOUT, `microblog-${svc}-rollout`);
      has(watch, `${SERVICE}::microblog-${svc}-service`);
      assert.equal(watch.inputs.service, svc);
      assert.equal(watch.inputs.region, "us-east-1");
      assert.equal(watch.inputs.profile, "");
      assert.equal(`${Number(watch.inputs.timeoutSeconds) / 60}m`, s.customTimeouts?.create, svc);
      // The revision the service was asked to run (the mock echoes the service's inputs).
      assert.match(String(watch.inputs.taskDefinition), /taskdef|task-definition/, svc);
    }
    // app: (180 + 60 + 150 + ALB 2 × 10 + stop 30 + drain 30) × 4 + 300 = 2180 s.
    assert.deepEqual(minutes, { app: "37m", mysql: "35m", search: "35m" });
    // The app starts once MySQL's rollout finished, not merely began; search boots beside it.
    const app = find(resources, SERVICE, "microblog-app-service");
    has(app, `${ROLLOUT}::microblog-mysql-rollout`);
    assert.ok(!app.dependencies.some((d) => d.includes("microblog-search")), "not gated on search");
  });

  it("rolloutWait steady-state: the provider waits and no watch is created", async () => {
    const { resources: plain } = await evaluate("ecs", {
      rolloutWait: "steady-state",
      "aws:profile": "ops",
    });
    for (const svc of ["app", "mysql", "search"]) {
      assert.equal(
        find(plain, SERVICE, `microblog-${svc}-service`).inputs.waitForSteadyState,
        true,
      );
    }
    assert.equal(plain.filter((r) => r.type === ROLLOUT).length, 0);
    has(find(plain, SERVICE, "microblog-app-service"), `${SERVICE}::microblog-mysql-service`);
  });

  it("the watch uses the AWS provider's profile", async () => {
    const { resources: withProfile } = await evaluate("ecs", { "aws:profile": "ops" });
    assert.equal(find(withProfile, ROLLOUT, "microblog-app-rollout").inputs.profile, "ops");
  });

  it("creates the internet gateway and public routes before the load balancer", () => {
    const lb = find(resources, "aws:lb/loadBalancer:LoadBalancer", "microblog-lb-alb");
    has(
      lb,
      "aws:ec2/internetGateway:InternetGateway::microblog-net-igw",
      "aws:ec2/routeTable:RouteTable::microblog-net-public-rt",
      "aws:ec2/routeTableAssociation:RouteTableAssociation::microblog-net-public-0",
      "aws:ec2/routeTableAssociation:RouteTableAssociation::microblog-net-public-1",
    );
  });

  it("starts data services after their NAT route and EFS mount targets, the app after both", () => {
    for (const svc of ["mysql", "search", "app"]) {
      has(
        find(resources, SERVICE, `microblog-${svc}-service`),
        "aws:ec2/natGateway:NatGateway::microblog-net-nat",
        "aws:ec2/routeTable:RouteTable::microblog-net-private-rt",
        "aws:ec2/routeTableAssociation:RouteTableAssociation::microblog-net-private-0",
        "aws:ec2/routeTableAssociation:RouteTableAssociation::microblog-net-private-1",
      );
    }
    for (const svc of ["mysql", "search"]) {
      has(
        find(resources, SERVICE, `microblog-${svc}-service`),
        "aws:efs/mountTarget:MountTarget::microblog-efs-mount-0",
        "aws:efs/mountTarget:MountTarget::microblog-efs-mount-1",
      );
    }
    has(
      find(resources, SERVICE, "microblog-app-service"),
      `${SERVICE}::microblog-mysql-service`,
      "aws:lb/listener:Listener::microblog-lb-http",
    );
  });

  it("registers task definitions only once their roles' policies are attached", () => {
    const td = (svc: string) =>
      find(resources, "aws:ecs/taskDefinition:TaskDefinition", `microblog-${svc}-taskdef`);
    for (const svc of ["app", "mysql", "search"]) {
      has(td(svc), `aws:iam/rolePolicyAttachment:RolePolicyAttachment::microblog-${svc}-execution`);
    }
    // The search engine has no credentials, so no secret-reading policy.
    for (const svc of ["app", "mysql"]) {
      has(td(svc), `aws:iam/rolePolicy:RolePolicy::microblog-${svc}-read-secrets`);
    }
    for (const svc of ["mysql", "search"]) {
      has(
        find(resources, "aws:ecs/taskDefinition:TaskDefinition", `microblog-${svc}-taskdef`),
        `aws:iam/rolePolicy:RolePolicy::microblog-${svc}-efs`,
      );
    }
  });

  it("orders nothing on network resources it did not create (existing VPC)", async () => {
    const { resources: existing } = await evaluate("ecs", {
      vpcId: "vpc-0123456789abcdef0",
      publicSubnetIds: '["subnet-0000000000000000a","subnet-0000000000000000b"]',
      privateSubnetIds: '["subnet-0000000000000000c","subnet-0000000000000000d"]',
    });
    assert.deepEqual(
      find(existing, "aws:lb/loadBalancer:LoadBalancer", "microblog-lb-alb").dependsOn,
      [],
    );
    assert.deepEqual(find(existing, SERVICE, "microblog-mysql-service").dependsOn, [
      "microblog-efs-mount-0",
      "microblog-efs-mount-1",
    ]);
  });
});
