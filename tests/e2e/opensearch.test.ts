/**
 * The `searchEngine: opensearch` option, end to end: its own stack deploys MySQL, OpenSearch and
 * the app (the official OpenSearch image, or a stand-in that refuses to start where the official
 * image would not serve plain HTTP), a user posts, search finds the post, and destroy removes it
 * all. Runs after deploy.test.ts, on the same engine, Docker and registry.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import { SEARCH_IMAGE_DEFAULTS } from "../../components/config-schema.js";
import { docker, runsImage } from "./lib/docker.js";
import { waitFor } from "./lib/http-client.js";
import { post, readiness, registerAndLogin, searchFinds } from "./lib/microblog.js";
import { pulumi, pulumiOk, type PulumiContext } from "./lib/pulumi-cli.js";
import { createStack, env } from "./lib/stack.js";

const STACK = "e2e-opensearch";
let ctx: PulumiContext | undefined;
let up = false;

before(async () => {
  const port = execFileSync("python3", [
    "-c",
    'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])',
  ])
    .toString()
    .trim();
  ctx = await createStack(STACK, "opensearch", { appPort: port });
});

test("opensearch stack: up, post, and the post is found through OpenSearch", async (t) => {
  assert.ok(ctx);
  const res = await pulumiOk(ctx, ["up", "--yes", "--skip-preview"]);
  up = true;
  t.diagnostic(`up took ${res.seconds.toFixed(1)} s`);
  const outputs = JSON.parse((await pulumiOk(ctx, ["stack", "output", "--json"])).stdout) as {
    url: string;
    containerNames: Record<"search", string>;
  };
  const standIn = env("E2E_IMAGES_KIND") === "stand-in";
  const ref = standIn ? env("E2E_OPENSEARCH_IMAGE") : SEARCH_IMAGE_DEFAULTS.opensearch;
  const { ok, detail } = runsImage(outputs.containerNames.search, ref);
  t.diagnostic(detail);
  assert.ok(ok, detail);
  const ready = await waitFor(async () => (await readiness(outputs.url))?.status === 200, 90);
  assert.ok(ready, "/readyz became 200");
  assert.equal((await readiness(outputs.url))?.search, "up", "OpenSearch is wired");
  const root = docker(
    "exec",
    outputs.containerNames.search,
    "curl",
    "-fsS",
    "http://127.0.0.1:9200/",
  );
  assert.match(root, /opensearch/i, "the search container is OpenSearch, on plain HTTP");
  const carol = await registerAndLogin(outputs.url, "carol");
  const word = `quokka${Date.now().toString(36)}`;
  const text = `A post about ${word} indexed by OpenSearch`;
  await post(carol, text);
  assert.ok(await searchFinds(carol, word, text), "the post is found through search");
});

test("opensearch stack: destroy removes every container", async (t) => {
  if (!ctx || !up) return t.skip("`pulumi up` did not succeed");
  await pulumiOk(ctx, ["destroy", "--yes", "--skip-preview"]);
  up = false;
  const left = docker("ps", "-a", "--format", "{{.Names}}")
    .split("\n")
    .filter((n) => n.startsWith(`microblog-infra-${STACK}-`));
  assert.deepEqual(left, []);
});

after(async () => {
  if (ctx && up) await pulumi(ctx, ["destroy", "--yes", "--skip-preview"]);
  for (const v of docker("volume", "ls", "--format", "{{.Name}}").split("\n")) {
    if (v.startsWith(`microblog-infra-${STACK}-`)) docker("volume", "rm", v);
  }
  // App images of this stack's repository that a failed run may have left (untagged too).
  const ids = docker("images", "--format", "{{.Repository}} {{.ID}}")
    .split("\n")
    .filter((line) => line.split(" ")[0]?.endsWith(`microblog-e2e/${STACK}`))
    .map((line) => line.split(" ")[1]!);
  for (const id of new Set(ids)) docker("rmi", "-f", id);
});
