// The one Pulumi mocks module of the unit tests. It evaluates index.ts for a stack under
// pulumi.runtime.setMocks, with the config the CLI would give it (Pulumi.yaml defaults
// overlaid by the stack's Pulumi.<stack>.yaml, plus per-test overrides), and records every
// resource with its inputs and options.
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks.js";
import assert from "node:assert/strict";
import { load } from "js-yaml";

/** Repository root. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Project name from Pulumi.yaml. */
export const PROJECT = "microblog-infra";

/** One declared resource as the engine would see it. */
export interface Recorded {
  readonly type: string;
  readonly name: string;
  /** URN as the engine computes it (full parent type chain, root stack left out). */
  readonly urn: string;
  /** The engine URN of the parent (the root stack's when declared at top level). */
  readonly parentUrn?: string;
  /** Aliases exactly as the engine receives them in the registration request. */
  readonly aliases: readonly AliasRequest[];
  /** Inputs after resolution (secrets unwrapped, as the mock monitor receives them). */
  readonly inputs: Record<string, unknown>;
  /** The same inputs as the program passed them, Outputs included (for secrecy checks). */
  readonly rawProps: Record<string, unknown>;
  readonly dependsOn: readonly string[];
  /**
   * Every resource the engine is told this one waits for (explicit `dependsOn`, expanded through
   * components, plus the resources behind each input Output), as `type::name`.
   */
  readonly dependencies: readonly string[];
  readonly ignoreChanges: readonly string[];
  readonly customTimeouts?: pulumi.CustomTimeouts;
  readonly parent?: string;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
}

/** One alias of a registration request: a whole URN, or a spec whose empty fields mean "same". */
export type AliasRequest =
  | { readonly urn: string }
  | {
      readonly name: string;
      readonly type: string;
      readonly stack: string;
      readonly project: string;
      readonly parentUrn: string;
      readonly noParent: boolean;
    };

/** A config override: a plain string, or `{ secret }` for a value set with --secret. */
export type Override = string | { readonly secret: string };

/** Reads Pulumi.yaml defaults overlaid by Pulumi.<stack>.yaml, as the CLI merges them. */
export function stackConfig(stack: string): Record<string, string> {
  const project = load(readFileSync(`${ROOT}Pulumi.yaml`, "utf8")) as {
    config: Record<string, { default: unknown }>;
  };
  const out: Record<string, string> = {};
  for (const [key, spec] of Object.entries(project.config)) {
    out[`${PROJECT}:${key}`] = asConfigString(spec.default);
  }
  const stackFile = load(readFileSync(`${ROOT}Pulumi.${stack}.yaml`, "utf8")) as {
    config: Record<string, unknown>;
  };
  for (const [key, value] of Object.entries(stackFile.config)) out[key] = asConfigString(value);
  return out;
}

function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Installs mocks and config for `stack`; `overrides` keys are without the project prefix unless they contain ":". */
export async function setup(
  stack: string,
  overrides: Record<string, Override | undefined> = {},
): Promise<void> {
  await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
  const config = stackConfig(stack);
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    if (value === undefined) {
      delete config[full];
    } else if (typeof value === "string") {
      config[full] = value;
    } else {
      config[full] = value.secret;
      secretKeys.push(full);
    }
  }
  // The program asks the Docker engine for its API version when the stack does not say; the unit
  // tests never ask a real engine: an engine without health-check start intervals unless a test
  // sets another version.
  const apiKey = `${PROJECT}:dockerApiVersion`;
  if (config[`${PROJECT}:target`] === "local" && !config[apiKey]) config[apiKey] = "1.41";
  pulumi.runtime.setAllConfig(config, secretKeys);
}

let evaluations = 0;

/** Evaluates index.ts as the Pulumi language host does and returns what it declared. */
export async function evaluate(
  stack: string,
  overrides: Record<string, Override | undefined> = {},
): Promise<{ resources: Recorded[]; outputs: Record<string, unknown> }> {
  await setup(stack, overrides);
  const resources: Recorded[] = [];
  const names = new Map<pulumi.Resource, string>();
  let outputs: Record<string, unknown> = {};
  let failure: Error | undefined;
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      names.set(args.resource, args.name);
      const opts = args.opts as pulumi.CustomResourceOptions;
      const dependsOn = ([] as unknown[]).concat(opts.dependsOn ?? []) as pulumi.Resource[];
      resources.push({
        type: args.type,
        name: args.name,
        urn: "",
        aliases: [],
        inputs: {},
        rawProps: args.props,
        dependsOn: dependsOn.map((r) => names.get(r) ?? "?"),
        dependencies: [],
        ignoreChanges: opts.ignoreChanges ?? [],
        customTimeouts: opts.customTimeouts,
        parent: opts.parent === undefined ? undefined : names.get(opts.parent),
        protect: opts.protect === true,
        retainOnDelete: opts.retainOnDelete === true,
      });
      return undefined;
    });
    // A fresh module instance per evaluation; components are plain modules and may be shared.
    evaluations += 1;
    const url = `${pathToFileURL(`${ROOT}index.ts`).href}?evaluation=${evaluations}`;
    const mod = (await import(url)) as { default: () => Promise<Record<string, unknown>> };
    try {
      outputs = await mod.default();
    } catch (err) {
      failure = err as Error;
    }
    return outputs;
  });
  // Let the stack's output registration finish before the next evaluation resets the mocks.
  await pulumi.runtime.disconnect();
  for (const r of resources) {
    const registration = registrations.get(`${r.type}::${r.name}`);
    Object.assign(r, {
      inputs: monitorInputs.get(`${r.type}::${r.name}`) ?? {},
      urn: registration?.urn ?? "",
      parentUrn: registration?.parentUrn,
      aliases: registration?.aliases ?? [],
      dependencies: (registration?.dependencies ?? []).map((u) => {
        const urn = engineUrns.get(u) ?? u;
        return `${typeOf(urn)}::${urn.slice(urn.lastIndexOf("::") + 2)}`;
      }),
    });
  }
  if (failure !== undefined) throw new EvaluationError(failure, resources);
  return { resources, outputs };
}

/** The program threw; `resources` lists what it had declared by then. */
export class EvaluationError extends Error {
  constructor(
    cause: Error,
    public readonly resources: readonly Recorded[],
  ) {
    super(cause.message, { cause });
  }
}

/** Resolves an Output (or plain value) and reports whether it is secret. */
export async function resolve<T>(
  value: pulumi.Input<T> | undefined,
): Promise<{ value: T; secret: boolean }> {
  const out = pulumi.output(value) as pulumi.Output<T>;
  const secret = await (out as unknown as { isSecret: Promise<boolean> }).isSecret;
  const resolved = await new Promise<T>((r) => out.apply((v) => r(v)));
  return { value: resolved, secret };
}

/** The single resource of a type and name; throws listing candidates otherwise. */
export function find(resources: readonly Recorded[], type: string, name: string): Recorded {
  const r = resources.find((x) => x.type === type && x.name === name);
  if (r === undefined) {
    const same = resources.filter((x) => x.type === type).map((x) => x.name);
    throw new Error(`no ${type} named ${name}; have: ${same.join(", ")}`);
  }
  return r;
}

const monitorInputs = new Map<string, Record<string, unknown>>();

/** Registration requests as the engine would receive them, by `type::name`. */
const registrations = new Map<
  string,
  { urn: string; parentUrn?: string; aliases: AliasRequest[]; dependencies: string[] }
>();
/** The last type of a URN's type chain. */
const typeOf = (urn: string): string => (urn.split("::")[2] ?? "").split("$").pop() ?? "";
/** The mock monitor's URN of a resource (parent chain cut short) → the engine's URN. */
const engineUrns = new Map<string, string>();

/** A URN as the engine builds it: the parent's full type chain, except for the root stack. */
export function engineUrn(parentUrn: string | undefined, type: string, name: string): string {
  const parentChain = parentUrn?.split("::")[2];
  const chain =
    parentChain === undefined || parentChain === "pulumi:pulumi:Stack"
      ? type
      : `${parentChain}$${type}`;
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${chain}::${name}`;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getAliasesList(): {
    getUrn(): string;
    getSpec():
      | {
          getName(): string;
          getType(): string;
          getStack(): string;
          getProject(): string;
          getParenturn(): string;
          getNoparent(): boolean;
        }
      | undefined;
  }[];
}
type Callback = (err: unknown, response?: { getUrn(): string }) => void;

// Wraps the mock monitor's registerResource (once) to record what the engine would be sent.
const monitor = MockMonitor.prototype as unknown as {
  registerResource(req: RegisterRequest, callback: Callback): Promise<void>;
};
const mockRegister = monitor.registerResource;
monitor.registerResource = function (req, callback) {
  const parent = req.getParent() === "" ? undefined : engineUrns.get(req.getParent());
  const urn = engineUrn(parent, req.getType(), req.getName());
  const aliases: AliasRequest[] = req.getAliasesList().map((a) => {
    const spec = a.getSpec();
    if (spec === undefined || a.getUrn() !== "") return { urn: a.getUrn() };
    return {
      name: spec.getName(),
      type: spec.getType(),
      stack: spec.getStack(),
      project: spec.getProject(),
      parentUrn: engineUrns.get(spec.getParenturn()) ?? spec.getParenturn(),
      noParent: spec.getNoparent(),
    };
  });
  registrations.set(`${req.getType()}::${req.getName()}`, {
    urn,
    parentUrn: parent,
    aliases,
    dependencies: req.getDependenciesList(),
  });
  return mockRegister.call(this, req, (err, response) => {
    if (response !== undefined) engineUrns.set(response.getUrn(), urn);
    callback(err, response);
  });
};

/** Fake provider: echoes inputs and adds the outputs the program reads. */
const mocks: pulumi.runtime.Mocks = {
  newResource(args) {
    monitorInputs.set(`${args.type}::${args.name}`, args.inputs as Record<string, unknown>);
    const state: Record<string, unknown> = { ...args.inputs };
    const id = `${args.name}-id`;
    switch (args.type) {
      case "random:index/randomPassword:RandomPassword":
        // Mocks ignore additionalSecretOutputs: model the real secret result explicitly.
        state.result = pulumi.secret(`pw-${args.name}`);
        break;
      case "docker:index/image:Image": {
        const name = String(args.inputs.imageName);
        const repo = name.slice(0, name.lastIndexOf(":"));
        state.repoDigest =
          args.inputs.skipPush === true
            ? `sha256:${"1".repeat(64)}`
            : `${repo}@sha256:${"2".repeat(64)}`;
        break;
      }
      case "docker:index/remoteImage:RemoteImage":
        state.imageId = `sha256:${args.name}`;
        break;
      default:
        Object.assign(
          state,
          awsState(args.type, args.name, args.inputs as Record<string, unknown>),
        );
    }
    return { id, state };
  },
  call(args) {
    switch (args.token) {
      case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
        return {
          userName: "AWS",
          password: "ecr-token",
          proxyEndpoint: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
        };
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return {
          names: ["us-east-1a", "us-east-1b", "us-east-1c"],
          zoneIds: ["use1-az1", "use1-az2", "use1-az3"],
        };
      default:
        return {};
    }
  },
};

function awsState(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  if (!type.startsWith("aws:")) return {};
  const arn = `arn:aws:mock:us-east-1:123456789012:${name}`;
  switch (type) {
    case "aws:ecr/repository:Repository":
      return {
        arn,
        registryId: "123456789012",
        repositoryUrl: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}`,
      };
    case "aws:lb/loadBalancer:LoadBalancer":
      return { arn, dnsName: `${name}.us-east-1.elb.amazonaws.com`, arnSuffix: `app/${name}/1` };
    case "aws:lb/targetGroup:TargetGroup":
      return { arn, arnSuffix: `targetgroup/${name}/1` };
    case "aws:ecs/cluster:Cluster":
      return { arn, name: inputs.name ?? name };
    case "aws:ecs/service:Service":
      return { arn, name: inputs.name ?? name };
    case "aws:rds/instance:Instance":
      // An RDS-managed master user secret has an ARN RDS chooses (`rds!db-<uuid>`).
      return {
        arn,
        address: `${name}.c0abcdefghij.us-east-1.rds.amazonaws.com`,
        masterUserSecrets: [
          {
            secretArn:
              "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0-AbC123",
            secretStatus: "active",
          },
        ],
      };
    case "aws:rds/subnetGroup:SubnetGroup":
    case "aws:rds/parameterGroup:ParameterGroup":
      return { arn, name: inputs.name ?? `${name}-1234567` };
    case "aws:opensearch/domain:Domain":
      return {
        arn,
        domainName: inputs.domainName,
        endpoint: `vpc-${String(inputs.domainName)}-abcdefghijklmnopqrstuvwxyz.us-east-1.es.amazonaws.com`,
      };
    case "aws:s3/bucket:Bucket":
      // Pulumi autonames a bucket from its logical name.
      return { arn, bucket: inputs.bucket ?? `${name}-1234567` };
    default:
      return { arn };
  }
}

/** Key by which Pulumi marks a secret value in serialized inputs. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Unwraps a secret-marked input value; fails if it is not marked secret. */
export function unwrapSecret(value: unknown): unknown {
  assert.ok(
    value !== null && typeof value === "object" && SECRET_SIG in value,
    "expected a secret",
  );
  return (value as unknown as { value: unknown }).value;
}

/** All recorded resources of one type, in declaration order. */
export function ofType(resources: readonly Recorded[], type: string): Recorded[] {
  return resources.filter((r) => r.type === type);
}
