// Helpers shared by the ECS test files.
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { find, type Recorded } from "./mocks.js";

/** The ARN the mocks give a resource of this name. */
export const arn = (name: string): string => `arn:aws:mock:us-east-1:123456789012:${name}`;

/** Parsed container definitions of a service's task definition. */
export function containers(resources: readonly Recorded[], svc: string): ContainerDefinition[] {
  const td = find(resources, "aws:ecs/taskDefinition:TaskDefinition", `microblog-${svc}-taskdef`);
  return JSON.parse(String(td.inputs.containerDefinitions)) as ContainerDefinition[];
}

/** A resource's inputs without the tags every taggable resource gets (tested in ecs-tags). */
export function untagged(r: Recorded): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r.inputs).filter(([k]) => k !== "tags"));
}
