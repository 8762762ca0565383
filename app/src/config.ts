/**
 * Environment → typed, frozen configuration. The app reads `process.env` here and nowhere else;
 * a bad value stops start-up with a message that names the variable.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { CredentialEnv } from "./search/sigv4.js";

/** Root of the app package (the folder holding package.json, views/, locales/, public/). */
export const APP_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Supported database URL schemes, as users may write them. */
const DB_SCHEMES = ["sqlite", "mysql", "mysql+pymysql", "mysql+mysqldb", "mariadb"];

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""], {
    error: "must be one of true, false, 1, 0, yes, no, on, off",
  })
  .transform((v) => ["1", "true", "yes", "on"].includes(v));

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be a whole number between ${min} and ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: `must be between ${min} and ${max}` });

const optionalUrl = z.string().refine((v) => v === "" || /^https?:\/\/[^\s/]+/.test(v), {
  error: "must be an http:// or https:// URL",
});

/** proxy-addr's names for address ranges, accepted in TRUSTED_PROXIES. */
const PROXY_RANGE_NAMES = ["loopback", "linklocal", "uniquelocal"];

function isAddressOrCidr(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [ip = "", prefix, extra] = entry.split("/");
  const family = net.isIP(ip);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * TRUSTED_PROXIES: "" (none: the socket's address is the client), a hop count ("1": one proxy
 * such as a load balancer in front), or a comma-separated list of proxy addresses/CIDRs.
 */
const trustedProxies = z
  .string()
  .refine(
    (v) =>
      /^\d{1,2}$/.test(v) ||
      v
        .split(",")
        .map((e) => e.trim())
        .every(isAddressOrCidr),
    {
      error:
        "must be a number of proxy hops (e.g. 1) or a comma-separated list of IP addresses/CIDRs " +
        `(or ${PROXY_RANGE_NAMES.join(", ")})`,
    },
  )
  .transform((v): false | number | string[] => {
    if (v === "" || v === "0") return false;
    if (/^\d+$/.test(v)) return Number(v);
    return v.split(",").map((e) => e.trim());
  });

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  SECRET_KEY: z.string().default(""),
  DATABASE_URL: z
    .string()
    .default("")
    .refine((v) => v === "" || DB_SCHEMES.includes(v.split(":")[0]!.toLowerCase()), {
      error: `must start with one of ${DB_SCHEMES.map((s) => s + ":").join(", ")}`,
    }),
  DATABASE_PASSWORD: z.string().default(""),
  DATABASE_PASSWORD_SECRET_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^\s]+$/, {
      error: "must be a Secrets Manager secret ARN",
    })
    .default(""),
  ELASTICSEARCH_URL: optionalUrl.default(""),
  SEARCH_AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, {
      error: "must be an AWS region such as us-east-1",
    })
    .default(""),
  SEARCH_RETRY_INTERVAL: int(1, 3600).default(5),
  SEARCH_STORE: z
    .string()
    .regex(/^[a-z0-9-]{0,64}$/, { error: "must be a store name such as search-opensearch" })
    .default(""),
  SEARCH_INDEX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,100}$/, { error: "must be a lower-case index name" })
    .default("posts"),
  MAIL_SERVER: z.string().default(""),
  MAIL_PORT: int(1, 65535).default(25),
  MAIL_USE_TLS: bool.default(false),
  MAIL_USERNAME: z.string().default(""),
  MAIL_PASSWORD: z.string().default(""),
  MAIL_SENDER: z.string().default(""),
  ADMINS: z
    .string()
    .default("")
    .refine((v) => v.split(",").every((a) => /^([^@\s]+@[^@\s]+)?$/.test(a.trim())), {
      error: "must be a comma-separated list of email addresses",
    }),
  POSTS_PER_PAGE: int(1, 100).default(25),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PORT: int(1, 65535).default(5000),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: optionalUrl.default(""),
  SESSION_COOKIE_SECURE: bool.default(false),
  AUTH_RATE_LIMIT: int(1, 100000).default(10),
  AUTH_ACCOUNT_RATE_LIMIT: int(1, 100000).default(10),
  TRUSTED_PROXIES: trustedProxies.default(false),
  SHUTDOWN_TIMEOUT: int(1, 600).default(10),
  MIGRATION_LOCK_TIMEOUT: int(0, 3600).default(30),
  PAGE_CACHE_SECONDS: int(0, 300).default(2),
  MS_TRANSLATOR_KEY: z
    .string()
    .regex(/^[\x21-\x7e]{1,512}$/, { error: "must be printable ASCII without spaces" })
    .default(""),
  MS_TRANSLATOR_KEY_FILE: z.string().default(""),
  MS_TRANSLATOR_REGION: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, { error: "must be an Azure region name such as westeurope" })
    .default(""),
  MS_TRANSLATOR_URL: optionalUrl.default(""),
});

/** Variables whose values are never echoed in error messages. */
const SECRET_VARIABLES = new Set([
  "SECRET_KEY",
  "MAIL_PASSWORD",
  "MS_TRANSLATOR_KEY",
  "DATABASE_PASSWORD",
]);

/** Default base URL of Microsoft Translator (Text API v3, global endpoint). */
export const DEFAULT_TRANSLATOR_URL = "https://api.cognitive.microsofttranslator.com";

/** Validated app configuration. */
export interface Config {
  readonly env: "development" | "production" | "test";
  readonly secretKey: string;
  /** True when SECRET_KEY was not given and a random per-process key is used. */
  readonly secretKeyGenerated: boolean;
  readonly databaseUrl: string;
  /**
   * ARN of a Secrets Manager secret whose JSON `password` key is the database password, read
   * at run time with the AWS credentials (a rotated password is picked up); "" = none.
   */
  readonly databasePasswordSecret: string;
  readonly searchUrl: string;
  readonly searchIndex: string;
  /**
   * Name of the search engine's data store as the deployment calls it (informational: a new
   * store restarts the app, whose start then rebuilds a missing index); "" = not given.
   */
  readonly searchStore: string;
  /**
   * AWS region of a managed search domain (Amazon OpenSearch Service with an IAM access
   * policy): requests are signed with SigV4 for service `es`; empty = unsigned.
   */
  readonly searchAwsRegion: string;
  /** Where signed search requests take credentials from (the AWS_* variables). */
  readonly awsCredentials: CredentialEnv;
  /** Seconds between passes of the search outbox drainer (and its first retry delay). */
  readonly searchRetryIntervalSeconds: number;
  readonly mail: {
    readonly server: string;
    readonly port: number;
    readonly useTls: boolean;
    readonly username: string;
    readonly password: string;
    readonly sender: string;
  };
  readonly admins: readonly string[];
  readonly postsPerPage: number;
  readonly logLevel: string;
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly cookieSecure: boolean;
  /** Login/registration/reset POSTs per minute per client address. */
  readonly authRateLimit: number;
  /** The same, per account (username or email), whatever the address. */
  readonly authAccountRateLimit: number;
  /** Fastify's trustProxy: false (socket address), a hop count, or proxy addresses/CIDRs. */
  readonly trustedProxies: false | number | string[];
  readonly shutdownTimeoutSeconds: number;
  /** How long `cli migrate` waits for another instance's migration lock. */
  readonly migrationLockTimeoutSeconds: number;
  /** Seconds anonymous public pages are cached (0 = off). */
  readonly pageCacheSeconds: number;
  /** Microsoft Translator; an empty key means translation is off. */
  readonly translator: {
    readonly key: string;
    readonly region: string;
    readonly url: string;
  };
}

/**
 * Base URL of links in mails: PUBLIC_URL, else `http://localhost:<PORT>` (a link that only
 * works on the machine itself, never one derived from a request's Host header).
 */
export function linkBase(config: Pick<Config, "publicUrl" | "port">): string {
  return config.publicUrl || `http://localhost:${config.port}`;
}

/** Raised when an environment variable is missing or invalid; the message names it. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Variables that may carry credentials. Each may instead be given as `<NAME>_FILE`, the path of
 * a file holding the value (Docker/ECS secrets mounted as files); setting both is an error.
 */
export const SECRET_VARS = [
  "SECRET_KEY",
  "DATABASE_URL",
  "DATABASE_PASSWORD",
  "MAIL_USERNAME",
  "MAIL_PASSWORD",
  "ELASTICSEARCH_URL",
];

/** Reads `<name>_FILE` when set (trailing newlines removed); records errors without values. */
function readSecretFile(
  env: NodeJS.ProcessEnv,
  name: string,
  errors: string[],
): string | undefined {
  const file = env[`${name}_FILE`];
  if (file === undefined || file === "") return undefined;
  if (env[name] !== undefined && env[name] !== "") {
    errors.push(`${name} and ${name}_FILE are both set: set only one of them`);
    return undefined;
  }
  let content: string;
  try {
    content = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    errors.push(`${name}_FILE=${JSON.stringify(file)}: cannot read the file (${code})`);
    return undefined;
  }
  content = content.replace(/(\r?\n)+$/, "");
  if (content === "") errors.push(`${name}_FILE=${JSON.stringify(file)}: the file is empty`);
  return content;
}

/** Hides the password of a URL (`scheme://user:pass@host` → `scheme://user:***@host`). */
function maskPassword(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^@/\s]*@/i, "$1:***@");
}

/** Default SQLite file used when DATABASE_URL is unset. */
export const DEFAULT_SQLITE_FILE = path.join(APP_ROOT, "data", "app.db");

/**
 * Reads configuration from an environment map (defaults to `process.env`). Empty strings count
 * as unset. Throws ConfigError naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  const fileErrors: string[] = [];
  for (const key of Object.keys(schema.shape)) {
    let value = env[key];
    if (SECRET_VARS.includes(key)) {
      const fromFile = readSecretFile(env, key, fileErrors);
      if (fromFile !== undefined) value = fromFile;
    }
    if (value !== undefined && value !== "") input[key] = value.trim();
  }
  if (fileErrors.length > 0) throw new ConfigError(`invalid environment: ${fileErrors.join("; ")}`);
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "?");
      const shown = SECRET_VARIABLES.has(name)
        ? "[hidden]"
        : JSON.stringify(maskPassword(input[name] ?? ""));
      return `${name}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(`invalid environment: ${lines.join("; ")}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === "production" && e.SECRET_KEY === "") {
    throw new ConfigError("invalid environment: SECRET_KEY is required when NODE_ENV=production");
  }
  if (e.SECRET_KEY !== "" && e.SECRET_KEY.length < 16) {
    throw new ConfigError("invalid environment: SECRET_KEY must be at least 16 characters long");
  }
  const translatorKey = readTranslatorKey(e.MS_TRANSLATOR_KEY, e.MS_TRANSLATOR_KEY_FILE);
  const config: Config = {
    env: e.NODE_ENV,
    secretKey: e.SECRET_KEY || randomBytes(32).toString("hex"),
    secretKeyGenerated: e.SECRET_KEY === "",
    databaseUrl: withPassword(e.DATABASE_URL, e.DATABASE_PASSWORD, e.DATABASE_PASSWORD_SECRET_ARN),
    databasePasswordSecret: e.DATABASE_PASSWORD_SECRET_ARN,
    searchUrl: e.ELASTICSEARCH_URL.replace(/\/+$/, ""),
    searchIndex: e.SEARCH_INDEX,
    searchStore: e.SEARCH_STORE,
    searchAwsRegion: e.SEARCH_AWS_REGION,
    awsCredentials: awsCredentialEnv(env),
    searchRetryIntervalSeconds: e.SEARCH_RETRY_INTERVAL,
    mail: {
      server: e.MAIL_SERVER,
      port: e.MAIL_PORT,
      useTls: e.MAIL_USE_TLS,
      username: e.MAIL_USERNAME,
      password: e.MAIL_PASSWORD,
      sender: e.MAIL_SENDER || `Microblog <no-reply@${e.MAIL_SERVER || "localhost"}>`,
    },
    admins: e.ADMINS.split(",")
      .map((a) => a.trim())
      .filter((a) => a !== ""),
    postsPerPage: e.POSTS_PER_PAGE,
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL.replace(/\/+$/, ""),
    cookieSecure: e.SESSION_COOKIE_SECURE,
    authRateLimit: e.AUTH_RATE_LIMIT,
    authAccountRateLimit: e.AUTH_ACCOUNT_RATE_LIMIT,
    trustedProxies: e.TRUSTED_PROXIES,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT,
    migrationLockTimeoutSeconds: e.MIGRATION_LOCK_TIMEOUT,
    pageCacheSeconds: e.PAGE_CACHE_SECONDS,
    translator: {
      key: translatorKey,
      region: e.MS_TRANSLATOR_REGION,
      url: (e.MS_TRANSLATOR_URL || DEFAULT_TRANSLATOR_URL).replace(/\/+$/, ""),
    },
  };
  return Object.freeze(config);
}

/** The standard AWS SDK variables that locate credentials (read here, used by sigv4.ts). */
function awsCredentialEnv(env: NodeJS.ProcessEnv): CredentialEnv {
  const get = (name: string): string | undefined =>
    env[name] === undefined || env[name] === "" ? undefined : env[name];
  return Object.freeze({
    containerRelativeUri: get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
    containerFullUri: get("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
    containerAuthToken: get("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
    accessKeyId: get("AWS_ACCESS_KEY_ID"),
    secretAccessKey: get("AWS_SECRET_ACCESS_KEY"),
    sessionToken: get("AWS_SESSION_TOKEN"),
  });
}

/**
 * DATABASE_URL, or the SQLite default. With DATABASE_PASSWORD_SECRET_ARN the URL must be a MySQL URL
 * with a user and no password. With DATABASE_PASSWORD (e.g. injected from a managed
 * database's secret, which holds the password alone) the password is put into the URL,
 * percent-encoded, so any character is safe. A URL that already has a password is an error then.
 */
function withPassword(url: string, password: string, secret: string): string {
  if (password !== "" && secret !== "") {
    throw new ConfigError(
      "invalid environment: DATABASE_PASSWORD and DATABASE_PASSWORD_SECRET_ARN are both set; set only one",
    );
  }
  if (password === "" && secret === "") return url || `sqlite:///${DEFAULT_SQLITE_FILE}`;
  const name = password === "" ? "DATABASE_PASSWORD_SECRET_ARN" : "DATABASE_PASSWORD";
  const fail = (why: string): never => {
    throw new ConfigError(`invalid environment: ${name} is set but ${why}`);
  };
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*@)?(.*)$/i.exec(url);
  if (url === "" || m === null || url.toLowerCase().startsWith("sqlite")) {
    return fail("DATABASE_URL is not a MySQL URL (mysql://user@host/database)");
  }
  const [, scheme = "", userinfo = "", rest = ""] = m;
  if (userinfo.includes(":")) return fail("DATABASE_URL has a password too; set only one");
  if (userinfo === "") return fail("DATABASE_URL names no user (mysql://user@host/database)");
  // The secret's password is fetched for each new connection (db/secret-password.ts).
  if (password === "") return url;
  return `${scheme}${userinfo.slice(0, -1)}:${encodeURIComponent(password)}@${rest}`;
}

/**
 * The Translator key from MS_TRANSLATOR_KEY or from the file named by MS_TRANSLATOR_KEY_FILE
 * (e.g. a mounted secret; surrounding whitespace is ignored). Setting both is an error, and no
 * message ever contains the key.
 */
function readTranslatorKey(key: string, file: string): string {
  if (key !== "" && file !== "") {
    throw new ConfigError(
      "invalid environment: MS_TRANSLATOR_KEY and MS_TRANSLATOR_KEY_FILE are both set; set only one",
    );
  }
  if (file === "") return key;
  let content: string;
  try {
    content = fs.readFileSync(file, "utf8").trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "read error";
    throw new ConfigError(
      `invalid environment: MS_TRANSLATOR_KEY_FILE=${JSON.stringify(file)}: cannot read the file (${code})`,
    );
  }
  if (!/^[\x21-\x7e]{1,512}$/.test(content)) {
    throw new ConfigError(
      `invalid environment: MS_TRANSLATOR_KEY_FILE=${JSON.stringify(file)}: the file must hold one key ` +
        "(printable ASCII without spaces)",
    );
  }
  return content;
}
