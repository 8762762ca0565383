// Entry of the ECS target, loaded only when target is ecs (it pulls in @pulumi/aws).
import * as pulumi from "@pulumi/pulumi";
import type { MicroblogConfig } from "../config.js";
import { AppImage } from "../image.js";
import type { Secrets } from "../secrets.js";
import { describeSystem, type ServiceName } from "../services.js";
import { EcrRegistry } from "./registry.js";
import { EcsSystem } from "./system.js";

/** Stack outputs of the ECS target. Nothing in them is a credential. */
export interface EcsOutputs {
  readonly url: pulumi.Output<string>;
  readonly appImage: pulumi.Output<string>;
  readonly repositoryUrl: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  readonly logGroupNames: pulumi.Output<Record<ServiceName, string>>;
}

/** Cloud Map names: Fargate tasks have no DNS search domain, so names are fully qualified. */
export function ecsHosts(namespaceName: string): Record<ServiceName, string> {
  return {
    app: `app.${namespaceName}`,
    mysql: `mysql.${namespaceName}`,
    search: `elasticsearch.${namespaceName}`,
  };
}

/** Declares the whole system on AWS ECS. `appDir` is the build context. */
export function deployEcs(config: MicroblogConfig, secrets: Secrets, appDir: string): EcsOutputs {
  const ecs = config.ecs;
  if (ecs === undefined) throw new Error("deployEcs needs a stack whose target is ecs");
  const registry = new EcrRegistry("microblog");
  const image = new AppImage("microblog", {
    context: appDir,
    repository: registry.repositoryUrl,
    platform: config.app.platform,
    baseImage: config.app.baseImage,
    caCert: config.app.caCert,
    registry: { server: registry.server, username: registry.username, password: registry.password },
  });
  const namespaceName = `${config.namePrefix}.internal`;
  const spec = describeSystem({
    config,
    secrets,
    appImage: image.ref,
    hosts: ecsHosts(namespaceName),
  });
  const system = new EcsSystem("microblog", {
    spec,
    namePrefix: config.namePrefix,
    namespaceName,
    ecs,
    platform: config.app.platform,
    data: config.data,
    mailPort: config.mail.server === undefined ? undefined : config.mail.port,
  });
  return {
    url: system.url,
    appImage: image.ref,
    repositoryUrl: registry.repositoryUrl,
    clusterName: system.clusterName,
    logGroupNames: system.logGroupNames,
  };
}
