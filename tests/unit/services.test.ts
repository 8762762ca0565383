// The target-neutral system spec and the shared pinned-image rule, tested without any target.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { imageRefProblem } from "../../policy/rules/pinned-image.js";
import { FARGATE_MEMORY, SEARCH_IMAGE_DEFAULTS } from "../../components/config-schema.js";
import { loadConfig } from "../../components/config.js";
import { describeSystem } from "../../components/describe.js";
import { resolve, setup, type Override } from "./mocks.js";

async function spec(stack: string, overrides: Record<string, Override> = {}) {
  await setup(stack, overrides);
  return describeSystem(loadConfig(), {
    secrets: {
      mysqlPassword: pulumi.secret("m"),
      mysqlRootPassword: pulumi.secret("r"),
      secretKey: pulumi.secret("k"),
    },
    appImage: { ref: "app@sha256:abc" },
    hosts: { app: "app", mysql: "db.example", search: "es.example" },
  });
}

describe("describeSystem", () => {
  it("describes the three services with their dependencies, data and credentials apart", async () => {
    const system = await spec("dev");
    const { services } = system;
    // The app migrates MySQL at boot; it serves without search (/readyz reports it).
    assert.deepEqual(services.app.dependsOn, ["mysql"]);
    assert.deepEqual([services.mysql.dependsOn, services.search.dependsOn], [[], []]);
    assert.deepEqual(services.mysql.data, {
      store: "mysql",
      path: "/var/lib/mysql",
      uid: 999,
      gid: 999,
    });
    assert.equal(services.app.data, undefined);
    assert.deepEqual(Object.keys(services.app.secretEnv).sort(), ["DATABASE_URL", "SECRET_KEY"]);
    assert.deepEqual(Object.keys(services.mysql.secretEnv).sort(), [
      "MYSQL_PASSWORD",
      "MYSQL_ROOT_PASSWORD",
    ]);
    assert.equal(services.app.env.ELASTICSEARCH_URL, "http://es.example:9200");
    const url = await resolve(services.app.secretEnv.DATABASE_URL);
    assert.deepEqual(url, { value: "mysql://microblog:m@db.example:3306/microblog", secret: true });
    assert.deepEqual(system.placement, {
      kind: "local",
      hostPorts: { app: 8000, mysql: undefined, search: undefined },
    });
    assert.deepEqual(system.entry, {
      service: "app",
      healthPath: "/healthz",
      https: undefined,
      urlEnv: undefined,
      publicUrl: undefined,
      proxyHopsEnv: "TRUSTED_PROXIES",
    });
    assert.equal(services.app.env.PUBLIC_URL, "http://127.0.0.1:8000");
    assert.equal(services.app.env.SESSION_COOKIE_SECURE, undefined);
    assert.ok(Object.isFrozen(system));
  });

  it("lists every flow between services, with the ports the services listen on", async () => {
    const { flows } = await spec("ecs", { mailServer: "smtp.example.com", mailPort: "587" });
    assert.deepEqual(
      flows.map((f) => `${f.from}->${f.to}:${f.port}`),
      [
        "public->app:5000",
        "app->mysql:3306",
        "app->search:9200",
        "app->internet:587",
        "backup->mysql:3306",
      ],
    );
    const off = await spec("ecs", { backups: "false" });
    assert.equal(off.backup, undefined);
    assert.deepEqual(
      off.flows.filter((f) => f.from === "backup"),
      [],
      "no backup flow with backups off",
    );
  });

  it("carries HTTPS to the app: PUBLIC_URL from the entry, secure session cookies", async () => {
    const cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc-123";
    const { entry, services, placement } = await spec("ecs", { certificateArn: cert });
    assert.deepEqual(entry, {
      service: "app",
      healthPath: "/healthz",
      https: { certificateArn: cert },
      urlEnv: "PUBLIC_URL",
      publicUrl: undefined,
      proxyHopsEnv: "TRUSTED_PROXIES",
    });
    assert.equal(services.app.env.PUBLIC_URL, undefined, "the renderer knows the ALB's address");
    assert.equal(services.app.env.SESSION_COOKIE_SECURE, "true");
    assert.equal(placement.kind, "ecs");
    const plain = await spec("ecs");
    assert.equal(plain.services.app.env.SESSION_COOKIE_SECURE, undefined);
  });
});

describe("public URL", () => {
  it("gives a configured URL to the app; https makes the session cookie TLS-only", async () => {
    const local = await spec("dev", { publicUrl: "https://blog.example.com/" });
    assert.equal(local.services.app.env.PUBLIC_URL, "https://blog.example.com");
    assert.equal(local.services.app.env.SESSION_COOKIE_SECURE, "true");
    assert.equal(local.entry.urlEnv, undefined);
    const ecs = await spec("ecs", { publicUrl: "http://blog.example.com:8080" });
    assert.equal(ecs.services.app.env.PUBLIC_URL, "http://blog.example.com:8080");
    assert.equal(ecs.services.app.env.SESSION_COOKIE_SECURE, undefined);
    assert.equal(ecs.entry.publicUrl, "http://blog.example.com:8080");
    // e.g. TLS ended by a CDN in front of a plain-HTTP ALB.
    const cdn = await spec("ecs", { publicUrl: "https://blog.example.com" });
    assert.equal(cdn.services.app.env.SESSION_COOKIE_SECURE, "true");
  });
});

describe("config tables", () => {
  it("accepts every documented Fargate pair and nothing else", () => {
    assert.deepEqual(FARGATE_MEMORY.get(256), [512, 1024, 2048]);
    assert.equal(FARGATE_MEMORY.get(4096)?.at(-1), 30720);
    assert.equal(FARGATE_MEMORY.get(16384)?.at(-1), 122880);
    assert.equal(FARGATE_MEMORY.get(8192)?.includes(20480), true);
    assert.equal(FARGATE_MEMORY.get(8192)?.includes(17408), false);
  });
});

describe("pinned image (shared with the policy pack)", () => {
  it("accepts pinned references, digests and local image ids; rejects floating ones", () => {
    for (const ok of [
      "mysql:8.4.6",
      "docker.elastic.co/elasticsearch/elasticsearch:8.19.4",
      "127.0.0.1:5000/microblog:abc",
      `mysql@sha256:${"a".repeat(64)}`,
      `mysql:latest@sha256:${"a".repeat(64)}`,
      `sha256:${"b".repeat(64)}`,
      ...Object.values(SEARCH_IMAGE_DEFAULTS),
    ]) {
      assert.equal(imageRefProblem(ok), undefined, ok);
    }
    assert.deepEqual(
      ["mysql", "mysql:latest", "127.0.0.1:5000/microblog", "Mysql:8", "mysql:8 "].map(
        imageRefProblem,
      ),
      ["untagged", "latest", "untagged", "malformed", "malformed"],
    );
  });
});
