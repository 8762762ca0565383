// The dev stack (target local) under Pulumi mocks: exact resources, inputs and ordering.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { before, describe, it } from "node:test";
import { goDuration } from "../../components/local/container.js";
import { evaluate, find, resolve, unwrapSecret, type Recorded } from "./mocks.js";

const CONTAINER = "docker:index/container:Container";

describe("goDuration", () => {
  it("spells seconds as Docker reads them back", () => {
    assert.deepEqual([0, 5, 59, 60, 90, 300].map(goDuration), [
      "0s",
      "5s",
      "59s",
      "1m0s",
      "1m30s",
      "5m0s",
    ]);
  });
});

describe("dev stack (local Docker)", () => {
  let resources: Recorded[];
  let outputs: Record<string, unknown>;
  before(async () => {
    ({ resources, outputs } = await evaluate("dev"));
  });

  it("declares exactly these resources", () => {
    assert.deepEqual(
      resources.map((r) => `${r.type} ${r.name} <- ${r.parent ?? "stack"}`).sort(),
      [
        "docker:index/container:Container microblog-app <- local-system",
        "docker:index/container:Container microblog-backup <- local-system",
        "docker:index/container:Container microblog-mysql <- local-system",
        "docker:index/container:Container microblog-search <- local-system",
        "docker:index/image:Image microblog-image <- app-image",
        "docker:index/network:Network microblog-network <- local-system",
        "docker:index/remoteImage:RemoteImage microblog-local <- app-image",
        "docker:index/remoteImage:RemoteImage microblog-mysql-image <- local-system",
        "docker:index/remoteImage:RemoteImage microblog-search-image <- local-system",
        "docker:index/volume:Volume microblog-backups <- local-system",
        "docker:index/volume:Volume microblog-mysql-data <- local-system",
        "docker:index/volume:Volume microblog-search-data <- local-system",
        "microblog:image:AppImage app-image <- stack",
        "microblog:local:LocalSystem local-system <- stack",
        "microblog:secrets:Secrets secrets <- stack",
        "random:index/randomPassword:RandomPassword microblog-mysql-password <- secrets",
        "random:index/randomPassword:RandomPassword microblog-mysql-root-password <- secrets",
        "random:index/randomPassword:RandomPassword microblog-secret-key <- secrets",
      ].sort(),
    );
  });

  it("does not load @pulumi/aws", () => {
    const cache = createRequire(import.meta.url).cache;
    assert.deepEqual(
      Object.keys(cache).filter((k) => k.includes("/node_modules/@pulumi/aws/")),
      [],
    );
  });

  it("generates passwords with RandomPassword, URL-safe, as secrets", async () => {
    for (const name of ["microblog-mysql-password", "microblog-mysql-root-password"]) {
      const r = find(resources, "random:index/randomPassword:RandomPassword", name);
      assert.deepEqual(r.inputs, {
        length: 32,
        special: false,
        minUpper: 1,
        minLower: 1,
        minNumeric: 1,
      });
    }
    const key = find(
      resources,
      "random:index/randomPassword:RandomPassword",
      "microblog-secret-key",
    );
    assert.equal(key.inputs.length, 64);
  });

  it("names the network and volumes from project and stack", () => {
    assert.deepEqual(find(resources, "docker:index/network:Network", "microblog-network").inputs, {
      name: "microblog-infra-dev-network",
      driver: "bridge",
    });
    for (const s of ["mysql", "search"]) {
      const v = find(resources, "docker:index/volume:Volume", `microblog-${s}-data`);
      assert.deepEqual(v.inputs, { name: `microblog-infra-dev-${s}-data` });
      assert.equal(v.protect, false);
      assert.equal(v.retainOnDelete, false);
    }
  });

  it("pins the data images and keeps them on destroy", () => {
    assert.deepEqual(
      find(resources, "docker:index/remoteImage:RemoteImage", "microblog-mysql-image").inputs,
      {
        name: "mysql:8.4.6",
        keepLocally: true,
      },
    );
    assert.deepEqual(
      find(resources, "docker:index/remoteImage:RemoteImage", "microblog-search-image").inputs,
      {
        name: "docker.elastic.co/elasticsearch/elasticsearch:8.19.4",
        keepLocally: true,
      },
    );
  });

  it("runs MySQL with the official env contract, credential files, TCP health check, named volume", () => {
    const { envs, uploads, ...rest } = find(resources, CONTAINER, "microblog-mysql").inputs;
    assert.deepEqual(envs, [
      "MYSQL_DATABASE=microblog",
      "MYSQL_USER=microblog",
      "MYSQL_PASSWORD_FILE=/run/secrets/mysql_password",
      "MYSQL_ROOT_PASSWORD_FILE=/run/secrets/mysql_root_password",
    ]);
    // Root-only: the entrypoint reads them as root, before it drops to the mysql user.
    assert.deepEqual(
      (unwrapSecret(uploads) as { file: string; content: string; permissions: string }[]).map(
        (u) => [u.file, u.content, u.permissions],
      ),
      [
        ["/run/secrets/mysql_password", "pw-microblog-mysql-password", "0400"],
        ["/run/secrets/mysql_root_password", "pw-microblog-mysql-root-password", "0400"],
      ],
    );
    assert.deepEqual(rest, {
      name: "microblog-infra-dev-mysql",
      image: "sha256:microblog-mysql-image",
      networksAdvanced: [{ name: "microblog-infra-dev-network", aliases: ["mysql"] }],
      ports: [],
      volumes: [{ volumeName: "microblog-infra-dev-mysql-data", containerPath: "/var/lib/mysql" }],
      // The unit tests' engine (API 1.41) has no start interval: checks every second throughout.
      healthcheck: {
        tests: ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--protocol=tcp"],
        interval: "1s",
        timeout: "5s",
        retries: 10,
        startPeriod: "1m0s",
      },
      memory: 1024,
      memorySwap: 1024,
      restart: "unless-stopped",
      privileged: false,
      capabilities: {
        drops: ["ALL"],
        // As Docker stores them: a refresh reads back exactly these.
        adds: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID"],
      },
      securityOpts: ["no-new-privileges:true"],
      init: false,
      stopTimeout: 60,
      readOnly: false,
      wait: true,
      // 60 s start period + 11 × (1 s + 5 s) + 30 s slack.
      waitTimeout: 156,
    });
  });

  it("drops every capability of app and search, forbids privilege gain, runs an init for the app", () => {
    for (const svc of ["app", "search"]) {
      const c = find(resources, CONTAINER, `microblog-${svc}`).inputs;
      assert.deepEqual(c.capabilities, { drops: ["ALL"], adds: [] }, svc);
      assert.deepEqual(c.securityOpts, ["no-new-privileges:true"], svc);
    }
    const app = find(resources, CONTAINER, "microblog-app").inputs;
    assert.equal(app.init, true);
    assert.ok((app.stopTimeout as number) > 18, "stop grace above the app's measured drain time");
  });

  it("runs Elasticsearch single-node, security off, heap half the limit, unpublished", () => {
    const r = find(resources, CONTAINER, "microblog-search");
    assert.deepEqual(r.inputs.envs, [
      "discovery.type=single-node",
      "xpack.security.enabled=false",
      "ES_JAVA_OPTS=-Xms1024m -Xmx1024m",
    ]);
    assert.deepEqual(r.inputs.healthcheck, {
      tests: [
        "CMD",
        "curl",
        "-fsS",
        "http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=5s",
      ],
      interval: "1s",
      timeout: "5s",
      retries: 10,
      startPeriod: "1m0s",
    });
    assert.deepEqual(r.inputs.volumes, [
      {
        volumeName: "microblog-infra-dev-search-data",
        containerPath: "/usr/share/elasticsearch/data",
      },
    ]);
    assert.deepEqual(r.inputs.ports, []);
    assert.equal(r.inputs.memory, 2048);
    assert.deepEqual(r.inputs.networksAdvanced, [
      { name: "microblog-infra-dev-network", aliases: ["elasticsearch"] },
    ]);
  });

  it("runs the app by digest, with secret env, on 127.0.0.1:8000, after a healthy MySQL", () => {
    const r = find(resources, CONTAINER, "microblog-app");
    // Not after search: the app starts while the search engine boots (/readyz reports it).
    assert.deepEqual(r.dependsOn, ["microblog-mysql", "microblog-local"]);
    assert.ok(
      !r.dependencies.includes("docker:index/container:Container::microblog-search"),
      `nothing else makes the app wait for search: ${r.dependencies.join(", ")}`,
    );
    for (const c of ["microblog-mysql", "microblog-search", "microblog-app"]) {
      assert.equal(find(resources, CONTAINER, c).inputs.wait, true, c);
    }
    assert.equal(r.inputs.image, `sha256:${"1".repeat(64)}`);
    assert.equal(r.inputs.readOnly, true);
    assert.equal(r.inputs.user, "10001:10001", "the app runs as the image's non-root user");
    assert.deepEqual(r.inputs.tmpfs, { "/tmp": "rw,noexec,nosuid,size=64m" });
    assert.deepEqual(r.inputs.ports, [
      { internal: 5000, external: 8000, ip: "127.0.0.1", protocol: "tcp" },
    ]);
    // Read-only root filesystem: Docker takes no file uploads, so the env list is one secret.
    assert.deepEqual(unwrapSecret(r.inputs.envs), [
      "PORT=5000",
      "NODE_ENV=production",
      "ELASTICSEARCH_URL=http://elasticsearch:9200",
      // The search engine's store: a switch of engine changes it and so restarts the app.
      "SEARCH_STORE=search",
      "POSTS_PER_PAGE=25",
      "LOG_LEVEL=info",
      // The public URL (default: the published port); no TRUSTED_PROXIES: nothing in front.
      "PUBLIC_URL=http://127.0.0.1:8000",
      "DATABASE_URL=mysql://microblog:pw-microblog-mysql-password@mysql:3306/microblog",
      "SECRET_KEY=pw-microblog-secret-key",
    ]);
    assert.equal(r.inputs.uploads, undefined);
    assert.deepEqual((r.inputs.healthcheck as { tests: string[] }).tests, [
      "CMD",
      "node",
      "-e",
      'fetch("http://127.0.0.1:5000/healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))',
    ]);
  });

  it("builds app/ locally without pushing, tagged by content, removed on destroy", () => {
    const r = find(resources, "docker:index/image:Image", "microblog-image");
    assert.deepEqual(
      find(resources, "docker:index/remoteImage:RemoteImage", "microblog-local").inputs,
      {
        name: r.inputs.imageName,
        keepLocally: false,
        forceRemove: true,
      },
    );
    assert.match(String(r.inputs.imageName), /^microblog-infra-dev-app:[0-9a-f]{16}$/);
    assert.equal(r.inputs.skipPush, true);
    assert.equal(r.inputs.registry, undefined);
    const build = r.inputs.build as Record<string, unknown>;
    assert.equal(build.platform, "linux/amd64");
    assert.deepEqual(build.args, {});
    assert.equal(build.context, "app");
    assert.equal(build.dockerfile, "app/Dockerfile");
  });

  it("exports the URL and names, nothing secret", async () => {
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs)) {
      const { value, secret } = await resolve(v);
      assert.equal(secret, false, k);
      resolved[k] = value;
    }
    assert.deepEqual(resolved, {
      url: "http://127.0.0.1:8000",
      appImage: `sha256:${"1".repeat(64)}`,
      networkName: "microblog-infra-dev-network",
      containerNames: {
        app: "microblog-infra-dev-app",
        mysql: "microblog-infra-dev-mysql",
        search: "microblog-infra-dev-search",
      },
      volumeNames: {
        mysql: "microblog-infra-dev-mysql-data",
        search: "microblog-infra-dev-search-data",
      },
      backupContainer: "microblog-infra-dev-backup",
      backupVolume: "microblog-infra-dev-backups",
    });
    assert.doesNotMatch(JSON.stringify(resolved), /pw-/);
  });
});
