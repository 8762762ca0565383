// Entry of the local (Docker) target: builds the image, describes the system, renders it.
import * as pulumi from "@pulumi/pulumi";
import type { MicroblogConfig } from "../config.js";
import { AppImage } from "../image.js";
import type { Secrets } from "../secrets.js";
import { describeSystem, type ServiceName } from "../services.js";
import { LOCAL_HOSTS } from "./container.js";
import { LocalSystem } from "./system.js";

/** Stack outputs of the local target. Nothing in them is a credential. */
export interface LocalOutputs {
  readonly url: pulumi.Output<string>;
  readonly appImage: pulumi.Output<string>;
  readonly networkName: pulumi.Output<string>;
  readonly containerNames: pulumi.Output<Record<ServiceName, string>>;
  readonly volumeNames: pulumi.Output<Record<"mysql" | "search", string>>;
}

/** Declares the whole system on the local Docker engine. `appDir` is the build context. */
export function deployLocal(
  config: MicroblogConfig,
  secrets: Secrets,
  appDir: string,
): LocalOutputs {
  const local = config.local;
  if (local === undefined) throw new Error("deployLocal needs a stack whose target is local");
  const registry = local.registry;
  const image = new AppImage("microblog", {
    context: appDir,
    repository:
      registry === undefined
        ? `${config.namePrefix}-app`
        : `${registry.server}/${registry.repository}`,
    platform: config.app.platform,
    baseImage: config.app.baseImage,
    caCert: config.app.caCert,
    registry:
      registry === undefined
        ? undefined
        : { server: registry.server, username: registry.username, password: registry.password },
  });
  const spec = describeSystem({ config, secrets, appImage: image.ref, hosts: LOCAL_HOSTS });
  const system = new LocalSystem("microblog", {
    spec,
    namePrefix: config.namePrefix,
    appPort: local.appPort,
    hostPorts: { mysql: local.mysqlHostPort, search: local.searchHostPort },
    appDependsOn: [image.localCopy],
    data: config.data,
  });
  return {
    url: system.url,
    appImage: image.ref,
    networkName: system.networkName,
    containerNames: system.containerNames,
    volumeNames: system.volumeNames,
  };
}
