// Stub arguments for calling rule functions directly, without the policy runtime.
import type { PolicyResource, PolicyResourceOptions } from "@pulumi/policy";
import type { ResourceRule, RuleArgs } from "../rules/containers.js";
import type { StackRule } from "../rules/stack.js";

/** Thrown by the stubbed notApplicable, as the runtime's own is. */
export class NotApplicable extends Error {}

const OPTS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

/** Result of one rule run: its violations, or "n/a" when the rule did not apply. */
export type Outcome = string[] | "n/a";

function run(call: (report: (m: string) => void) => void): Outcome {
  const found: string[] = [];
  try {
    call((m) => found.push(m));
  } catch (e) {
    if (e instanceof NotApplicable) return "n/a";
    throw e;
  }
  return found;
}

const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

/** Runs a resource rule on one resource of the given type and inputs. */
export function check(
  rule: ResourceRule,
  type: string,
  props: Record<string, unknown>,
  extra: {
    name?: string;
    stack?: string;
    opts?: Partial<PolicyResourceOptions>;
    config?: object;
  } = {},
): Outcome {
  const name = extra.name ?? "res";
  const args: RuleArgs = {
    type,
    name,
    urn: `urn:pulumi:${extra.stack ?? "dev"}::microblog::${type}::${name}`,
    props,
    opts: { ...OPTS, ...extra.opts },
    stackTags: new Map(),
    getConfig: <T extends object>() => (extra.config ?? {}) as T,
    notApplicable,
  };
  return run((report) => rule(args, report));
}

/** A stack resource for stack rules. */
export function res(
  type: string,
  name: string,
  props: Record<string, unknown>,
  propertyDependencies: Record<string, PolicyResource[]> = {},
): PolicyResource {
  return {
    type,
    name,
    urn: `urn:pulumi:ecs::microblog::${type}::${name}`,
    props,
    opts: OPTS,
    dependencies: Object.values(propertyDependencies).flat(),
    propertyDependencies,
    isType: () => false,
    asType: () => undefined,
  };
}

/** Runs a stack rule over the given resources. */
export function checkStack(rule: StackRule, resources: PolicyResource[]): Outcome {
  return run((report) =>
    rule(
      {
        resources,
        stackTags: new Map(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable,
      },
      report,
    ),
  );
}

/** A copy of `o` without `key`: the failing twin of a passing fixture. */
export function without<T extends object>(o: T, key: keyof T): Partial<T> {
  const copy: Partial<T> = { ...o };
  delete copy[key];
  return copy;
}
