// The ECS target, loaded only when target is ecs (it pulls in @pulumi/aws): Cloud Map host
// names, the ECR repository the app image is pushed to, and the renderer.
import type { ServiceName, Target } from "../spec.js";
import { EcrRegistry } from "./registry.js";
import { EcsSystem } from "./system.js";
import { tagEveryResource } from "./tags.js";

/** Cloud Map names: Fargate tasks have no DNS search domain, so names are fully qualified. */
function ecsHosts(namespaceName: string): Record<ServiceName, string> {
  return {
    app: `app.${namespaceName}`,
    mysql: `mysql.${namespaceName}`,
    search: `elasticsearch.${namespaceName}`,
  };
}

/** Declares the ECR repository now and, on render, the whole system on AWS ECS. */
export function ecsTarget(namePrefix: string, systemName: string): Target {
  // Before the first AWS resource: project, stack and component tags on every taggable one.
  tagEveryResource();
  // Aliased: the components were named after the system before they had names of their own.
  const aliases = [{ name: systemName }];
  const registry = new EcrRegistry("ecr", { prefix: systemName }, { aliases });
  const namespaceName = `${namePrefix}.internal`;
  return {
    hosts: ecsHosts(namespaceName),
    repository: registry.repositoryUrl,
    registry: { server: registry.server, username: registry.username, password: registry.password },
    render(spec) {
      const system = new EcsSystem("ecs-system", { spec, namespaceName }, { aliases });
      return {
        url: system.url,
        repositoryUrl: registry.repositoryUrl,
        clusterName: system.clusterName,
        logGroupNames: system.logGroupNames,
        ...(system.backupBucket === undefined ? {} : { backupBucket: system.backupBucket }),
        ...(system.restore === undefined ? {} : { restore: system.restore }),
        ...(system.databaseAddress === undefined
          ? {}
          : { databaseAddress: system.databaseAddress }),
        ...(system.searchEndpoint === undefined ? {} : { searchEndpoint: system.searchEndpoint }),
      };
    },
  };
}
