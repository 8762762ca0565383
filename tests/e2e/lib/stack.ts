/**
 * One end-to-end stack: a private project copy, its own file:// backend directory and its own
 * passphrase (so its salt is its own), and the stack config this machine needs beyond the dev
 * stack's: the images when stand-ins replace the official ones, the proxy CA for the app build,
 * the test registry, and a free port. `run.sh` sets the E2E_* variables.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { prepareProject } from "./project.js";
import { pulumiOk, type PulumiContext } from "./pulumi-cli.js";

/** A required E2E_* variable. */
export const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests/e2e/run.sh, not this file directly`);
  return value;
};

/** Creates stack `stack` for `engine` and sets its config; returns the CLI context. */
export async function createStack(
  stack: string,
  engine: "elasticsearch" | "opensearch",
  extra: Readonly<Record<string, string>> = {},
): Promise<PulumiContext> {
  const work = env("E2E_WORK");
  const ctx: PulumiContext = {
    cwd: prepareProject(env("E2E_REPO"), join(work, `project-${stack}`), stack),
    backendUrl: `file://${join(work, "state")}`,
    passphrase: randomBytes(18).toString("base64"),
    stack,
  };
  await pulumiOk(ctx, ["stack", "select", stack, "--create"]);
  const set = (key: string, value: string, secret = false) =>
    pulumiOk(ctx, ["config", "set", ...(secret ? ["--secret"] : []), key, value]);
  await set("searchEngine", engine);
  if (env("E2E_IMAGES_KIND") === "stand-in") {
    await set("mysqlImage", env("E2E_MYSQL_IMAGE"));
    await set(
      "searchImage",
      env(engine === "opensearch" ? "E2E_OPENSEARCH_IMAGE" : "E2E_ELASTICSEARCH_IMAGE"),
    );
    await set("appBaseImage", env("E2E_NODE_IMAGE"));
  }
  const caFile = process.env.E2E_CA_FILE ?? "";
  if (caFile !== "") await set("appBuildCaCertFile", caFile);
  await set("registryServer", env("E2E_REGISTRY"));
  await set("registryRepository", `microblog-e2e/${stack}`);
  await set("registryUsername", env("E2E_REGISTRY_USER"));
  await set("registryPassword", env("E2E_REGISTRY_PASSWORD"), true);
  for (const [key, value] of Object.entries(extra)) await set(key, value);
  return ctx;
}
