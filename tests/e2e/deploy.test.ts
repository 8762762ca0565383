/**
 * End to end, for real: a real Pulumi engine (the official CLI or the one built here, see run.sh)
 * deploys the dev stack's configuration onto the Docker engine started by run.sh, with the
 * official images or their stand-ins, and the app image pushed to the local registry. Steps run
 * in order and share one deployment; a step whose prerequisite failed is skipped with the reason.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CONFIG_KEYS, SEARCH_IMAGE_DEFAULTS } from "../../components/config-schema.js";
import { docker, runsImage } from "./lib/docker.js";
import { Browser, waitFor } from "./lib/http-client.js";
import { follow, post, readiness, registerAndLogin, searchFinds } from "./lib/microblog.js";
import { pulumi, pulumiOk, previewSteps, urnParts, type PulumiContext } from "./lib/pulumi-cli.js";
import { createStack, env } from "./lib/stack.js";

const STACK = "e2e";
/** Repository of the app image in the local registry; only this suite uses it. */
const APP_REPOSITORY = `microblog-e2e/${STACK}`;
const timings: Record<string, number> = {};
const state = { up: false, destroyed: false, failures: [] as string[] };
let ctx: PulumiContext;
let baseUrl = "";
let outputs: {
  url: string;
  containerNames: Record<"app" | "mysql" | "search", string>;
  volumeNames: Record<"mysql" | "search", string>;
  networkName: string;
  appImage: string;
};

/** Local images of the app repository, as `repo:tag id digest` lines. */
function appImages(): string[] {
  return docker("images", "--digests", "--format", "{{.Repository}}:{{.Tag}} {{.ID}} {{.Digest}}")
    .split("\n")
    .filter((line) => line.includes(APP_REPOSITORY));
}

/** Skips a step when the deployment it needs is not there. */
function needsUp(t: { skip: (msg: string) => void }): boolean {
  if (!state.up || state.destroyed) {
    t.skip(state.destroyed ? "stack already destroyed" : "`pulumi up` did not succeed");
    return false;
  }
  return true;
}

async function readOutputs(): Promise<void> {
  const res = await pulumiOk(ctx, ["stack", "output", "--json"]);
  outputs = JSON.parse(res.stdout) as typeof outputs;
  baseUrl = outputs.url;
}

/** Removes Docker objects a crashed earlier run of this stack left behind (names are ours). */
function removeLeftovers(): void {
  const prefix = `microblog-infra-${STACK}-`;
  const list = (...args: string[]) =>
    docker(...args)
      .split("\n")
      .filter((n) => n.startsWith(prefix));
  for (const c of list("ps", "-a", "--format", "{{.Names}}")) docker("rm", "-f", "-v", c);
  for (const n of list("network", "ls", "--format", "{{.Name}}")) docker("network", "rm", n);
  for (const v of list("volume", "ls", "--format", "{{.Name}}")) docker("volume", "rm", v);
  const appImages = docker("images", "--format", "{{.Repository}} {{.ID}}")
    .split("\n")
    .filter((line) => line.split(" ")[0]?.endsWith(APP_REPOSITORY))
    .map((line) => line.split(" ")[1]!);
  for (const id of new Set(appImages)) docker("rmi", "-f", id);
}

before(async () => {
  removeLeftovers();
  ctx = await createStack(STACK, "elasticsearch", { appPort: env("E2E_APP_PORT") });
});

test("up from nothing: the app answers on 127.0.0.1 and /readyz is green", async (t) => {
  const res = await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
  timings.upFromEmpty = res.seconds;
  state.up = true;
  await readOutputs();
  assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  const ready = await waitFor(async () => (await readiness(baseUrl))?.status === 200, 60);
  assert.ok(ready, "/readyz became 200");
  const report = await readiness(baseUrl);
  assert.equal(report?.database, "up");
  assert.equal(report?.search, "up", "the search engine is wired");
  const published = docker("port", outputs.containerNames.app);
  assert.match(published, /^5000\/tcp -> 127\.0\.0\.1:\d+$/m, "app published on loopback only");
  assert.equal(docker("port", outputs.containerNames.mysql), "", "MySQL is not published");
  assert.equal(docker("port", outputs.containerNames.search), "", "search is not published");
  // The images that ran are the ones run.sh chose: the program's defaults or the stand-ins.
  const standIn = env("E2E_IMAGES_KIND") === "stand-in";
  for (const [c, ref] of [
    [
      outputs.containerNames.mysql,
      standIn ? env("E2E_MYSQL_IMAGE") : String(CONFIG_KEYS.mysqlImage.default),
    ],
    [
      outputs.containerNames.search,
      standIn ? env("E2E_ELASTICSEARCH_IMAGE") : SEARCH_IMAGE_DEFAULTS.elasticsearch,
    ],
  ] as const) {
    const { ok, detail } = runsImage(c, ref);
    t.diagnostic(detail);
    assert.ok(ok, detail);
  }
});

const word = `zephyr${Date.now().toString(36)}`;
const firstPost = `First post about ${word} from the e2e suite`;

test("the engine applied the hardening: capabilities, no-new-privileges, init, stop grace", (t) => {
  if (!needsUp(t)) return;
  const host = (c: string) =>
    JSON.parse(docker("inspect", "--format", "{{json .HostConfig}}", c)) as {
      CapDrop: string[] | null;
      CapAdd: string[] | null;
      SecurityOpt: string[] | null;
      Init: boolean | null;
    };
  for (const c of Object.values(outputs.containerNames)) {
    const h = host(c);
    assert.ok(
      h.CapDrop?.some((cap) => /^(CAP_)?ALL$/.test(cap)),
      `${c} drops all capabilities`,
    );
    assert.ok(h.SecurityOpt?.includes("no-new-privileges:true"), `${c} sets no-new-privileges`);
  }
  assert.deepEqual(host(outputs.containerNames.app).CapAdd ?? [], [], "the app keeps none");
  assert.equal(host(outputs.containerNames.app).Init, true, "the app runs under an init");
  const stop = docker("inspect", "--format", "{{.Config.StopTimeout}}", outputs.containerNames.app);
  assert.equal(stop, "30");
});

test("journey: register, log in, post, search, follow, timeline", async (t) => {
  if (!needsUp(t)) return;
  const alice = await registerAndLogin(baseUrl, "alice");
  const bob = await registerAndLogin(baseUrl, "bob");
  await post(alice, firstPost);
  assert.ok(await searchFinds(bob, word, firstPost), "the post is found through search");
  await follow(bob, "alice");
  const timeline = await bob.get("/");
  assert.equal(timeline.status, 200);
  assert.ok(timeline.body.includes(firstPost), "bob's timeline shows the followed user's post");
  const explore = await new Browser(baseUrl).get("/explore");
  assert.ok(explore.body.includes(firstPost), "explore lists the post without login");
});

test("preview right after up reports no changes, with and without a refresh", async (t) => {
  if (!needsUp(t)) return;
  const res = await pulumi(ctx, ["preview", "--expect-no-changes", "--diff"]);
  assert.equal(res.code, 0, `preview found changes:\n${res.stdout.slice(-3000)}`);
  // The same after the provider reads every resource back from the engine, as `up --refresh`
  // and the daily drift job do: a value Docker stores in another spelling would show here.
  const refreshed = await pulumi(ctx, ["preview", "--refresh", "--expect-no-changes", "--diff"]);
  assert.equal(
    refreshed.code,
    0,
    `preview --refresh found changes:\n${refreshed.stdout.slice(-3000)}`,
  );
  const noop = await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
  timings.noopUp = noop.seconds;
  assert.match(noop.stdout, /\d+ unchanged/);
  assert.doesNotMatch(noop.stdout, /\d+ (created|updated|replaced|deleted)/);
});

test("the policy pack passes on the deployed stack (real engine)", async (t) => {
  if (!needsUp(t)) return;
  // The e2e stack is a copy of dev, so it gets dev's exemption from data protection.
  const packConfig = join(env("E2E_WORK"), "policy-config.json");
  writeFileSync(
    packConfig,
    JSON.stringify({ "data-protected-outside-dev": { unprotectedStacks: ["dev", STACK] } }),
  );
  const res = await pulumi(ctx, [
    "preview",
    "--policy-pack",
    join(env("E2E_REPO"), "policy"),
    "--policy-pack-config",
    packConfig,
    "--expect-no-changes",
  ]);
  assert.equal(res.code, 0, `policy preview failed:\n${res.stdout.slice(-4000)}${res.stderr}`);
  assert.match(res.stdout, /microblog@v\d+\.\d+\.\d+/, "the pack ran and reported");
  assert.doesNotMatch(res.stdout, /mandatory/, "no mandatory violation");
});

test("no credential in clear in outputs or state", async (t) => {
  if (!needsUp(t)) return;
  const out = await pulumiOk(ctx, ["stack", "output", "--json"]);
  const exported = await pulumiOk(ctx, ["stack", "export"]);
  const shown = await pulumiOk(ctx, ["stack", "export", "--show-secrets"]);
  // Every generated password, read in clear from the decrypted export.
  // (`--show-secrets` writes a secret as {"<sig>": …, "plaintext": "<JSON of the value>"}.)
  type Exported = {
    deployment: { resources?: { type: string; outputs?: { result?: unknown } }[] };
  };
  const clear = (v: unknown): string =>
    typeof v === "string"
      ? v
      : typeof v === "object" && v !== null && "plaintext" in v
        ? String(JSON.parse(String((v as { plaintext: unknown }).plaintext)))
        : "";
  const secrets = ((JSON.parse(shown.stdout) as Exported).deployment.resources ?? [])
    .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
    .map((r) => clear(r.outputs?.result));
  assert.equal(secrets.filter((p) => p.length >= 32).length, 3, "three generated passwords");
  secrets.push(env("E2E_REGISTRY_PASSWORD"));
  for (const secret of secrets) {
    assert.ok(!out.stdout.includes(secret), "a secret appears in the stack outputs");
    assert.ok(!exported.stdout.includes(secret), "a secret appears in clear in the state");
  }
  // MySQL gets its passwords as root-only files, so `docker inspect` shows none of them; the
  // app (read-only root filesystem, which Docker cannot upload into) gets a secret env list.
  const mysql = outputs.containerNames.mysql;
  const mysqlEnv = docker("inspect", "--format", "{{json .Config.Env}}", mysql);
  for (const secret of secrets) assert.ok(!mysqlEnv.includes(secret), "a secret is in MySQL's env");
  assert.match(mysqlEnv, /MYSQL_PASSWORD_FILE=\/run\/secrets\/mysql_password/);
  const mode = docker("exec", mysql, "stat", "-c", "%u %a", "/run/secrets/mysql_password");
  assert.equal(mode, "0 400", "MySQL's credential files are root-only");
  const appEnv = docker("inspect", "--format", "{{json .Config.Env}}", outputs.containerNames.app);
  assert.match(appEnv, /DATABASE_URL=mysql:\/\/microblog:/, "the app got its database URL");
});

test("app-only change: only the image and the app container change; data survives", async (t) => {
  if (!needsUp(t)) return;
  const marker = `e2e-marker-${Date.now()}`;
  appendFileSync(join(ctx.cwd, "app/public/style.css"), `\n/* ${marker} */\n`);
  const preview = await pulumiOk(ctx, ["preview", "--json"]);
  const changed = previewSteps(preview.stdout)
    .filter((s) => s.op !== "same" && s.op !== "read")
    .map((s) => `${s.op} ${urnParts(s.urn).type}::${urnParts(s.urn).name}`);
  const touched = [...new Set(changed.map((c) => c.split(" ")[1]!.split("::")[0]!))].sort();
  // The Image, the app container, and the RemoteImage handle that removes the old local app
  // image (docker.Image never deletes what it built).
  assert.deepEqual(touched, [
    "docker:index/container:Container",
    "docker:index/image:Image",
    "docker:index/remoteImage:RemoteImage",
  ]);
  assert.ok(
    changed.every((c) => !/::.*(mysql|search)/.test(c) || /Image::/.test(c)),
    `only the app changes: ${changed.join(", ")}`,
  );
  const mysqlId = docker("inspect", "--format", "{{.Id}}", outputs.containerNames.mysql);
  t.diagnostic(`app images before the update: ${appImages().join(", ")}`);
  const res = await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
  timings.appOnlyUpdate = res.seconds;
  t.diagnostic(`app images after the update: ${appImages().join(", ")}`);
  await readOutputs();
  assert.equal(docker("inspect", "--format", "{{.Id}}", outputs.containerNames.mysql), mysqlId);
  assert.ok(await waitFor(async () => (await readiness(baseUrl))?.status === 200, 60));
  const css = await new Browser(baseUrl).get("/static/style.css");
  assert.ok(css.body.includes(marker), "the new app version is served");
  const anon = new Browser(baseUrl);
  assert.ok((await anon.get("/explore")).body.includes(firstPost), "earlier posts survive");
  assert.ok(await searchFinds(anon, word, firstPost), "and are still searchable");
});

test("MySQL stopped by hand: /readyz turns 503 without a crash, then recovers", async (t) => {
  if (!needsUp(t)) return;
  const appId = docker("inspect", "--format", "{{.Id}}", outputs.containerNames.app);
  docker("stop", outputs.containerNames.mysql);
  try {
    const down = await waitFor(async () => {
      const r = await readiness(baseUrl);
      return r?.status === 503 && r.database === "down";
    }, 30);
    assert.ok(down, "/readyz reports the database down");
    const alive = await fetch(new URL("/healthz", baseUrl));
    assert.equal(alive.status, 200, "the process stays alive");
  } finally {
    docker("start", outputs.containerNames.mysql);
  }
  const back = await waitFor(async () => (await readiness(baseUrl))?.status === 200, 90);
  assert.ok(back, "the app recovers when MySQL is back");
  const restarts = docker("inspect", "--format", "{{.RestartCount}}", outputs.containerNames.app);
  assert.equal(docker("inspect", "--format", "{{.Id}}", outputs.containerNames.app), appId);
  assert.equal(restarts, "0", "the app recovered without a restart");
});

/** Bodies of the posts MySQL holds (those starting with `prefix`), read as root in its container. */
function storedPosts(prefix = ""): string[] {
  const like = prefix === "" ? "" : ` WHERE body LIKE '${prefix}%'`;
  return docker(
    "exec",
    outputs.containerNames.mysql,
    "sh",
    "-c",
    'c=$(command -v mysql || command -v mariadb); "$c" -uroot -p"$(cat /run/secrets/mysql_root_password)" -N -e "$1" microblog',
    "sh",
    `SELECT body FROM posts${like} ORDER BY id`,
  )
    .split("\n")
    .filter((line) => line !== "");
}

test("drill: MySQL killed (SIGKILL) under write load loses no acknowledged post", async (t) => {
  if (!needsUp(t)) return;
  const mysql = outputs.containerNames.mysql;
  const writer = await registerAndLogin(baseUrl, "drill");
  const acknowledged: string[] = [];
  let refused = 0;
  let killed = false;
  const tag = `sigkill${Date.now().toString(36)}`;
  // One writer posting without pause; MySQL is killed after the tenth acknowledged post.
  for (let i = 0; i < 400 && acknowledged.length < 40; i++) {
    const text = `${tag} post ${i}`;
    let status = 0;
    try {
      status = (await writer.submit("/", "/", { post: text })).status;
    } catch {
      status = 0; // connection reset while the app restarts its pool: not acknowledged
    }
    if (status === 302) acknowledged.push(text);
    else refused++;
    if (!killed && acknowledged.length === 10) {
      // A crash, not an operator's stop: SIGKILL to the server process from the host (`docker
      // kill` would count as a manual stop, which the restart policy leaves stopped).
      process.kill(Number(docker("inspect", "--format", "{{.State.Pid}}", mysql)), "SIGKILL");
      killed = true;
    }
    if (status !== 302) await new Promise((r) => setTimeout(r, 500));
  }
  t.diagnostic(`${acknowledged.length} posts acknowledged, ${refused} refused around the kill`);
  assert.ok(killed && acknowledged.length === 40, "writes were acknowledged again after restart");
  // The restart policy brought MySQL back by itself; read what it holds, as root, in the container.
  const stored = storedPosts(tag);
  const missing = acknowledged.filter((p) => !stored.includes(p));
  assert.deepEqual(missing, [], "every acknowledged post survived the kill");
  const restarts = docker("inspect", "--format", "{{.RestartCount}}", mysql);
  assert.ok(Number(restarts) >= 1, "MySQL was restarted by its restart policy");
});

test("a bad config value fails preview with the config error and changes nothing", async (t) => {
  if (!needsUp(t)) return;
  const before = (await pulumiOk(ctx, ["stack", "export"])).stdout;
  await pulumiOk(ctx, ["config", "set", "appPort", "70000"]);
  try {
    const res = await pulumi(ctx, ["preview"]);
    assert.notEqual(res.code, 0, "preview must fail");
    assert.match(res.stdout + res.stderr, /appPort/);
    assert.match(res.stdout + res.stderr, /70000/);
    const up = await pulumi(ctx, ["up", "--yes", "--skip-preview"]);
    assert.notEqual(up.code, 0, "up must fail too");
  } finally {
    await pulumiOk(ctx, ["config", "set", "appPort", env("E2E_APP_PORT")]);
  }
  const afterState = (await pulumiOk(ctx, ["stack", "export"])).stdout;
  // Secrets are re-encrypted with a fresh nonce whenever state is written, so compare what a
  // touched resource would change: its identity, its id and its last-modified time.
  const resources = (text: string) =>
    (
      JSON.parse(text) as {
        deployment: { resources?: { urn: string; id?: string; modified?: string }[] };
      }
    ).deployment.resources?.map((r) => `${r.urn} ${r.id ?? ""} ${r.modified ?? ""}`);
  assert.deepEqual(resources(afterState), resources(before), "no resource was touched");
});

/** Stack outputs as a file, for the backup and restore scripts. */
async function outputsFile(): Promise<string> {
  const file = join(env("E2E_WORK"), "outputs.json");
  writeFileSync(file, (await pulumiOk(ctx, ["stack", "output", "--json"])).stdout);
  return file;
}

const script = (name: string, ...args: string[]): string =>
  execFileSync("bash", [join(env("E2E_REPO"), "scripts", name), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });

/** Posts listed on /explore (the first page). */
async function explored(): Promise<string> {
  return (await new Browser(baseUrl).get("/explore")).body;
}

let backedUp: string[] = [];

test("drill, part 1: a backup taken now holds every post so far", async (t) => {
  if (!needsUp(t)) return;
  const out = script("backup-dev.sh", "--stack", STACK, "--outputs-file", await outputsFile());
  t.diagnostic(out.trim());
  backedUp = storedPosts();
  assert.ok(backedUp.includes(firstPost), "the journey's post is in the database");
});

test("destroy leaves no container, network or app image behind", async (t) => {
  if (!needsUp(t)) return;
  const res = await pulumiOk(ctx, ["destroy", "--yes", "--skip-preview"]);
  timings.destroy = res.seconds;
  state.destroyed = true;
  const names = Object.values(outputs.containerNames);
  const containers = docker("ps", "-a", "--format", "{{.Names}}").split("\n");
  assert.deepEqual(
    containers.filter((c) => names.includes(c)),
    [],
  );
  const networks = docker("network", "ls", "--format", "{{.Name}}").split("\n");
  assert.ok(!networks.includes(outputs.networkName), "network removed");
  const images = docker("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").split("\n");
  const repository = (line: string) => line.slice(0, line.lastIndexOf(":"));
  const left = images.filter((line) => repository(line.split(" ")[0]!).endsWith(APP_REPOSITORY));
  assert.deepEqual(left, [], "no app image is left");
  const volumes = docker("volume", "ls", "--format", "{{.Name}}").split("\n");
  const retained = Object.values(outputs.volumeNames).filter((v) => volumes.includes(v));
  const retain = /dataRetainOnDelete:\s*true/.test(
    readFileSync(join(ctx.cwd, `Pulumi.${STACK}.yaml`), "utf8"),
  );
  assert.equal(retained.length, retain ? 2 : 0, `volumes retained only if configured`);
});

test("drill, part 2: destroy with the data volumes, up, restore: every post is back and found", async (t) => {
  if (backedUp.length === 0 || !state.destroyed) return t.skip("part 1 or destroy did not run");
  const volumes = docker("volume", "ls", "--format", "{{.Name}}").split("\n");
  assert.ok(volumes.includes(`microblog-infra-${STACK}-backups`), "the backups outlive destroy");
  assert.ok(!volumes.includes(outputs.volumeNames.mysql), "the MySQL data volume is gone");
  const res = await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
  state.destroyed = false;
  timings.upAfterDestroy = res.seconds;
  await readOutputs();
  assert.ok(await waitFor(async () => (await readiness(baseUrl))?.status === 200, 90));
  assert.deepEqual(storedPosts(), [], "a new, empty database before the restore");
  const started = Date.now();
  const out = script(
    "restore-dev.sh",
    "--stack",
    STACK,
    "--yes",
    "--outputs-file",
    await outputsFile(),
  );
  timings.restore = (Date.now() - started) / 1000;
  t.diagnostic(out.trim().split("\n").slice(-4).join(" | "));
  assert.ok(await waitFor(async () => (await readiness(baseUrl))?.status === 200, 90));
  const restored = storedPosts();
  assert.deepEqual(
    backedUp.filter((p) => !restored.includes(p)),
    [],
    `all ${backedUp.length} posts are back`,
  );
  assert.ok((await explored()).includes(backedUp.at(-1) ?? ""), "and served");
  assert.ok(await searchFinds(new Browser(baseUrl), word, firstPost), "and found by search");
});

after(async () => {
  // Also after a failed `up`: whatever it did create must go.
  if (ctx !== undefined && !state.destroyed) {
    await pulumi(ctx, ["destroy", "--yes", "--skip-preview"]);
  }
  // Retained data volumes hold a database initialised with this run's generated password, and a
  // failed run may leave more: remove every Docker object of this stack so the next run starts
  // from nothing.
  removeLeftovers();
  writeFileSync(join(env("E2E_WORK"), "timings.json"), JSON.stringify(timings, null, 2));
  console.log(`e2e timings (s): ${JSON.stringify(timings)}`);
});
