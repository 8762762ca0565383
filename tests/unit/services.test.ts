// The target-neutral system spec and the pure config rules, tested without any target.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { checkFargate, checkImageRef, FARGATE_MEMORY } from "../../components/config-rules.js";
import { loadConfig } from "../../components/config.js";
import { describeSystem } from "../../components/services.js";
import { resolve, setup } from "./mocks.js";

describe("describeSystem", () => {
  it("describes the three services with their dependencies, data and credentials apart", async () => {
    await setup("dev", {});
    const spec = describeSystem({
      config: loadConfig(),
      secrets: {
        mysqlPassword: pulumi.secret("m"),
        mysqlRootPassword: pulumi.secret("r"),
        secretKey: pulumi.secret("k"),
      },
      appImage: "app@sha256:abc",
      hosts: { app: "app", mysql: "db.example", search: "es.example" },
    });
    assert.deepEqual(spec.app.dependsOn, ["mysql", "search"]);
    assert.deepEqual([spec.mysql.dependsOn, spec.search.dependsOn], [[], []]);
    assert.deepEqual(spec.mysql.data, { path: "/var/lib/mysql", uid: 999, gid: 999 });
    assert.equal(spec.app.data, undefined);
    assert.deepEqual(Object.keys(spec.app.secretEnv).sort(), ["DATABASE_URL", "SECRET_KEY"]);
    assert.deepEqual(Object.keys(spec.mysql.secretEnv).sort(), [
      "MYSQL_PASSWORD",
      "MYSQL_ROOT_PASSWORD",
    ]);
    assert.equal(spec.app.env.ELASTICSEARCH_URL, "http://es.example:9200");
    const url = await resolve(spec.app.secretEnv.DATABASE_URL);
    assert.deepEqual(url, { value: "mysql://microblog:m@db.example:3306/microblog", secret: true });
    assert.ok(Object.isFrozen(spec));
  });
});

describe("config rules", () => {
  it("accepts every documented Fargate pair and nothing else", () => {
    assert.equal(checkFargate("c", 256, "m", 2048), undefined);
    assert.equal(checkFargate("c", 4096, "m", 30720), undefined);
    assert.equal(checkFargate("c", 16384, "m", 122880), undefined);
    assert.equal(FARGATE_MEMORY.get(8192)?.includes(20480), true);
    assert.equal(FARGATE_MEMORY.get(8192)?.includes(17408), false);
    assert.notEqual(checkFargate("c", 256, "m", 4096), undefined);
  });

  it("accepts pinned references and digests, rejects floating ones", () => {
    for (const ok of [
      "mysql:8.4.6",
      "docker.elastic.co/elasticsearch/elasticsearch:8.19.4",
      "127.0.0.1:5000/microblog:abc",
      `mysql@sha256:${"a".repeat(64)}`,
      `mysql:latest@sha256:${"a".repeat(64)}`,
    ]) {
      assert.equal(checkImageRef("k", ok), undefined, ok);
    }
    for (const bad of [
      "mysql",
      "mysql:latest",
      "127.0.0.1:5000/microblog",
      "Mysql:8",
      "mysql:8 ",
    ]) {
      assert.notEqual(checkImageRef("k", bad), undefined, bad);
    }
  });
});
