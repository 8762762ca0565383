// Microblog: one system, rendered on local Docker (target local) or AWS ECS (target ecs).
// This file only wires, one way: config → secrets, image → spec → target's renderer → outputs.
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./components/config.js";
import { describeSystem } from "./components/describe.js";
import { AppImage } from "./components/image.js";
import { dockerApiVersion } from "./components/local/engine.js";
import { dockerEngine, localTarget } from "./components/local/index.js";
import { Secrets } from "./components/secrets.js";
import { SYSTEM_NAME, type Target } from "./components/spec.js";

/** The Pulumi program; its return value becomes the stack outputs. */
export default async function main(): Promise<Record<string, unknown>> {
  const config = loadConfig();
  // Aliases: these components were all named after the system before they had names of their own.
  const aliases = [{ name: SYSTEM_NAME }];
  const secrets = new Secrets(
    "secrets",
    { prefix: SYSTEM_NAME, mailPassword: config.mailPassword },
    { aliases },
  );
  const target: Target =
    config.target === "local"
      ? localTarget(
          config.namePrefix,
          config.registry,
          // The engine's API version decides the health-check form: configured, or asked.
          dockerEngine(config.dockerApiVersion ?? (await askDocker())),
        )
      : // Loaded only here, so a local stack never pays for @pulumi/aws.
        (await import("./components/ecs/index.js")).ecsTarget(config.namePrefix, SYSTEM_NAME);
  const image = new AppImage(
    "app-image",
    {
      prefix: SYSTEM_NAME,
      // Relative to the working directory (Pulumi runs in the project root), so state holds
      // "app" rather than a machine-specific absolute path.
      context: relative(process.cwd(), fileURLToPath(new URL("./app", import.meta.url))),
      repository: target.repository,
      registry: target.registry,
      platform: config.appPlatform,
      baseImage: config.appBaseImage,
      caCert: config.appBuildCaCertFile,
    },
    { aliases },
  );
  const spec = describeSystem(config, {
    secrets,
    appImage: { ref: image.ref, localCopy: image.localCopy },
    hosts: target.hosts,
  });
  const { url, ...rest } = target.render(spec);
  return { url, appImage: image.ref, ...rest };
}

/** The API version of the engine the docker provider talks to, as far as it can be asked. */
function askDocker(): Promise<string | undefined> {
  const host = new pulumi.Config("docker").get("host") ?? process.env.DOCKER_HOST;
  const tls = [process.env.DOCKER_TLS_VERIFY, process.env.DOCKER_CERT_PATH].some(Boolean);
  return dockerApiVersion(host || undefined, { tls });
}
