// The ecs stack (target ecs) under Pulumi mocks: exact AWS resources, secrets by reference,
// single-task stateful services, the app behind the ALB.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { before, describe, it } from "node:test";
import { arn, containers, untagged } from "./ecs-helpers.js";
import { evaluate, find, resolve, SECRET_SIG, type Recorded } from "./mocks.js";

const CREDENTIALS = [
  "SECRET_KEY",
  "DATABASE_URL",
  "MAIL_PASSWORD",
  "MYSQL_PASSWORD",
  "MYSQL_ROOT_PASSWORD",
];

describe("ecs stack (AWS Fargate)", () => {
  let resources: Recorded[];
  let outputs: Record<string, unknown>;
  before(async () => {
    ({ resources, outputs } = await evaluate("ecs"));
  });

  it("loads @pulumi/aws (the local stack does not)", () => {
    const cache = createRequire(import.meta.url).cache;
    assert.ok(Object.keys(cache).some((k) => k.includes("/node_modules/@pulumi/aws/")));
  });

  it("declares the expected number of resources of each type", () => {
    const counts: Record<string, number> = {};
    for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
    assert.deepEqual(counts, {
      "microblog:secrets:Secrets": 1,
      "random:index/randomPassword:RandomPassword": 3,
      "microblog:ecs:EcrRegistry": 1,
      "aws:ecr/repository:Repository": 1,
      "aws:ecr/lifecyclePolicy:LifecyclePolicy": 1,
      "microblog:image:AppImage": 1,
      "docker:index/image:Image": 1,
      "docker:index/remoteImage:RemoteImage": 1,
      "microblog:ecs:EcsSystem": 1,
      "microblog:ecs:EcsNetwork": 1,
      "aws:ec2/vpc:Vpc": 1,
      "aws:ec2/internetGateway:InternetGateway": 1,
      "aws:ec2/routeTable:RouteTable": 2,
      "aws:ec2/subnet:Subnet": 4,
      "aws:ec2/routeTableAssociation:RouteTableAssociation": 4,
      "aws:ec2/eip:Eip": 1,
      "aws:ec2/natGateway:NatGateway": 1,
      "aws:ecs/cluster:Cluster": 1,
      "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": 1,
      "microblog:ecs:EcsSecurityGroups": 1,
      "aws:ec2/securityGroup:SecurityGroup": 6,
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 7,
      "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 10,
      "microblog:ecs:EcsStorage": 1,
      "aws:efs/fileSystem:FileSystem": 1,
      "aws:efs/mountTarget:MountTarget": 2,
      "aws:efs/accessPoint:AccessPoint": 2,
      "aws:efs/backupPolicy:BackupPolicy": 1,
      "aws:efs/fileSystemPolicy:FileSystemPolicy": 1,
      "microblog:ecs:AppLoadBalancer": 1,
      "aws:lb/loadBalancer:LoadBalancer": 1,
      "aws:lb/targetGroup:TargetGroup": 1,
      "aws:lb/listener:Listener": 1,
      "microblog:ecs:FargateService": 3,
      "aws:cloudwatch/logGroup:LogGroup": 4,
      "aws:secretsmanager/secret:Secret": 5,
      "aws:secretsmanager/secretVersion:SecretVersion": 5,
      "aws:iam/role:Role": 10,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 4,
      "aws:iam/rolePolicy:RolePolicy": 8,
      "aws:ecs/taskDefinition:TaskDefinition": 5,
      "aws:servicediscovery/service:Service": 2,
      "aws:ecs/service:Service": 3,
      "pulumi-nodejs:dynamic/ecs:ServiceRollout": 3,
      "aws:appautoscaling/target:Target": 1,
      "aws:appautoscaling/policy:Policy": 1,
      // Backups (tests/unit/backup-ecs.test.ts): bucket and its settings, task, schedule.
      "microblog:ecs:EcsBackup": 1,
      "aws:s3/bucket:Bucket": 1,
      "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
      "aws:s3/bucketVersioning:BucketVersioning": 1,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
      "aws:s3/bucketPolicy:BucketPolicy": 1,
      "aws:scheduler/schedule:Schedule": 1,
    });
  });

  it("builds for linux/amd64 and pushes to ECR with a secret token, cache from the registry", () => {
    const image = find(resources, "docker:index/image:Image", "microblog-image");
    assert.equal(image.inputs.skipPush, false);
    assert.match(
      String(image.inputs.imageName),
      /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/microblog-repo:[0-9a-f]{16}$/,
    );
    assert.equal((image.inputs.build as { platform: string }).platform, "linux/amd64");
    const registry = image.inputs.registry as Record<string, unknown>;
    assert.ok(SECRET_SIG in registry);
    assert.deepEqual((registry as { value: unknown }).value, {
      server: "123456789012.dkr.ecr.us-east-1.amazonaws.com",
      username: "AWS",
      password: "ecr-token",
    });
  });

  it("configures ECR with scan on push, immutable tags and a lifecycle policy", () => {
    assert.deepEqual(untagged(find(resources, "aws:ecr/repository:Repository", "microblog-repo")), {
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: "IMMUTABLE",
      encryptionConfigurations: [{ encryptionType: "AES256" }],
    });
    const policy = JSON.parse(
      String(
        find(resources, "aws:ecr/lifecyclePolicy:LifecyclePolicy", "microblog-lifecycle").inputs
          .policy,
      ),
    );
    assert.deepEqual(
      policy.rules.map((r: { selection: { tagStatus: string } }) => r.selection.tagStatus),
      ["untagged", "any"],
    );
  });

  it("enables container insights on the cluster and a private Cloud Map namespace", () => {
    assert.deepEqual(untagged(find(resources, "aws:ecs/cluster:Cluster", "microblog-cluster")), {
      name: "microblog-infra-ecs",
      settings: [{ name: "containerInsights", value: "enabled" }],
    });
    assert.equal(
      find(
        resources,
        "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace",
        "microblog-ns",
      ).inputs.name,
      "microblog-infra-ecs.internal",
    );
  });

  it("never runs two tasks of a stateful service; the app rolls with a circuit breaker", () => {
    for (const svc of ["mysql", "search"]) {
      const s = find(resources, "aws:ecs/service:Service", `microblog-${svc}-service`).inputs;
      assert.equal(s.desiredCount, 1);
      assert.equal(s.deploymentMinimumHealthyPercent, 0);
      assert.equal(s.deploymentMaximumPercent, 100);
      assert.deepEqual(s.serviceRegistries, { registryArn: arn(`microblog-${svc}-dns`) });
    }
    const app = find(resources, "aws:ecs/service:Service", "microblog-app-service");
    assert.deepEqual(app.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
    assert.equal(app.inputs.desiredCount, 2);
    assert.deepEqual(app.inputs.loadBalancers, [
      { targetGroupArn: arn("microblog-lb-app"), containerName: "app", containerPort: 5000 },
    ]);
    assert.deepEqual(app.inputs.networkConfiguration, {
      subnets: ["microblog-net-private-0-id", "microblog-net-private-1-id"],
      securityGroups: ["microblog-sg-app-id"],
      assignPublicIp: false,
    });
    // MySQL (migrated at boot), not search: the app serves without it (docs/program.md).
    assert.deepEqual(app.dependsOn, [
      "microblog-lb-http",
      "microblog-mysql",
      "microblog-net-nat",
      "microblog-net-private-rt",
      "microblog-net-private-0",
      "microblog-net-private-1",
    ]);
  });

  it("registers data services in Cloud Map without the deprecated failureThreshold", () => {
    for (const svc of ["mysql", "search"]) {
      const dns = find(resources, "aws:servicediscovery/service:Service", `microblog-${svc}-dns`);
      assert.equal(dns.inputs.healthCheckCustomConfig, undefined);
      // Older stacks keep the block they were created with rather than replace the service.
      assert.deepEqual(dns.ignoreChanges, ["healthCheckCustomConfig"]);
      assert.equal((dns.inputs.dnsConfig as { routingPolicy: string }).routingPolicy, "MULTIVALUE");
    }
  });

  it("delivers credentials through task secrets, never environment", () => {
    for (const svc of ["app", "mysql", "search"]) {
      const [c] = containers(resources, svc);
      assert.ok(c !== undefined);
      const envNames = (c.environment ?? []).map((e) => e.name);
      assert.deepEqual(
        envNames.filter((n) => CREDENTIALS.includes(n as string)),
        [],
        svc,
      );
      assert.doesNotMatch(JSON.stringify(c), /pw-/, svc);
    }
    assert.equal(containers(resources, "app")[0]?.user, "10001:10001", "app runs as non-root");
    assert.equal(containers(resources, "mysql")[0]?.user, undefined, "data images drop root");
    assert.deepEqual(containers(resources, "app")[0]?.secrets, [
      { name: "DATABASE_URL", valueFrom: arn("microblog-app-database-url") },
      { name: "SECRET_KEY", valueFrom: arn("microblog-app-secret-key") },
    ]);
    assert.deepEqual(containers(resources, "mysql")[0]?.secrets, [
      { name: "MYSQL_PASSWORD", valueFrom: arn("microblog-mysql-mysql-password") },
      { name: "MYSQL_ROOT_PASSWORD", valueFrom: arn("microblog-mysql-mysql-root-password") },
    ]);
    const dbUrl = find(
      resources,
      "aws:secretsmanager/secretVersion:SecretVersion",
      "microblog-app-database-url",
    );
    assert.deepEqual(dbUrl.inputs.secretString, {
      [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270",
      value:
        "mysql://microblog:pw-microblog-mysql-password@mysql.microblog-infra-ecs.internal:3306/microblog",
    });
  });

  it("gives the app its env, image digest, health check and logs", () => {
    const [c] = containers(resources, "app");
    assert.deepEqual(c?.environment, [
      {
        name: "ELASTICSEARCH_URL",
        value: "http://elasticsearch.microblog-infra-ecs.internal:9200",
      },
      { name: "LOG_LEVEL", value: "info" },
      { name: "NODE_ENV", value: "production" },
      { name: "PORT", value: "5000" },
      { name: "POSTS_PER_PAGE", value: "25" },
      { name: "PUBLIC_URL", value: "http://microblog-lb-alb.us-east-1.elb.amazonaws.com" },
      // The engine's store: a switch of engine restarts the app (which rebuilds the index).
      { name: "SEARCH_STORE", value: "search" },
      // One proxy hop in front of the app: the ALB.
      { name: "TRUSTED_PROXIES", value: "1" },
    ]);
    assert.equal(
      c?.image,
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/microblog-repo@sha256:${"2".repeat(64)}`,
    );
    assert.deepEqual(c?.logConfiguration, {
      logDriver: "awslogs",
      options: {
        "awslogs-group": "/ecs/microblog-infra-ecs/app",
        "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "app",
      },
    });
    assert.equal(
      find(resources, "aws:cloudwatch/logGroup:LogGroup", "microblog-app-logs").inputs
        .retentionInDays,
      30,
    );
    assert.equal(c?.readonlyRootFilesystem, true);
    assert.deepEqual(c?.mountPoints, [
      { sourceVolume: "tmp", containerPath: "/tmp", readOnly: false },
    ]);
    assert.deepEqual(
      find(resources, "aws:ecs/taskDefinition:TaskDefinition", "microblog-app-taskdef").inputs
        .volumes,
      [{ name: "tmp" }],
    );
    const [search] = containers(resources, "search");
    assert.equal(search?.readonlyRootFilesystem, false);
    assert.ok(
      search?.environment?.some((e) => e.name === "node.store.allow_mmap" && e.value === "false"),
    );
  });

  it("runs the app under an init, keeps only the capabilities each service needs", () => {
    const [app] = containers(resources, "app");
    const [mysql] = containers(resources, "mysql");
    const [search] = containers(resources, "search");
    assert.equal(app?.linuxParameters?.initProcessEnabled, true);
    assert.equal(app?.stopTimeout, 30);
    // Fargate cannot add capabilities: what a service keeps is what it does not drop.
    assert.equal(app?.linuxParameters?.capabilities?.drop?.length, 14);
    assert.equal(search?.linuxParameters?.capabilities?.drop?.length, 14);
    const kept = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"];
    assert.ok(kept.every((c) => !mysql?.linuxParameters?.capabilities?.drop?.includes(c)));
    assert.equal(mysql?.linuxParameters?.capabilities?.drop?.length, 9);
    assert.equal(mysql?.linuxParameters?.capabilities?.add, undefined);
  });

  it("uses an execution role separate from the task role", () => {
    for (const svc of ["app", "mysql", "search"]) {
      const td = find(
        resources,
        "aws:ecs/taskDefinition:TaskDefinition",
        `microblog-${svc}-taskdef`,
      ).inputs;
      assert.equal(td.executionRoleArn, arn(`microblog-${svc}-execution`));
      assert.equal(td.taskRoleArn, arn(`microblog-${svc}-task`));
      assert.deepEqual(td.requiresCompatibilities, ["FARGATE"]);
    }
    assert.deepEqual(
      find(resources, "aws:ecs/taskDefinition:TaskDefinition", "microblog-search-taskdef").inputs
        .cpu,
      "1024",
    );
  });

  it("health-checks the app behind the ALB and scales it on CPU between the bounds", () => {
    const tg = find(resources, "aws:lb/targetGroup:TargetGroup", "microblog-lb-app").inputs;
    assert.deepEqual(tg.healthCheck, {
      path: "/healthz",
      matcher: "200",
      interval: 10,
      timeout: 5,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
    });
    assert.equal(
      find(resources, "aws:lb/loadBalancer:LoadBalancer", "microblog-lb-alb").inputs
        .dropInvalidHeaderFields,
      true,
    );
    const target = find(
      resources,
      "aws:appautoscaling/target:Target",
      "microblog-app-scaling",
    ).inputs;
    assert.deepEqual(
      [target.minCapacity, target.maxCapacity, target.resourceId],
      [2, 4, "service/microblog-infra-ecs/app"],
    );
    const policy = find(resources, "aws:appautoscaling/policy:Policy", "microblog-app-cpu").inputs;
    assert.equal(
      (policy.targetTrackingScalingPolicyConfiguration as { targetValue: number }).targetValue,
      60,
    );
  });

  it("exports the URL and names, nothing secret", async () => {
    for (const [k, v] of Object.entries(outputs)) {
      const { value, secret } = await resolve(v);
      assert.equal(secret, false, k);
      assert.doesNotMatch(JSON.stringify(value), /pw-|ecr-token/, k);
    }
    assert.equal(
      (await resolve(outputs.url)).value,
      "http://microblog-lb-alb.us-east-1.elb.amazonaws.com",
    );
  });
});
