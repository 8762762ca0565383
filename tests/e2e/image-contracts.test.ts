/**
 * The behaviours of the MySQL, Elasticsearch, OpenSearch and Node images that the program relies
 * on, each as the official image's documentation states it, checked against the images the
 * deploy suite is about to use: the official ones where they can be pulled (the GitHub job), the
 * stand-ins from harness/images where they cannot. A stand-in that drifts from its official
 * image's contract fails here, before any deploy. `run.sh` sets MICROBLOG_*_IMAGE.
 * The same list, with its sources, is in harness/images/README.md.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, describe, it } from "node:test";
import { docker } from "./lib/docker.js";
import { waitFor } from "./lib/http-client.js";
import { env } from "./lib/stack.js";

const PFX = `mbc${process.pid}`;
const NET = `${PFX}-net`;

/** Runs a docker command and reports success instead of throwing. */
const dockerOk = (...args: string[]): boolean =>
  spawnSync("docker", args, { stdio: "ignore" }).status === 0;

docker("network", "create", NET);
after(() => {
  const mine = (...ls: string[]) =>
    docker(...ls)
      .split("\n")
      .filter((n) => n.startsWith(PFX));
  for (const c of mine("ps", "-a", "--format", "{{.Names}}")) docker("rm", "-f", "-v", c);
  for (const v of mine("volume", "ls", "--format", "{{.Name}}")) docker("volume", "rm", v);
  docker("network", "rm", NET);
});

/** `-e NAME=value` arguments of `docker run`. */
const envArgs = (vars: readonly string[]): string[] => vars.flatMap((v) => ["-e", v]);

/** Starts a detached container on the test network; returns its name. */
function run(name: string, image: string, args: readonly string[] = []): string {
  const c = `${PFX}-${name}`;
  docker("run", "-d", "--name", c, "--network", NET, ...args, image);
  return c;
}

const state = (c: string) => docker("inspect", "--format", "{{.State.Status}}", c);

describe(`MySQL image ${env("MICROBLOG_MYSQL_IMAGE")}`, () => {
  const image = env("MICROBLOG_MYSQL_IMAGE");
  const volume = `${PFX}-mysql-data`;
  // The health check the program gives the container (components/describe.ts).
  const ping = (c: string) =>
    dockerOk("exec", c, "mysqladmin", "ping", "-h", "127.0.0.1", "--protocol=tcp");
  // The `mysql` client of the image (MariaDB's is also called `mariadb`).
  const sql = (c: string, user: string, password: string, query: string) =>
    docker(
      "exec",
      c,
      "sh",
      "-c",
      'c=$(command -v mysql || command -v mariadb); exec "$c" "$@"',
      "sh",
      "-h",
      "127.0.0.1",
      "-u",
      user,
      `-p${password}`,
      "-N",
      "-e",
      query,
      "microblog",
    );
  let db = "";

  it("first start: MYSQL_DATABASE/USER/PASSWORD create the database and its user; MYSQL_ROOT_PASSWORD sets root's", async () => {
    db = run("mysql", image, [
      "-v",
      `${volume}:/var/lib/mysql`,
      ...envArgs([
        "MYSQL_DATABASE=microblog",
        "MYSQL_USER=microblog",
        "MYSQL_PASSWORD=user-pw-1",
        "MYSQL_ROOT_PASSWORD=root-pw-1",
      ]),
    ]);
    assert.ok(await waitFor(async () => ping(db), 180), "the TCP ping health check turns healthy");
    // Healthy means usable: the user and its database exist as soon as the check passes.
    sql(db, "microblog", "user-pw-1", "CREATE TABLE t (x INT); INSERT INTO t VALUES (42)");
    assert.equal(sql(db, "root", "root-pw-1", "SELECT x FROM t"), "42");
  });

  it("the server runs as uid 999 and owns /var/lib/mysql (EFS access points use 999:999)", () => {
    assert.ok(db, "needs the first start");
    assert.equal(docker("exec", db, "stat", "-c", "%u:%g", "/var/lib/mysql"), "999:999");
    // The entrypoint ends by exec-ing the server as PID 1 (after dropping to the mysql user).
    const status = docker("exec", db, "cat", "/proc/1/status");
    assert.match(status, /^Uid:\s+999\s/m);
  });

  it("a new container on the same volume keeps the data and skips initialisation", async () => {
    assert.ok(db, "needs the first start");
    docker("rm", "-f", db);
    // Different credentials in the env must not re-initialise or change the existing users.
    db = run("mysql", image, [
      "-v",
      `${volume}:/var/lib/mysql`,
      ...envArgs([
        "MYSQL_DATABASE=microblog",
        "MYSQL_USER=microblog",
        "MYSQL_PASSWORD=other",
        "MYSQL_ROOT_PASSWORD=other",
      ]),
    ]);
    assert.ok(await waitFor(async () => ping(db), 120), "healthy again");
    assert.equal(sql(db, "microblog", "user-pw-1", "SELECT x FROM t"), "42");
  });

  it("the _FILE forms read each credential from a root-only file (mode 0400)", async () => {
    // Root-owned, mode 0400, on a volume filled by a helper container: read before privileges drop.
    const secrets = `${PFX}-secrets`;
    docker(
      "run",
      "--rm",
      "-v",
      `${secrets}:/s`,
      "--entrypoint",
      "sh",
      image,
      "-c",
      "printf file-user-pw > /s/pw && printf file-root-pw > /s/root && chmod 400 /s/pw /s/root",
    );
    const f = run("mysql-file", image, [
      "-v",
      `${secrets}:/run/secrets:ro`,
      ...envArgs([
        "MYSQL_DATABASE=microblog",
        "MYSQL_USER=microblog",
        "MYSQL_PASSWORD_FILE=/run/secrets/pw",
        "MYSQL_ROOT_PASSWORD_FILE=/run/secrets/root",
      ]),
    ]);
    assert.ok(await waitFor(async () => ping(f), 180), "healthy");
    assert.equal(sql(f, "microblog", "file-user-pw", "SELECT 1"), "1");
    assert.equal(sql(f, "root", "file-root-pw", "SELECT 1"), "1");
    docker("rm", "-f", "-v", f);
  });
});

/** The checks both search engines share; `env` is what the program sets (components/describe.ts). */
function searchContract(
  engine: "elasticsearch" | "opensearch",
  image: string,
  programEnv: readonly string[],
): void {
  const heapVar = engine === "opensearch" ? "OPENSEARCH_JAVA_OPTS" : "ES_JAVA_OPTS";
  const curl = (c: string, path: string, ...extra: string[]) =>
    docker("exec", c, "curl", "-fsS", ...extra, `http://127.0.0.1:9200${path}`);
  // The program's health check (components/describe.ts).
  const healthy = (c: string) =>
    dockerOk(
      "exec",
      c,
      "curl",
      "-fsS",
      "http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=5s",
    );
  let c = "";

  describe(`${engine} image ${image}`, () => {
    it("with the program's env: single node, plain HTTP without credentials, curl health check", async () => {
      c = run(engine, image, [
        "--memory",
        "1g",
        "-v",
        `${PFX}-${engine}-data:/usr/share/${engine}/data`,
        ...envArgs([...programEnv, `${heapVar}=-Xms256m -Xmx256m`]),
      ]);
      const up = await waitFor(async () => healthy(c), 240);
      if (!up) console.log(docker("logs", "--tail", "30", c));
      assert.ok(up, "cluster health reaches yellow over plain HTTP");
      const health = JSON.parse(curl(c, "/_cluster/health")) as { number_of_nodes: number };
      assert.equal(health.number_of_nodes, 1, "discovery.type=single-node from the env");
    });

    it(`the heap comes from ${heapVar}`, () => {
      assert.ok(c, "needs the first start");
      const jvm = JSON.parse(curl(c, "/_nodes/jvm")) as {
        nodes: Record<string, { jvm: { mem: { heap_max_in_bytes: number } } }>;
      };
      const heap = Object.values(jvm.nodes)[0]?.jvm.mem.heap_max_in_bytes;
      assert.equal(heap, 256 * 1024 * 1024);
    });

    it(`runs as uid 1000 with its data in /usr/share/${engine}/data (EFS access points use 1000)`, () => {
      assert.ok(c, "needs the first start");
      assert.equal(docker("exec", c, "id", "-u"), "1000");
      const data = JSON.parse(curl(c, "/_nodes/settings")) as {
        nodes: Record<string, { settings: { path: { data?: string[] | string } } }>;
      };
      const path = Object.values(data.nodes)[0]?.settings.path.data;
      const paths = path === undefined ? [] : [path].flat();
      // Unset means the default, which is the image's data directory.
      assert.ok(paths.length === 0 || paths.includes(`/usr/share/${engine}/data`), `${paths}`);
      docker("exec", c, "test", "-w", `/usr/share/${engine}/data`);
    });

    it("indexes a document and finds it (the app's REST subset)", () => {
      assert.ok(c, "needs the first start");
      curl(
        c,
        "/post/_doc/1?refresh=true",
        "-XPUT",
        "-H",
        "content-type: application/json",
        "-d",
        '{"body":"hello contract"}',
      );
      const hits = curl(
        c,
        "/post/_search",
        "-H",
        "content-type: application/json",
        "-d",
        '{"query":{"multi_match":{"query":"contract","fields":["body"]}}}',
      );
      assert.match(hits, /hello contract/);
      docker("rm", "-f", "-v", c);
    });
  });
}

searchContract("elasticsearch", env("MICROBLOG_ELASTICSEARCH_IMAGE"), [
  "discovery.type=single-node",
  "xpack.security.enabled=false",
]);
searchContract("opensearch", env("MICROBLOG_OPENSEARCH_IMAGE"), [
  "discovery.type=single-node",
  "DISABLE_INSTALL_DEMO_CONFIG=true",
  "DISABLE_SECURITY_PLUGIN=true",
]);

describe(`OpenSearch image ${env("MICROBLOG_OPENSEARCH_IMAGE")} without the two switches`, () => {
  it("does not serve plain HTTP without credentials (demo security installer / HTTPS with auth)", async () => {
    const c = run("opensearch-default", env("MICROBLOG_OPENSEARCH_IMAGE"), [
      "--memory",
      "1g",
      ...envArgs(["discovery.type=single-node", "OPENSEARCH_JAVA_OPTS=-Xms256m -Xmx256m"]),
    ]);
    // Either the container stops (no OPENSEARCH_INITIAL_ADMIN_PASSWORD), or it serves HTTPS with
    // authentication; plain, anonymous HTTP never answers 200 within a minute.
    let plain = false;
    await waitFor(async () => {
      if (state(c) !== "running") return true;
      plain = dockerOk("exec", c, "curl", "-fsS", "http://127.0.0.1:9200/_cluster/health");
      return plain;
    }, 60);
    assert.equal(plain, false, "anonymous plain HTTP must not be served");
    docker("rm", "-f", "-v", c);
  });
});

describe(`Node image ${env("MICROBLOG_NODE_IMAGE")} (app/Dockerfile's BASE_IMAGE)`, () => {
  it("has Node 24 and npm, apt-get for the build stage, and useradd for the app's user", () => {
    const out = docker(
      "run",
      "--rm",
      "--entrypoint",
      "sh",
      env("MICROBLOG_NODE_IMAGE"),
      "-c",
      "node --version && npm --version >/dev/null && command -v apt-get && command -v useradd",
    );
    assert.match(out, /^v24\./);
  });
});
