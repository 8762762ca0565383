// The only reader of stack configuration. Every key is parsed and checked against the table in
// config-schema.ts, then the rules that span keys run, all before any resource is declared.
// Each error is one pulumi.RunError naming the key, the value and what is allowed.
import * as pulumi from "@pulumi/pulumi";
import {
  CONFIG_KEYS,
  FARGATE_MEMORY,
  SEARCH_IMAGE_DEFAULTS,
  type ConfigKey,
  type ConfigValues,
} from "./config-schema.js";

/** The validated configuration of one stack: every key's value plus what spans keys. */
export interface Config extends Omit<
  ConfigValues,
  "searchImage" | "mailPassword" | "registryPassword" | "msTranslatorKey"
> {
  /** `<project>-<stack>`: prefix of physical names, unique per stack on one Docker daemon. */
  readonly namePrefix: string;
  /** `searchImage`, or the engine's pinned default when unset. */
  readonly searchImage: string;
  readonly mailPassword?: pulumi.Output<string>;
  readonly msTranslatorKey?: pulumi.Output<string>;
  /** ecs only. */
  readonly awsRegion?: string;
  /** ecs only: `aws:profile`, when set. */
  readonly awsProfile?: string;
  /** local only: all four registry keys, or none. */
  readonly registry?: {
    readonly server: string;
    readonly username: string;
    readonly password: pulumi.Output<string>;
    readonly repository: string;
  };
}

const fail = (message: string): never => {
  throw new pulumi.RunError(message);
};
const show = (value: unknown): string =>
  typeof value === "string" ? `"${value}"` : JSON.stringify(value);
const asString = (value: unknown): string =>
  typeof value === "string" ? value : JSON.stringify(value);

/** Reads, checks and freezes the stack configuration; throws on the first error. */
export function loadConfig(): Config {
  const project = pulumi.getProject();
  const cfg = new pulumi.Config();
  for (const full of Object.keys(pulumi.runtime.allConfig())) {
    if (full.startsWith(`${project}:`) && !(full.slice(project.length + 1) in CONFIG_KEYS)) {
      fail(`Unknown config key ${full}: not one of the keys declared in Pulumi.yaml.`);
    }
  }
  const target = parse("target", cfg.get("target"));
  const values = {} as Record<ConfigKey, unknown>;
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [ConfigKey, KeySpecOf][]) {
    const raw = cfg.get(key);
    // The CLI injects every default, so a key of the other target is fine while it holds it.
    if (spec.target !== "both" && spec.target !== target && raw !== undefined) {
      const shown = spec.secret ? "[secret]" : spec.type === "string" ? `"${raw}"` : raw;
      if (!sameValue(raw, spec.default)) {
        if (key === "dataServices") {
          fail(
            `Config key dataServices=${shown} is not allowed on target "${target}": managed data ` +
              `services exist only on target "ecs"; on "${target}" the only allowed value is ` +
              `"${String(spec.default)}" (remove the key).`,
          );
        }
        fail(
          `Config key ${key}=${shown} applies only to target "${spec.target}", but this stack's ` +
            `target is "${target}"; remove it from the stack config.`,
        );
      }
    }
    // Keys of the other target take their default, so every value is of its declared type.
    values[key] = parse(key, spec.target === "both" || spec.target === target ? raw : undefined);
  }
  const v = values as ConfigValues;
  // Secrets leave as Outputs only; searchImage leaves resolved.
  const replaced = ["mailPassword", "registryPassword", "searchImage", "msTranslatorKey"];
  const plain = Object.fromEntries(Object.entries(v).filter(([k]) => !replaced.includes(k)));
  const awsRegion = new pulumi.Config("aws").get("region");
  const awsProfile = new pulumi.Config("aws").get("profile");
  return deepFreeze({
    ...(plain as Omit<
      ConfigValues,
      "mailPassword" | "registryPassword" | "searchImage" | "msTranslatorKey"
    >),
    namePrefix: `${project}-${pulumi.getStack()}`.toLowerCase(),
    searchImage: v.searchImage ?? SEARCH_IMAGE_DEFAULTS[v.searchEngine],
    mailPassword: v.mailPassword === undefined ? undefined : cfg.requireSecret("mailPassword"),
    msTranslatorKey:
      v.msTranslatorKey === undefined ? undefined : cfg.requireSecret("msTranslatorKey"),
    awsRegion: target === "ecs" ? checkEcs(v, awsRegion) : rejectRegion(awsRegion),
    awsProfile: target === "ecs" ? awsProfile : undefined,
    registry: target === "local" ? checkLocal(v, cfg) : undefined,
  });
}

type KeySpecOf = (typeof CONFIG_KEYS)[ConfigKey];

/** One key's raw value (or its default) through its schema. */
function parse<K extends ConfigKey>(key: K, raw: string | undefined): ConfigValues[K] {
  const spec: KeySpecOf = CONFIG_KEYS[key];
  const result = spec.schema.safeParse(raw ?? asString(spec.default), { reportInput: true });
  if (result.success) return result.data as ConfigValues[K];
  const issue = result.error.issues[0];
  const input = spec.secret ? "[secret]" : show(issue?.input ?? raw);
  return fail(`Invalid config ${key}=${input}: ${issue?.message ?? "invalid"}.`);
}

function sameValue(raw: string, dflt: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(raw)) === JSON.stringify(dflt);
  } catch {
    return raw === dflt;
  }
}

function rejectRegion(region: string | undefined): undefined {
  if (region !== undefined) {
    fail(
      `Config key aws:region applies only to target "ecs", but this stack's target is "local"; remove it.`,
    );
  }
  return undefined;
}

/** Host ports apart; registry all-or-nothing. */
function checkLocal(v: ConfigValues, cfg: pulumi.Config): Config["registry"] {
  const seen: [string, number][] = [];
  for (const key of ["appPort", "mysqlHostPort", "searchHostPort"] as const) {
    const clash = seen.find(([, p]) => p === v[key]);
    if (clash !== undefined) {
      fail(`Invalid config ${key}=${v[key]}: already used by ${clash[0]}; host ports must differ.`);
    }
    if (v[key] !== 0) seen.push([key, v[key]]);
  }
  if (v.backupHostDir !== undefined && !v.backups) {
    fail(
      `Invalid config backupHostDir="${v.backupHostDir}": backups is false, so nothing writes there; set backups to true or remove backupHostDir.`,
    );
  }
  const keys = ["registryServer", "registryUsername", "registryPassword", "registryRepository"];
  const set = keys.filter((k) => v[k as ConfigKey] !== undefined);
  if (set.length > 0 && set.length < keys.length) {
    const missing = keys.filter((k) => !set.includes(k));
    fail(
      `Incomplete registry config: ${set.join(", ")} set but ${missing.join(", ")} missing; set all four or none.`,
    );
  }
  if (v.registryServer === undefined || v.registryRepository === undefined) return undefined;
  return {
    server: v.registryServer,
    username: v.registryUsername ?? "",
    password: cfg.requireSecret("registryPassword"),
    repository: v.registryRepository,
  };
}

/** Region, Fargate CPU/memory pairs, scaling bounds, an existing VPC with two subnets per tier. */
function checkEcs(v: ConfigValues, region: string | undefined): string {
  if (region === undefined) {
    return fail(`Missing config aws:region: target "ecs" needs an AWS region such as us-east-1.`);
  }
  if (!/^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9]$/.test(region)) {
    fail(`Invalid config aws:region="${region}": expected an AWS region such as us-east-1.`);
  }
  for (const svc of ["app", "mysql", "search"] as const) {
    const [cpu, memory] = [v[`${svc}Cpu`], v[`${svc}MemoryMb`]];
    const allowed = FARGATE_MEMORY.get(cpu) ?? [];
    if (!allowed.includes(memory)) {
      fail(
        `Invalid config ${svc}MemoryMb=${memory} for ${svc}Cpu=${cpu}: Fargate accepts ` +
          `${allowed.join(", ")} MiB with ${cpu} CPU units.`,
      );
    }
  }
  if (v.certificateArn !== undefined) {
    // arn:<partition>:acm:<region>:<account>:certificate/<id>
    const certRegion = v.certificateArn.split(":")[3];
    if (certRegion !== region) {
      fail(
        `Invalid config certificateArn="${v.certificateArn}": the certificate is in region ` +
          `${certRegion} but aws:region is ${region}; the load balancer can only use an ACM ` +
          `certificate of its own region (request or import one in ${region}).`,
      );
    }
    if (v.publicUrl?.startsWith("http:")) {
      fail(
        `Invalid config publicUrl="${v.publicUrl}": with certificateArn set the load balancer ` +
          `redirects HTTP to HTTPS, so the public URL must be https.`,
      );
    }
  }
  checkDataServices(v);
  if (v.appMaxCount < v.appMinCount) {
    fail(
      `Invalid config appMaxCount=${v.appMaxCount}: must be an integer from ${v.appMinCount} to 20.`,
    );
  }
  const subnets = { publicSubnetIds: v.publicSubnetIds, privateSubnetIds: v.privateSubnetIds };
  for (const [key, ids] of Object.entries(subnets)) {
    if (v.vpcId === undefined && ids.length > 0) {
      fail(
        `Invalid config: publicSubnetIds/privateSubnetIds are set but vpcId is empty; set vpcId or remove the subnet ids.`,
      );
    }
    if (v.vpcId !== undefined && ids.length < 2) {
      fail(
        `Invalid config ${key}=${JSON.stringify(ids)}: with vpcId set, give at least two subnet ids in different AZs.`,
      );
    }
  }
  return region;
}

/** Keys that size or shape the managed data services; they need dataServices managed. */
const MANAGED_KEYS = [
  "managedSearch",
  "dbInstanceClass",
  "dbAllocatedStorageGb",
  "dbMultiAz",
  "dbBackupRetentionDays",
  "searchInstanceType",
  "searchVolumeGb",
] as const satisfies readonly ConfigKey[];

/** Managed-only keys stay at their defaults while the data services run as containers. */
function checkDataServices(v: ConfigValues): void {
  if (v.dataServices === "managed") {
    if (
      v.managedSearch === "container" &&
      (v.searchInstanceType !== CONFIG_KEYS.searchInstanceType.default ||
        v.searchVolumeGb !== CONFIG_KEYS.searchVolumeGb.default)
    ) {
      const key =
        v.searchInstanceType !== CONFIG_KEYS.searchInstanceType.default
          ? "searchInstanceType"
          : "searchVolumeGb";
      fail(
        `Invalid config ${key}=${show(v[key])}: managedSearch is "container", so no OpenSearch ` +
          `domain is created; set managedSearch to opensearch or remove ${key}.`,
      );
    }
    return;
  }
  for (const key of MANAGED_KEYS) {
    if (v[key] !== CONFIG_KEYS[key].default) {
      fail(
        `Invalid config ${key}=${show(v[key])}: applies only with dataServices "managed", but ` +
          `this stack's dataServices is "${v.dataServices}"; set dataServices to managed or ` +
          `remove ${key}.`,
      );
    }
  }
  if (v.retainContainerData !== CONFIG_KEYS.retainContainerData.default) {
    fail(
      `Invalid config retainContainerData=${show(v.retainContainerData)}: applies only with ` +
        `dataServices "managed" (with containers the data is in use); remove it.`,
    );
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
