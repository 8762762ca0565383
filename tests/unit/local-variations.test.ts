// Variations of the dev stack's config under Pulumi mocks.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { evaluate, find, unwrapSecret } from "./mocks.js";

const CONTAINER = "docker:index/container:Container";

describe("dev stack variations", () => {
  it("publishes data ports on loopback and protects/retains volumes when configured", async () => {
    const { resources } = await evaluate("dev", {
      mysqlHostPort: "13306",
      searchHostPort: "19200",
      appPort: "8080",
      dataProtect: "true",
      dataRetainOnDelete: "true",
    });
    assert.deepEqual(find(resources, CONTAINER, "microblog-mysql").inputs.ports, [
      { internal: 3306, external: 13306, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    assert.deepEqual(find(resources, CONTAINER, "microblog-search").inputs.ports, [
      { internal: 9200, external: 19200, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    assert.deepEqual(find(resources, CONTAINER, "microblog-app").inputs.ports, [
      { internal: 5000, external: 8080, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    for (const s of ["mysql", "search"]) {
      const v = find(resources, "docker:index/volume:Volume", `microblog-${s}-data`);
      assert.equal(v.protect, true);
      assert.equal(v.retainOnDelete, true);
    }
  });

  it("pushes to a configured registry with a secret password and runs the pushed digest", async () => {
    const { resources } = await evaluate("dev", {
      registryServer: "127.0.0.1:5000",
      registryUsername: "ci",
      registryPassword: { secret: "hunter2" },
      registryRepository: "microblog",
    });
    const image = find(resources, "docker:index/image:Image", "microblog-image");
    assert.equal(image.inputs.skipPush, false);
    const tagged = String(image.inputs.imageName);
    assert.match(tagged, /^127\.0\.0\.1:5000\/microblog:[0-9a-f]{16}$/);
    // The registry block carries a secret, so the whole block arrives marked secret.
    const registry = unwrapSecret(image.inputs.registry) as Record<string, unknown>;
    assert.equal(registry.server, "127.0.0.1:5000");
    assert.equal(registry.username, "ci");
    assert.equal(registry.password, "hunter2");
    const build = image.inputs.build as Record<string, unknown>;
    assert.deepEqual(build.cacheFrom, { images: [tagged] });
    assert.deepEqual(build.args, { BUILDKIT_INLINE_CACHE: "1" });
    assert.equal(
      find(resources, CONTAINER, "microblog-app").inputs.image,
      `127.0.0.1:5000/microblog@sha256:${"2".repeat(64)}`,
    );
  });

  it("passes base image and CA certificate as build args, mail settings as env", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mb-ca-"));
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    writeFileSync(join(dir, "ca.pem"), pem);
    const { resources } = await evaluate("dev", {
      appBaseImage: "debian:bookworm-slim",
      appBuildCaCertFile: join(dir, "ca.pem"),
      mailServer: "127.0.0.1",
      mailPort: "2525",
      mailUseTls: "false",
      mailUsername: "mailer",
      mailPassword: { secret: "smtp-pw" },
      admins: "a@example.com, b@example.com",
    });
    const build = find(resources, "docker:index/image:Image", "microblog-image").inputs
      .build as Record<string, unknown>;
    assert.deepEqual(build.args, { BASE_IMAGE: "debian:bookworm-slim", EXTRA_CA_CERT: pem });
    const app = find(resources, CONTAINER, "microblog-app").inputs;
    assert.deepEqual(unwrapSecret(app.envs), [
      "PORT=5000",
      "NODE_ENV=production",
      "ELASTICSEARCH_URL=http://elasticsearch:9200",
      "SEARCH_STORE=search",
      "POSTS_PER_PAGE=25",
      "LOG_LEVEL=info",
      "ADMINS=a@example.com,b@example.com",
      "MAIL_SERVER=127.0.0.1",
      "MAIL_PORT=2525",
      "MAIL_USE_TLS=false",
      "MAIL_USERNAME=mailer",
      "PUBLIC_URL=http://127.0.0.1:8000",
      "DATABASE_URL=mysql://microblog:pw-microblog-mysql-password@mysql:3306/microblog",
      "MAIL_PASSWORD=smtp-pw",
      "SECRET_KEY=pw-microblog-secret-key",
    ]);
  });

  it("hands the Translator key to the app as a secret, and the region as plain env", async () => {
    const { resources } = await evaluate("dev", {
      msTranslatorKey: { secret: "translator-key" },
      msTranslatorRegion: "westeurope",
    });
    const envs = unwrapSecret(find(resources, CONTAINER, "microblog-app").inputs.envs) as string[];
    assert.ok(envs.includes("MS_TRANSLATOR_KEY=translator-key"));
    assert.ok(envs.includes("MS_TRANSLATOR_REGION=westeurope"));
  });

  it("runs OpenSearch over plain HTTP without the official image's demo security", async () => {
    const { resources } = await evaluate("dev", {
      searchEngine: "opensearch",
      searchMemoryMb: "1024",
    });
    const r = find(resources, CONTAINER, "microblog-search");
    assert.deepEqual(r.inputs.envs, [
      "discovery.type=single-node",
      "DISABLE_INSTALL_DEMO_CONFIG=true",
      "DISABLE_SECURITY_PLUGIN=true",
      "OPENSEARCH_JAVA_OPTS=-Xms512m -Xmx512m",
    ]);
    assert.deepEqual(r.inputs.volumes, [
      {
        // Its own volume: OpenSearch cannot start on Elasticsearch's files (a switch of
        // searchEngine then starts on an empty index, which `reindex` fills).
        volumeName: "microblog-infra-dev-search-opensearch-data",
        containerPath: "/usr/share/opensearch/data",
      },
    ]);
    assert.equal(
      find(resources, "docker:index/remoteImage:RemoteImage", "microblog-search-image").inputs.name,
      "opensearchproject/opensearch:2.19.3",
    );
    // So the app restarts on a switch of engine, and its start rebuilds the missing index.
    const appEnv = unwrapSecret(
      find(resources, CONTAINER, "microblog-app").inputs.envs,
    ) as string[];
    assert.ok(appEnv.includes("SEARCH_STORE=search-opensearch"));
  });
});
