// The local (Docker) target: chapter host names, the app image kept locally or pushed to the
// configured registry, and the renderer.
import type { ImageRegistry, Target } from "../spec.js";
import { apiAtLeast, START_INTERVAL_API, type DockerEngine } from "./container.js";
import { LocalSystem } from "./system.js";

/** What the program knows of an engine at API version `apiVersion` (undefined = unknown). */
export function dockerEngine(apiVersion: string | undefined): DockerEngine {
  return { startInterval: apiVersion !== undefined && apiAtLeast(apiVersion, START_INTERVAL_API) };
}

/**
 * Declares the system on the local Docker engine; `registry` = where to push the app image,
 * `engine` = what the engine accepts.
 */
export function localTarget(
  namePrefix: string,
  registry: (ImageRegistry & { readonly server: string; readonly repository: string }) | undefined,
  engine: DockerEngine,
): Target {
  return {
    // The chapter's names on the Docker network.
    hosts: { app: "app", mysql: "mysql", search: "elasticsearch" },
    repository:
      registry === undefined ? `${namePrefix}-app` : `${registry.server}/${registry.repository}`,
    registry:
      registry === undefined
        ? undefined
        : { server: registry.server, username: registry.username, password: registry.password },
    render(spec) {
      // Aliased: the component was named after the system before it had a name of its own.
      const system = new LocalSystem(
        "local-system",
        { spec, engine },
        { aliases: [{ name: spec.name }] },
      );
      return {
        url: system.url,
        networkName: system.networkName,
        containerNames: system.containerNames,
        volumeNames: system.volumeNames,
        ...(system.backupContainer === undefined || system.backupVolume === undefined
          ? {}
          : { backupContainer: system.backupContainer, backupVolume: system.backupVolume }),
      };
    },
  };
}
