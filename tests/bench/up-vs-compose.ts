// Benchmark (not a test): `pulumi up` of the dev stack from empty against `docker compose up
// --wait` of the same containers, in turn on one Docker engine (A B A B …), then a no-op `up`
// and app-only updates. Run through up-vs-compose.sh, which provides the engine, the images and
// Compose. The Compose file is written at run time under $BENCH_WORK from what the stack
// deployed (docker inspect of its containers, the dependency graph from its state): same images,
// env, credentials (as files), health checks, limits, hardening, volumes, network aliases and
// start order. Prints the figures and writes $BENCH_WORK/results.json; never touches the
// repository (the stack runs in a private copy).
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { dump } from "js-yaml";
import { docker } from "../e2e/lib/docker.js";
import { prepareProject } from "../e2e/lib/project.js";
import { pulumiOk, type PulumiContext } from "../e2e/lib/pulumi-cli.js";

const { values: args } = parseArgs({
  options: {
    pairs: { type: "string", default: "3" },
    noop: { type: "string", default: "5" },
    "app-updates": { type: "string", default: "3" },
    // A third arm: the Compose twin with the design before issue #13 (every health check every
    // 10 s, the app after MySQL *and* search), the reference the issue measured.
    "earlier-design": { type: "boolean", default: false },
  },
});
const EARLIER = args["earlier-design"];
const PAIRS = Number(args.pairs);
const NOOPS = Number(args.noop);
const APP_UPDATES = Number(args["app-updates"]);
const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set: run tests/bench/up-vs-compose.sh`);
  return v;
};
const REPO = env("BENCH_REPO");
const WORK = env("BENCH_WORK");
const COMPOSE = env("BENCH_COMPOSE");
const STACK = "bench";
const PREFIX = `microblog-infra-${STACK}`;
const COMPOSE_PROJECT = "microblog-bench-compose";
const COMPOSE_FILE = join(WORK, "compose.yaml");
const COMPOSE_EARLIER_FILE = join(WORK, "compose-earlier.yaml");
/** A tag that keeps the app image for Compose while `pulumi destroy` removes the stack's own. */
const COMPOSE_APP_IMAGE = "microblog-bench/app:compose";

const log = (msg: string) => console.error(`[bench] ${msg}`);
const load = () => loadavg()[0]!.toFixed(1);

/** Runs a command, timed; throws with its output when it fails. */
function run(cmd: string, argv: string[], cwd = WORK): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code === 0) resolve(seconds);
      else reject(new Error(`${cmd} ${argv.join(" ")} exited ${code}\n${out.slice(-3000)}`));
    });
  });
}

const compose = (...argv: string[]) =>
  run(COMPOSE, ["-f", COMPOSE_FILE, "-p", COMPOSE_PROJECT, ...argv]);
const composeEarlier = (...argv: string[]) =>
  run(COMPOSE, ["-f", COMPOSE_EARLIER_FILE, "-p", COMPOSE_PROJECT, ...argv]);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function healthy(url: string): Promise<void> {
  const res = await fetch(new URL("/healthz", url));
  if (res.status !== 200) throw new Error(`${url}/healthz answered ${res.status}`);
}

// ---- the Compose file, from what the stack deployed ----------------------------------------

interface Inspected {
  Name: string;
  Image: string;
  Config: {
    Image: string;
    Env: string[] | null;
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    User: string;
    StopTimeout?: number;
    Healthcheck?: {
      Test: string[];
      Interval?: number;
      Timeout?: number;
      Retries?: number;
      StartPeriod?: number;
      StartInterval?: number;
    };
  };
  HostConfig: {
    Memory: number;
    MemorySwap: number;
    CapDrop: string[] | null;
    CapAdd: string[] | null;
    SecurityOpt: string[] | null;
    Init: boolean | null;
    ReadonlyRootfs: boolean;
    Tmpfs: Record<string, string> | null;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null;
    RestartPolicy: { Name: string };
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string }[];
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
}

/** Compose interpolates `$`: every literal one is written `$$`. */
const literal = (s: string) => s.replaceAll("$", () => "$$");
const duration = (ns: number | undefined) => (ns ? `${ns / 1e6}ms` : undefined);

/** Container name → the names of the containers it depends on, from the stack's state. */
async function containerDependencies(ctx: PulumiContext): Promise<Map<string, string[]>> {
  const exported = JSON.parse((await pulumiOk(ctx, ["stack", "export"])).stdout) as {
    deployment: {
      resources: {
        urn: string;
        type: string;
        outputs?: { name?: string };
        dependencies?: string[];
      }[];
    };
  };
  const containers = exported.deployment.resources.filter(
    (r) => r.type === "docker:index/container:Container",
  );
  const nameOf = new Map(containers.map((r) => [r.urn, r.outputs?.name ?? "?"]));
  return new Map(
    containers.map((r) => [
      r.outputs?.name ?? "?",
      (r.dependencies ?? []).filter((u) => nameOf.has(u)).map((u) => nameOf.get(u)!),
    ]),
  );
}

async function writeComposeFile(ctx: PulumiContext, containers: string[]): Promise<void> {
  const deps = await containerDependencies(ctx);
  const service = (container: string) => container.slice(PREFIX.length + 1);
  const secretsDir = join(WORK, "compose-secrets");
  rmSync(secretsDir, { recursive: true, force: true });
  mkdirSync(secretsDir, { recursive: true });
  const services: Record<string, unknown> = {};
  const volumes: Record<string, object> = {};
  for (const name of containers) {
    const c = (JSON.parse(docker("inspect", name)) as Inspected[])[0]!;
    const svc = service(name);
    const binds: string[] = [];
    for (const m of c.Mounts) {
      if (m.Type === "volume") {
        const vol = `${svc}-${m.Destination.split("/").filter(Boolean).pop()}`;
        volumes[vol] = {};
        binds.push(`${vol}:${m.Destination}`);
      } else if (m.Type === "bind") binds.push(`${m.Source}:${m.Destination}`);
    }
    // Credentials the stack uploaded as files (NAME_FILE=/run/secrets/name): the same files,
    // read back from the container, bind-mounted read-only.
    for (const e of c.Config.Env ?? []) {
      const file = /^[A-Z_]+_FILE=(\/run\/secrets\/[a-z_]+)$/.exec(e)?.[1];
      if (file === undefined) continue;
      const copy = join(secretsDir, `${svc}-${file.split("/").pop()}`);
      writeFileSync(copy, docker("exec", name, "cat", file), { mode: 0o400 });
      chmodSync(copy, 0o400);
      binds.push(`${copy}:${file}:ro`);
    }
    const h = c.Config.Healthcheck;
    const aliases = Object.values(c.NetworkSettings.Networks).flatMap((n) =>
      (n.Aliases ?? []).filter((a) => !/^[0-9a-f]{12}$/.test(a)),
    );
    const ports = Object.entries(c.HostConfig.PortBindings ?? {}).flatMap(([inner, outs]) =>
      outs.map((o) => `${o.HostIp}:${o.HostPort}:${inner}`),
    );
    services[svc] = {
      image: svc === "app" ? COMPOSE_APP_IMAGE : c.Image,
      pull_policy: "never",
      entrypoint: c.Config.Entrypoint ?? undefined,
      command: c.Config.Cmd?.map(literal) ?? undefined,
      environment: (c.Config.Env ?? []).map(literal),
      user: c.Config.User || undefined,
      healthcheck:
        h === undefined
          ? undefined
          : {
              test: h.Test.map(literal),
              interval: duration(h.Interval),
              timeout: duration(h.Timeout),
              retries: h.Retries,
              start_period: duration(h.StartPeriod),
              start_interval: duration(h.StartInterval),
            },
      mem_limit: c.HostConfig.Memory || undefined,
      memswap_limit: c.HostConfig.MemorySwap || undefined,
      cap_drop: c.HostConfig.CapDrop ?? undefined,
      cap_add: c.HostConfig.CapAdd ?? undefined,
      security_opt: c.HostConfig.SecurityOpt ?? undefined,
      init: c.HostConfig.Init ?? undefined,
      read_only: c.HostConfig.ReadonlyRootfs,
      tmpfs: Object.entries(c.HostConfig.Tmpfs ?? {}).map(([p, o]) => `${p}:${o}`),
      stop_grace_period:
        c.Config.StopTimeout === undefined ? undefined : `${c.Config.StopTimeout}s`,
      restart: c.HostConfig.RestartPolicy.Name || undefined,
      ports,
      volumes: binds,
      networks: { default: { aliases } },
      depends_on: Object.fromEntries(
        (deps.get(name) ?? []).map((d) => [service(d), { condition: "service_healthy" }]),
      ),
    };
  }
  const file = {
    name: COMPOSE_PROJECT,
    services,
    volumes,
    networks: { default: { name: `${COMPOSE_PROJECT}-network` } },
  };
  // It holds the stack's generated passwords: readable by this user only.
  const write = (path: string, content: object) =>
    writeFileSync(path, dump(JSON.parse(JSON.stringify(content)) as object, { lineWidth: -1 }), {
      mode: 0o600,
    });
  write(COMPOSE_FILE, file);
  if (EARLIER) {
    const earlier = structuredClone(file) as { services: Record<string, Record<string, unknown>> };
    for (const [svc, def] of Object.entries(earlier.services)) {
      const h = def.healthcheck as Record<string, unknown> | undefined;
      if (h !== undefined) {
        h.interval = "10s";
        delete h.start_interval;
      }
      if (svc === "app") {
        def.depends_on = {
          mysql: { condition: "service_healthy" },
          search: { condition: "service_healthy" },
        };
      }
    }
    write(COMPOSE_EARLIER_FILE, earlier);
    log(
      `earlier-design twin: ${COMPOSE_EARLIER_FILE} (10 s checks, the app after MySQL and search)`,
    );
  }
  log(`compose file: ${COMPOSE_FILE} (${Object.keys(services).join(", ")})`);
  for (const [name, d] of deps)
    log(`  ${service(name)} waits for: ${d.map(service).join(", ") || "-"}`);
}

// ---- the stack ------------------------------------------------------------------------------

interface Outputs {
  url: string;
  containerNames: Record<string, string>;
  backupContainer?: string;
}

async function outputs(ctx: PulumiContext): Promise<Outputs> {
  return JSON.parse((await pulumiOk(ctx, ["stack", "output", "--json"])).stdout) as Outputs;
}

/** Docker objects of the stack (a failed earlier run, or the backups volume it keeps). */
function removeStackLeftovers(): void {
  const mine = (lines: string) => lines.split("\n").filter((n) => n.startsWith(`${PREFIX}-`));
  for (const c of mine(docker("ps", "-a", "--format", "{{.Names}}"))) docker("rm", "-f", c);
  for (const v of mine(docker("volume", "ls", "--format", "{{.Name}}"))) docker("volume", "rm", v);
  for (const n of mine(docker("network", "ls", "--format", "{{.Name}}")))
    docker("network", "rm", n);
}

/**
 * When each container was created and started, in seconds from `t0` (the command's start), from
 * `docker inspect`: where the time before the first container went.
 */
function containerTimes(names: Record<string, string>, t0: number): string {
  return Object.entries(names)
    .map(([svc, name]) => {
      const [created, started] = docker(
        "inspect",
        "--format",
        "{{.Created}} {{.State.StartedAt}}",
        name,
      ).split(" ");
      const at = (iso: string | undefined) => ((Date.parse(iso ?? "") - t0) / 1000).toFixed(1);
      return `${svc} ${at(created)}/${at(started)}`;
    })
    .join(", ");
}

// ---- the run --------------------------------------------------------------------------------

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(1)} s (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}; ${xs.map((x) => x.toFixed(1)).join(" ")})`;

async function main(): Promise<void> {
  const ctx: PulumiContext = {
    cwd: prepareProject(REPO, join(WORK, "project"), STACK),
    backendUrl: `file://${join(WORK, "state")}`,
    passphrase: randomBytes(18).toString("base64"),
    stack: STACK,
  };
  rmSync(join(WORK, "state"), { recursive: true, force: true });
  mkdirSync(join(WORK, "state"), { recursive: true });
  removeStackLeftovers();
  await compose("down", "-v", "--remove-orphans").catch(() => undefined);
  await pulumiOk(ctx, ["stack", "select", STACK, "--create"]);
  const set = (k: string, v: string) => pulumiOk(ctx, ["config", "set", k, v]);
  if (process.env.MICROBLOG_IMAGES_KIND === "stand-in") {
    await set("mysqlImage", env("MICROBLOG_MYSQL_IMAGE"));
    await set("searchImage", env("MICROBLOG_ELASTICSEARCH_IMAGE"));
    await set("appBaseImage", env("MICROBLOG_NODE_IMAGE"));
  }
  if (process.env.BENCH_CA_FILE) await set("appBuildCaCertFile", process.env.BENCH_CA_FILE);
  await set("appPort", String(await freePort()));
  const result = {
    date: new Date().toISOString(),
    cpus: cpus().length,
    engine: process.env.MICROBLOG_ENGINE_DESC,
    node: process.env.MICROBLOG_NODE_DESC ?? `node ${process.version}`,
    images: process.env.MICROBLOG_IMAGES_DESC,
    docker: docker("version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"),
    compose: execFileSync(COMPOSE, ["version", "--short"], { encoding: "utf8" }).trim(),
    repo: REPO,
    revision: execFileSync("git", ["-C", REPO, "rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
    }).trim(),
    up: [] as number[],
    destroy: [] as number[],
    composeUp: [] as number[],
    composeDown: [] as number[],
    noop: [] as number[],
    appOnly: [] as number[],
    load: [] as string[],
    pulumiStarts: [] as string[],
    composeStarts: [] as string[],
    composeEarlierUp: [] as number[],
    composeEarlierStarts: [] as string[],
  };
  try {
    log("warm-up: pulumi up (builds the app image into the cache), compose file, destroy");
    await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
    const out = await outputs(ctx);
    await healthy(out.url);
    const names = [...Object.values(out.containerNames)];
    if (out.backupContainer !== undefined) names.push(out.backupContainer);
    docker(
      "tag",
      docker("inspect", "--format", "{{.Image}}", out.containerNames.app!),
      COMPOSE_APP_IMAGE,
    );
    await writeComposeFile(ctx, names);
    await pulumiOk(ctx, ["destroy", "--yes", "--skip-preview"]);
    removeStackLeftovers();
    log("warm-up: compose up --wait / down -v");
    await compose("up", "--wait", "--no-build", "--quiet-pull");
    await healthy(out.url);
    await compose("down", "-v");

    const composeNames = Object.fromEntries(
      names.map((n) => {
        const svc = n.slice(PREFIX.length + 1);
        return [svc, `${COMPOSE_PROJECT}-${svc}-1`];
      }),
    );
    const stackNames = Object.fromEntries(names.map((n) => [n.slice(PREFIX.length + 1), n]));
    for (let i = 1; i <= PAIRS; i++) {
      result.load.push(load());
      let t0 = Date.now();
      const up = await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
      await healthy(out.url);
      result.up.push(up.seconds);
      result.pulumiStarts.push(containerTimes(stackNames, t0));
      result.destroy.push((await pulumiOk(ctx, ["destroy", "--yes", "--skip-preview"])).seconds);
      removeStackLeftovers();
      t0 = Date.now();
      result.composeUp.push(await compose("up", "--wait", "--no-build", "--quiet-pull"));
      await healthy(out.url);
      result.composeStarts.push(containerTimes(composeNames, t0));
      result.composeDown.push(await compose("down", "-v"));
      if (EARLIER) {
        t0 = Date.now();
        result.composeEarlierUp.push(
          await composeEarlier("up", "--wait", "--no-build", "--quiet-pull"),
        );
        await healthy(out.url);
        result.composeEarlierStarts.push(containerTimes(composeNames, t0));
        await composeEarlier("down", "-v");
        log(`  earlier-design compose up --wait ${result.composeEarlierUp.at(-1)!.toFixed(1)} s`);
        log(`  created/started (s): earlier compose ${result.composeEarlierStarts.at(-1)}`);
      }
      log(
        `pair ${i}: pulumi up ${up.seconds.toFixed(1)} s, compose up --wait ${result.composeUp.at(-1)!.toFixed(1)} s (load ${result.load.at(-1)})`,
      );
      log(`  created/started (s): pulumi ${result.pulumiStarts.at(-1)}`);
      log(`  created/started (s): compose ${result.composeStarts.at(-1)}`);
    }

    log("no-op up and app-only updates");
    await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
    for (let i = 1; i <= NOOPS; i++) {
      const res = await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
      if (/\d+ (created|updated|replaced|deleted)/.test(res.stdout)) {
        throw new Error(`the no-op up changed something:\n${res.stdout.slice(-2000)}`);
      }
      result.noop.push(res.seconds);
    }
    const id = (c: string) => docker("inspect", "--format", "{{.Id}}", c);
    for (let i = 1; i <= APP_UPDATES; i++) {
      const data = ["mysql", "search"].map((s) => id(out.containerNames[s]!));
      const app = id(out.containerNames.app!);
      appendFileSync(join(ctx.cwd, "app/public/style.css"), `\n/* bench ${Date.now()} */\n`);
      const res = await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
      await healthy(out.url);
      const after = ["mysql", "search"].map((s) => id(out.containerNames[s]!));
      if (after.join() !== data.join())
        throw new Error("an app-only update replaced a data container");
      if (id(out.containerNames.app!) === app)
        throw new Error("the app container was not replaced");
      result.appOnly.push(res.seconds);
      log(`app-only update ${i}: ${res.seconds.toFixed(1)} s`);
    }
  } finally {
    await pulumiOk(ctx, ["destroy", "--yes", "--skip-preview"]).catch((e: Error) => log(e.message));
    removeStackLeftovers();
    await compose("down", "-v", "--remove-orphans").catch(() => undefined);
    try {
      docker("rmi", COMPOSE_APP_IMAGE);
    } catch {
      // already gone
    }
    rmSync(join(WORK, "compose-secrets"), { recursive: true, force: true });
  }
  writeFileSync(join(WORK, "results.json"), JSON.stringify(result, null, 2));
  console.log(
    `revision ${result.revision} (${result.repo}); ${result.cpus} CPUs; docker ${result.docker}; compose ${result.compose}`,
  );
  console.log(`engine: ${result.engine}`);
  console.log(`program's Node.js: ${result.node}`);
  console.log(`images: ${result.images}`);
  console.log(`load average (1 min) before each pair: ${result.load.join(" ")}`);
  console.log(`pulumi up from empty:        ${fmt(result.up)}`);
  console.log(`docker compose up --wait:    ${fmt(result.composeUp)}`);
  console.log(
    `ratio up/compose, per pair:  ${result.up.map((u, i) => (u / result.composeUp[i]!).toFixed(2)).join(" ")}`,
  );
  console.log(`pulumi destroy:              ${fmt(result.destroy)}`);
  console.log(`docker compose down -v:      ${fmt(result.composeDown)}`);
  if (EARLIER) {
    console.log(`earlier-design compose up:   ${fmt(result.composeEarlierUp)}`);
    console.log(
      `ratio up/earlier, per pair:  ${result.up.map((u, i) => (u / result.composeEarlierUp[i]!).toFixed(2)).join(" ")}`,
    );
  }
  console.log(`no-op up:                    ${fmt(result.noop)}`);
  console.log(`app-only update:             ${fmt(result.appOnly)}`);
  console.log("containers created/started, s from the command's start, per pair:");
  result.pulumiStarts.forEach((p, i) => {
    console.log(`  pulumi  ${p}`);
    console.log(`  compose ${result.composeStarts[i]}`);
    if (EARLIER) console.log(`  earlier ${result.composeEarlierStarts[i]}`);
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
