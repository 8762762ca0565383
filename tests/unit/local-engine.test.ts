// Health checks and the Docker engine's API version: the form each engine gets, and how the
// program asks an engine for its version (against throwaway HTTP servers on Unix sockets).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { apiAtLeast } from "../../components/local/container.js";
import { dockerApiVersion, dockerEndpoint } from "../../components/local/engine.js";
import { evaluate, type Recorded } from "./mocks.js";

const CONTAINER = "docker:index/container:Container";
const containers = (resources: Recorded[]) => resources.filter((r) => r.type === CONTAINER);
type Check = Record<string, unknown>;

describe("health checks by engine", () => {
  it("API 1.44+: checks every second while starting, every 10 s after", async () => {
    const { resources } = await evaluate("dev", { dockerApiVersion: "1.47" });
    const all = containers(resources);
    assert.equal(all.length, 4);
    for (const c of all) {
      const timing = { ...(c.inputs.healthcheck as Check) };
      delete timing.tests;
      assert.deepEqual(
        timing,
        { interval: "10s", timeout: "5s", retries: 10, startPeriod: "1m0s", startInterval: "1s" },
        c.name,
      );
      // 60 s start period + 11 × (10 s + 5 s) + 30 s slack: sized by the steady interval.
      assert.equal(c.inputs.waitTimeout, 255, c.name);
    }
  });

  it("before API 1.44: no start interval (the engine would refuse it), the start pace throughout", async () => {
    for (const version of ["1.41", "1.43"]) {
      const { resources } = await evaluate("dev", {
        dockerApiVersion: version,
        healthCheckStartIntervalSeconds: "2",
      });
      for (const c of containers(resources)) {
        const check = c.inputs.healthcheck as Check;
        assert.equal(check.startInterval, undefined, `${version} ${c.name}`);
        assert.equal(check.interval, "2s", `${version} ${c.name}`);
        assert.equal(c.inputs.waitTimeout, 60 + 11 * (2 + 5) + 30, `${version} ${c.name}`);
      }
    }
  });

  it("the app waits for MySQL only, on either engine", async () => {
    for (const version of ["1.41", "1.47"]) {
      const { resources } = await evaluate("dev", { dockerApiVersion: version });
      const app = containers(resources).find((c) => c.name === "microblog-app");
      assert.deepEqual(app?.dependsOn, ["microblog-mysql", "microblog-local"], version);
      const search = containers(resources).find((c) => c.name === "microblog-search");
      assert.deepEqual(search?.dependsOn, [], "search starts at once");
    }
  });
});

describe("apiAtLeast", () => {
  it("compares major.minor numerically", () => {
    assert.equal(apiAtLeast("1.44", "1.44"), true);
    assert.equal(apiAtLeast("1.51", "1.44"), true);
    assert.equal(apiAtLeast("1.43", "1.44"), false);
    assert.equal(apiAtLeast("1.9", "1.44"), false, "not compared as text");
    assert.equal(apiAtLeast("2.0", "1.44"), true);
  });
});

describe("dockerEndpoint", () => {
  it("reaches Unix sockets and plain TCP; not TLS or SSH engines", () => {
    assert.deepEqual(dockerEndpoint("unix:///var/run/docker.sock", false), {
      socketPath: "/var/run/docker.sock",
    });
    assert.deepEqual(dockerEndpoint("tcp://127.0.0.1:2375", false), {
      host: "127.0.0.1",
      port: 2375,
    });
    assert.deepEqual(dockerEndpoint("tcp://[::1]:2375", false), { host: "::1", port: 2375 });
    assert.equal(dockerEndpoint("tcp://docker.example:2376", true), undefined);
    assert.equal(dockerEndpoint("ssh://me@docker.example", false), undefined);
  });
});

describe("dockerApiVersion", () => {
  const dir = mkdtempSync(join(tmpdir(), "microblog-engine-"));
  const servers: Server[] = [];
  /** An HTTP server on a fresh Unix socket answering every request with `handler`. */
  const serve = async (
    name: string,
    handler: Parameters<typeof createServer>[1],
  ): Promise<string> => {
    const path = join(dir, `${name}.sock`);
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(path, r));
    return `unix://${path}`;
  };
  const paths: string[] = [];
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads ApiVersion from GET /version", async () => {
    const host = await serve("ok", (req, res) => {
      paths.push(`${req.method} ${req.url}`);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ Version: "28.2.2", ApiVersion: "1.50", MinAPIVersion: "1.24" }));
    });
    assert.equal(await dockerApiVersion(host), "1.50");
    assert.deepEqual(paths, ["GET /version"]);
  });

  it("answers undefined for a missing socket, a non-JSON body, a hung engine, an odd version", async () => {
    assert.equal(await dockerApiVersion(`unix://${join(dir, "absent.sock")}`), undefined);
    const html = await serve("html", (_req, res) => res.end("<html>proxy</html>"));
    assert.equal(await dockerApiVersion(html), undefined);
    const odd = await serve("odd", (_req, res) => res.end(JSON.stringify({ ApiVersion: 1.5 })));
    assert.equal(await dockerApiVersion(odd), undefined);
    const hung = await serve("hung", () => undefined);
    const started = Date.now();
    assert.equal(await dockerApiVersion(hung, { timeoutMs: 200 }), undefined);
    assert.ok(Date.now() - started < 2000, "gives up after its timeout");
  });
});
