// Microblog: one system, rendered on local Docker (target local) or AWS ECS (target ecs).
// This file only wires: config → secrets → target renderer → stack outputs.
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "./components/config.js";
import { Secrets } from "./components/secrets.js";
import { deployLocal } from "./components/local/index.js";

/** The Pulumi program; its return value becomes the stack outputs. */
export default async function main(): Promise<Record<string, unknown>> {
  const config = loadConfig();
  const secrets = new Secrets("microblog", { mailPassword: config.mail.password });
  // Relative to the working directory (Pulumi runs in the project root), so state holds
  // "app" rather than a machine-specific absolute path.
  const appDir = relative(process.cwd(), fileURLToPath(new URL("./app", import.meta.url)));
  if (config.target === "local") {
    return { ...deployLocal(config, secrets, appDir) };
  }
  // Loaded only here, so a local stack never pays for @pulumi/aws.
  const { deployEcs } = await import("./components/ecs/index.js");
  return { ...deployEcs(config, secrets, appDir) };
}
