// The only reader of stack configuration. Every key is read and validated here, before any
// resource is declared; the result is one typed, frozen object the components consume.
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, SEARCH_IMAGE_DEFAULTS, type ConfigKey } from "./config-schema.js";
import * as rules from "./config-rules.js";
import {
  ecsConfig,
  localConfig,
  type EcsConfig,
  type Fail,
  type LocalConfig,
  type Raw,
} from "./config-target.js";

export type { EcsConfig, LocalConfig, RegistryConfig } from "./config-target.js";

/** Largest build arg a RUN step can receive as an env var (Linux MAX_ARG_STRLEN, with margin). */
const MAX_BUILD_ARG_BYTES = 120_000;

/** Where a stack runs. */
export type Target = "local" | "ecs";
/** Which search engine image flavour runs. */
export type SearchEngine = keyof typeof SEARCH_IMAGE_DEFAULTS;

/** The whole validated configuration of one stack. */
export interface MicroblogConfig {
  readonly project: string;
  readonly stack: string;
  /** `<project>-<stack>`: prefix of physical names, unique per stack on one Docker daemon. */
  readonly namePrefix: string;
  readonly target: Target;
  readonly app: {
    readonly platform: string;
    readonly baseImage?: string;
    readonly caCert?: string;
    readonly memoryMb: number;
    readonly postsPerPage: number;
    readonly logLevel: string;
    readonly admins: readonly string[];
  };
  readonly mysql: { readonly image: string; readonly memoryMb: number };
  readonly search: {
    readonly engine: SearchEngine;
    readonly image: string;
    readonly memoryMb: number;
  };
  readonly health: {
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly retries: number;
    readonly startPeriodSeconds: number;
  };
  readonly data: { readonly protect: boolean; readonly retainOnDelete: boolean };
  readonly mail: {
    readonly server?: string;
    readonly port: number;
    readonly useTls: boolean;
    readonly username?: string;
    readonly password?: pulumi.Output<string>;
  };
  readonly local?: LocalConfig;
  readonly ecs?: EcsConfig;
}

/** Reads, checks and freezes the stack configuration; throws one clear message on the first error. */
export function loadConfig(): MicroblogConfig {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const cfg = new pulumi.Config();
  const values = readAll(cfg, project);
  const get = <T extends Raw>(key: ConfigKey): T => values.get(key) as T;
  const fail = (msg: string | undefined): void => {
    if (msg !== undefined) throw new pulumi.RunError(msg);
  };

  const target = get<string>("target");
  fail(rules.checkOneOf("target", target, ["local", "ecs"]));
  rules.rejectOtherTarget(values, target as Target);
  const awsRegion = new pulumi.Config("aws").get("region");
  if (target === "local" && awsRegion !== undefined) {
    fail(
      `Config key aws:region applies only to target "ecs", but this stack's target is "local"; remove it.`,
    );
  }

  fail(rules.checkOneOf("appPlatform", get("appPlatform"), ["linux/amd64", "linux/arm64"]));
  const baseImage = rules.optional(get<string>("appBaseImage"));
  if (baseImage !== undefined) fail(rules.checkImageRef("appBaseImage", baseImage));
  fail(rules.checkImageRef("mysqlImage", get("mysqlImage")));
  const engine = get<string>("searchEngine");
  fail(rules.checkOneOf("searchEngine", engine, Object.keys(SEARCH_IMAGE_DEFAULTS)));
  const searchImage =
    rules.optional(get<string>("searchImage")) ?? SEARCH_IMAGE_DEFAULTS[engine as SearchEngine];
  fail(rules.checkImageRef("searchImage", searchImage));
  fail(rules.checkIntRange("appMemoryMb", get("appMemoryMb"), 128, 122880));
  fail(rules.checkIntRange("mysqlMemoryMb", get("mysqlMemoryMb"), 512, 122880));
  fail(rules.checkIntRange("searchMemoryMb", get("searchMemoryMb"), 1024, 122880));
  fail(
    rules.checkIntRange("healthCheckIntervalSeconds", get("healthCheckIntervalSeconds"), 5, 300),
  );
  fail(rules.checkIntRange("healthCheckTimeoutSeconds", get("healthCheckTimeoutSeconds"), 2, 60));
  fail(rules.checkIntRange("healthCheckRetries", get("healthCheckRetries"), 1, 10));
  fail(
    rules.checkIntRange(
      "healthCheckStartPeriodSeconds",
      get("healthCheckStartPeriodSeconds"),
      0,
      300,
    ),
  );
  fail(rules.checkIntRange("mailPort", get("mailPort"), 1, 65535));
  fail(rules.checkIntRange("postsPerPage", get("postsPerPage"), 1, 100));
  fail(rules.checkOneOf("logLevel", get("logLevel"), ["debug", "info", "warn", "error"]));
  const admins = rules.optional(get<string>("admins"));
  if (admins !== undefined) fail(rules.checkEmails("admins", admins));

  const result: MicroblogConfig = {
    project,
    stack,
    namePrefix: `${project}-${stack}`.toLowerCase(),
    target: target as Target,
    app: {
      platform: get("appPlatform"),
      baseImage,
      caCert: readCaCert(rules.optional(get<string>("appBuildCaCertFile")), fail),
      memoryMb: get("appMemoryMb"),
      postsPerPage: get("postsPerPage"),
      logLevel: get("logLevel"),
      admins: admins === undefined ? [] : admins.split(",").map((s) => s.trim()),
    },
    mysql: { image: get("mysqlImage"), memoryMb: get("mysqlMemoryMb") },
    search: { engine: engine as SearchEngine, image: searchImage, memoryMb: get("searchMemoryMb") },
    health: {
      intervalSeconds: get("healthCheckIntervalSeconds"),
      timeoutSeconds: get("healthCheckTimeoutSeconds"),
      retries: get("healthCheckRetries"),
      startPeriodSeconds: get("healthCheckStartPeriodSeconds"),
    },
    data: { protect: get("dataProtect"), retainOnDelete: get("dataRetainOnDelete") },
    mail: {
      server: rules.optional(get<string>("mailServer")),
      port: get("mailPort"),
      useTls: get("mailUseTls"),
      username: rules.optional(get<string>("mailUsername")),
      password: secretOrUndefined(cfg, "mailPassword", get("mailPassword")),
    },
    local: target === "local" ? localConfig(get, fail, (key) => cfg.requireSecret(key)) : undefined,
    ecs: target === "ecs" ? ecsConfig(awsRegion, get, fail) : undefined,
  };
  return deepFreeze(result);
}

/** Reads every declared key (or its default) and rejects keys the program does not know. */
function readAll(cfg: pulumi.Config, project: string): Map<ConfigKey, Raw> {
  const prefix = `${project}:`;
  for (const full of Object.keys(pulumi.runtime.allConfig())) {
    const key = full.slice(prefix.length);
    if (full.startsWith(prefix) && !(key in CONFIG_KEYS)) {
      throw new pulumi.RunError(
        `Unknown config key ${full}: not one of the keys declared in Pulumi.yaml.`,
      );
    }
  }
  const values = new Map<ConfigKey, Raw>();
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [
    ConfigKey,
    (typeof CONFIG_KEYS)[ConfigKey],
  ][]) {
    const raw = cfg.get(key);
    values.set(key, raw === undefined ? spec.default : rules.parse(key, spec.type, raw));
  }
  return values;
}

function secretOrUndefined(
  cfg: pulumi.Config,
  key: ConfigKey,
  value: string,
): pulumi.Output<string> | undefined {
  return value === "" ? undefined : cfg.requireSecret(key);
}

function readCaCert(path: string | undefined, fail: Fail): string | undefined {
  if (path === undefined) return undefined;
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    fail(
      `Invalid config appBuildCaCertFile="${path}": cannot read the file (${(err as NodeJS.ErrnoException).code}).`,
    );
  }
  // Docker passes build args to RUN as environment; Linux caps one string at 128 KiB.
  if (Buffer.byteLength(text) > MAX_BUILD_ARG_BYTES) {
    fail(
      `Invalid config appBuildCaCertFile="${path}": ${Buffer.byteLength(text)} bytes; a build arg must stay ` +
        `under ${MAX_BUILD_ARG_BYTES} bytes, so give only the proxy's CA certificate, not a whole bundle.`,
    );
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    fail(`Invalid config appBuildCaCertFile="${path}": not a PEM certificate file.`);
  }
  return text;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
