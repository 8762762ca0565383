// Target-specific parts of config.ts: the local and ECS settings and their checks.
// Pure: config.ts hands in the values it read, so it stays the only reader of pulumi.Config.
import type * as pulumi from "@pulumi/pulumi";
import type { ConfigKey } from "./config-schema.js";
import * as rules from "./config-rules.js";

/** A raw configuration value after type parsing. */
export type Raw = string | number | boolean | readonly string[];
/** Returns the parsed value (or default) of a key. */
export type Getter = <T extends Raw>(key: ConfigKey) => T;
/** Throws the message as a clean Pulumi error when it is defined. */
export type Fail = (msg: string | undefined) => void;
/** Returns a key's value as a Pulumi secret. */
export type SecretReader = (key: ConfigKey) => pulumi.Output<string>;

/** Registry the local stack pushes the app image to. */
export interface RegistryConfig {
  readonly server: string;
  readonly username: string;
  readonly password: pulumi.Output<string>;
  readonly repository: string;
}

/** Settings only the local (Docker) target reads. */
export interface LocalConfig {
  readonly appPort: number;
  readonly mysqlHostPort?: number;
  readonly searchHostPort?: number;
  readonly registry?: RegistryConfig;
}

/** Settings only the ECS target reads. */
export interface EcsConfig {
  readonly region: string;
  /** Existing network; undefined = the program creates a VPC. */
  readonly existingVpc?: {
    readonly vpcId: string;
    readonly publicSubnetIds: readonly string[];
    readonly privateSubnetIds: readonly string[];
  };
  readonly appCpu: number;
  readonly mysqlCpu: number;
  readonly searchCpu: number;
  readonly appMinCount: number;
  readonly appMaxCount: number;
  readonly appCpuTargetPercent: number;
  readonly certificateArn?: string;
  readonly logRetentionDays: number;
}

/** Reads and checks the local-target settings. */
export function localConfig(get: Getter, fail: Fail, secret: SecretReader): LocalConfig {
  const ports: [string, number][] = [];
  for (const key of ["appPort", "mysqlHostPort", "searchHostPort"] as const) {
    const port = get<number>(key);
    if (key !== "appPort" && port === 0) continue;
    fail(rules.checkPort(key, port));
    const clash = ports.find(([, p]) => p === port);
    if (clash !== undefined) {
      fail(`Invalid config ${key}=${port}: already used by ${clash[0]}; host ports must differ.`);
    }
    ports.push([key, port]);
  }
  const registryKeys = [
    "registryServer",
    "registryUsername",
    "registryPassword",
    "registryRepository",
  ] as const;
  const set = registryKeys.filter((k) => get<string>(k) !== "");
  if (set.length > 0 && set.length < registryKeys.length) {
    const missing = registryKeys.filter((k) => !set.includes(k));
    fail(
      `Incomplete registry config: ${set.join(", ")} set but ${missing.join(", ")} missing; set all four or none.`,
    );
  }
  if (set.length > 0) {
    const server = get<string>("registryServer");
    if (!/^[a-zA-Z0-9.-]+(?::[0-9]{1,5})?$/.test(server)) {
      fail(`Invalid config registryServer="${server}": expected host[:port], e.g. 127.0.0.1:5000.`);
    }
    const repository = get<string>("registryRepository");
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(repository)) {
      fail(
        `Invalid config registryRepository="${repository}": expected a lower-case path such as microblog or team/microblog.`,
      );
    }
  }
  const mysqlHostPort = get<number>("mysqlHostPort");
  const searchHostPort = get<number>("searchHostPort");
  return {
    appPort: get("appPort"),
    mysqlHostPort: mysqlHostPort === 0 ? undefined : mysqlHostPort,
    searchHostPort: searchHostPort === 0 ? undefined : searchHostPort,
    registry:
      set.length === 0
        ? undefined
        : {
            server: get("registryServer"),
            username: get("registryUsername"),
            password: secret("registryPassword"),
            repository: get("registryRepository"),
          },
  };
}

/** Reads and checks the ECS-target settings. */
export function ecsConfig(region: string | undefined, get: Getter, fail: Fail): EcsConfig {
  if (region === undefined)
    fail(`Missing config aws:region: target "ecs" needs an AWS region such as us-east-1.`);
  fail(rules.checkRegion("aws:region", region as string));
  fail(rules.checkFargate("appCpu", get("appCpu"), "appMemoryMb", get("appMemoryMb")));
  fail(rules.checkFargate("mysqlCpu", get("mysqlCpu"), "mysqlMemoryMb", get("mysqlMemoryMb")));
  fail(rules.checkFargate("searchCpu", get("searchCpu"), "searchMemoryMb", get("searchMemoryMb")));
  fail(rules.checkIntRange("appMinCount", get("appMinCount"), 1, 20));
  fail(rules.checkIntRange("appMaxCount", get("appMaxCount"), get<number>("appMinCount"), 20));
  fail(rules.checkIntRange("appCpuTargetPercent", get("appCpuTargetPercent"), 10, 90));
  fail(rules.checkLogRetention("logRetentionDays", get("logRetentionDays")));
  const certificateArn = rules.optional(get<string>("certificateArn"));
  if (certificateArn !== undefined)
    fail(rules.checkCertificateArn("certificateArn", certificateArn));
  return {
    region: region as string,
    existingVpc: existingVpc(get, fail),
    appCpu: get("appCpu"),
    mysqlCpu: get("mysqlCpu"),
    searchCpu: get("searchCpu"),
    appMinCount: get("appMinCount"),
    appMaxCount: get("appMaxCount"),
    appCpuTargetPercent: get("appCpuTargetPercent"),
    certificateArn,
    logRetentionDays: get("logRetentionDays"),
  };
}

function existingVpc(get: Getter, fail: Fail): EcsConfig["existingVpc"] {
  const vpcId = get<string>("vpcId");
  const publicSubnetIds = get<readonly string[]>("publicSubnetIds");
  const privateSubnetIds = get<readonly string[]>("privateSubnetIds");
  if (vpcId === "") {
    if (publicSubnetIds.length > 0 || privateSubnetIds.length > 0) {
      fail(
        `Invalid config: publicSubnetIds/privateSubnetIds are set but vpcId is empty; set vpcId or remove the subnet ids.`,
      );
    }
    return undefined;
  }
  fail(rules.checkAwsId("vpcId", vpcId, "vpc"));
  for (const [key, ids] of [
    ["publicSubnetIds", publicSubnetIds],
    ["privateSubnetIds", privateSubnetIds],
  ] as const) {
    if (ids.length < 2)
      fail(
        `Invalid config ${key}=${JSON.stringify(ids)}: with vpcId set, give at least two subnet ids in different AZs.`,
      );
    for (const id of ids) fail(rules.checkAwsId(key, id, "subnet"));
  }
  return { vpcId, publicSubnetIds, privateSubnetIds };
}
