// Builds the SystemSpec once, from the validated config, the generated secrets, the app image
// and the target's host names: the only place where configuration meets the renderers' input.
import * as pulumi from "@pulumi/pulumi";
import type { Config } from "./config.js";
import { backupEnv, freshnessCheck, LOOP_SCRIPT, ONCE_SCRIPT } from "./backup-script.js";
import type {
  BackupSpec,
  ManagedDataSpec,
  Flow,
  HealthCheckSpec,
  ServiceName,
  ServiceSpec,
  SystemSpec,
  Target,
} from "./spec.js";
import { SYSTEM_NAME } from "./spec.js";

/** What the spec needs besides config: generated secrets and the built app image. */
interface SystemInputs {
  readonly secrets: {
    readonly mysqlPassword: pulumi.Output<string>;
    readonly mysqlRootPassword: pulumi.Output<string>;
    readonly secretKey: pulumi.Output<string>;
    readonly mailPassword?: pulumi.Output<string>;
  };
  /** App image reference by digest, and the handle on its local copy. */
  readonly appImage: { readonly ref: pulumi.Input<string>; readonly localCopy?: pulumi.Resource };
  readonly hosts: Target["hosts"];
}

/** HTTPS, the only port of a managed search domain. */
const HTTPS_PORT = 443;
/** Port the app listens on inside its container. */
const APP_PORT = 5000;
/** MySQL database and user name (the chapter's `microblog`). */
const DB_NAME = "microblog";

/** Describes app, MySQL, the search engine, their flows, entry and placement. */
export function describeSystem(config: Config, inputs: SystemInputs): SystemSpec {
  const { secrets, hosts } = inputs;
  const health = (command: readonly string[]): HealthCheckSpec => ({
    command,
    intervalSeconds: config.healthCheckIntervalSeconds,
    timeoutSeconds: config.healthCheckTimeoutSeconds,
    retries: config.healthCheckRetries,
    startPeriodSeconds: config.healthCheckStartPeriodSeconds,
    startIntervalSeconds: config.healthCheckStartIntervalSeconds,
  });
  const mysql: ServiceSpec = {
    name: "mysql",
    hostname: hosts.mysql,
    image: config.mysqlImage,
    port: 3306,
    env: { MYSQL_DATABASE: DB_NAME, MYSQL_USER: DB_NAME },
    secretEnv: {
      MYSQL_PASSWORD: secrets.mysqlPassword,
      MYSQL_ROOT_PASSWORD: secrets.mysqlRootPassword,
    },
    // TCP so the check fails while the entrypoint's socket-only bootstrap server runs;
    // `ping` succeeds even without credentials, so no password on the command line.
    healthCheck: health(["mysqladmin", "ping", "-h", "127.0.0.1", "--protocol=tcp"]),
    memoryMb: config.mysqlMemoryMb,
    data: { store: "mysql", path: "/var/lib/mysql", uid: 999, gid: 999 },
    dependsOn: [],
    // The entrypoint starts as root, owns the data directory to mysql, then drops to it
    // (gosu / setpriv): that needs these five; mysqld runs as PID 1 and handles SIGTERM itself.
    // InnoDB's clean shutdown can take a while under a large buffer pool.
    runtime: {
      capabilities: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
      init: false,
      stopGraceSeconds: 60,
    },
  };
  const search = describeSearch(config, hosts.search, health);
  const managed = describeManaged(config);
  const app = describeApp(config, inputs, health, mysql, search, managed);
  const https =
    config.certificateArn === undefined ? undefined : { certificateArn: config.certificateArn };
  const flows: Flow[] = [
    { from: "public", to: "app", port: app.port, why: "users to the app" },
    { from: "app", to: "mysql", port: mysql.port, why: "app to MySQL" },
    {
      from: "app",
      to: "search",
      // A managed domain answers HTTPS only.
      port: managed?.search === undefined ? search.port : HTTPS_PORT,
      why: "app to the search engine",
    },
  ];
  if (config.mailServer !== undefined) {
    flows.push({ from: "app", to: "internet", port: config.mailPort, why: "SMTP" });
  }
  const backup = config.backups ? describeBackup(config, inputs, mysql, managed) : undefined;
  if (backup !== undefined) {
    flows.push({ from: "backup", to: "mysql", port: mysql.port, why: "backups dump MySQL" });
  }
  const spec: SystemSpec = {
    name: SYSTEM_NAME,
    namePrefix: config.namePrefix,
    platform: config.appPlatform,
    services: { app, mysql, search },
    flows,
    entry: {
      service: "app",
      healthPath: "/healthz",
      https,
      // Known from config (or the local default): in the app's env; else the renderer's address.
      urlEnv: knownPublicUrl(config) === undefined ? "PUBLIC_URL" : undefined,
      publicUrl: config.publicUrl,
      proxyHopsEnv: "TRUSTED_PROXIES",
    },
    backup,
    managed,
    data: { protect: config.dataProtect, retainOnDelete: config.dataRetainOnDelete },
    placement:
      config.target === "local"
        ? {
            kind: "local",
            hostPorts: {
              app: config.appPort,
              mysql: config.mysqlHostPort || undefined,
              search: config.searchHostPort || undefined,
            },
          }
        : {
            kind: "ecs",
            region: config.awsRegion ?? "",
            existingVpc:
              config.vpcId === undefined
                ? undefined
                : {
                    vpcId: config.vpcId,
                    publicSubnetIds: config.publicSubnetIds,
                    privateSubnetIds: config.privateSubnetIds,
                  },
            cpu: { app: config.appCpu, mysql: config.mysqlCpu, search: config.searchCpu },
            appScaling: {
              min: config.appMinCount,
              max: config.appMaxCount,
              cpuPercent: config.appCpuTargetPercent,
            },
            logRetentionDays: config.logRetentionDays,
            dataBackups: config.efsBackups,
            executeCommand: config.enableExecuteCommand,
            rolloutWait: config.rolloutWait,
            awsProfile: config.awsProfile ?? "",
            backupUploadImage: config.backupUploadImage,
          },
  };
  return Object.freeze(spec);
}

/** The public URL when config alone determines it (set, or the local default). */
function knownPublicUrl(config: Config): string | undefined {
  if (config.publicUrl !== undefined) return config.publicUrl;
  return config.target === "local" ? `http://127.0.0.1:${config.appPort}` : undefined;
}

/** Whether users reach the app over HTTPS (on ECS by default: when the ALB has a certificate). */
function servedOverHttps(config: Config): boolean {
  const url = knownPublicUrl(config);
  return url === undefined ? config.certificateArn !== undefined : url.startsWith("https:");
}

const SEARCH_DATA = {
  elasticsearch: "/usr/share/elasticsearch/data",
  opensearch: "/usr/share/opensearch/data",
} as const;

/**
 * The search engines' stores: OpenSearch cannot start on Elasticsearch's files (nor the other
 * way round), so each has its own. Elasticsearch keeps the name every stack had before.
 */
const SEARCH_STORE = { elasticsearch: "search", opensearch: "search-opensearch" } as const;

function describeSearch(
  config: Config,
  hostname: string,
  health: (command: readonly string[]) => HealthCheckSpec,
): ServiceSpec {
  const heapMb = Math.floor(config.searchMemoryMb / 2);
  const javaOpts = `-Xms${heapMb}m -Xmx${heapMb}m`;
  return {
    name: "search",
    hostname,
    image: config.searchImage,
    port: 9200,
    env:
      config.searchEngine === "elasticsearch"
        ? {
            "discovery.type": "single-node",
            "xpack.security.enabled": "false",
            ES_JAVA_OPTS: javaOpts,
          }
        : {
            "discovery.type": "single-node",
            // The official OpenSearch 2.x image otherwise runs its demo security installer
            // (which stops the container without OPENSEARCH_INITIAL_ADMIN_PASSWORD) and serves
            // HTTPS with authentication; the app talks plain HTTP inside the private network,
            // like the chapter's Elasticsearch with xpack security off.
            DISABLE_INSTALL_DEMO_CONFIG: "true",
            DISABLE_SECURITY_PLUGIN: "true",
            OPENSEARCH_JAVA_OPTS: javaOpts,
          },
    secretEnv: {},
    healthCheck: health([
      "curl",
      "-fsS",
      "http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=5s",
    ]),
    memoryMb: config.searchMemoryMb,
    data: {
      store: SEARCH_STORE[config.searchEngine],
      path: SEARCH_DATA[config.searchEngine],
      uid: 1000,
      gid: 1000,
    },
    dependsOn: [],
    // The images start as uid 1000 (no privilege to drop) with their own init (tini).
    runtime: { capabilities: [], init: false, stopGraceSeconds: 60 },
  };
}

function describeApp(
  config: Config,
  inputs: SystemInputs,
  health: (command: readonly string[]) => HealthCheckSpec,
  mysql: ServiceSpec,
  search: ServiceSpec,
  managed: ManagedDataSpec | undefined,
): ServiceSpec {
  const { secrets } = inputs;
  const env: Record<string, string> = {
    PORT: String(APP_PORT),
    NODE_ENV: "production",
    // A managed domain's endpoint exists only once created: the renderer sets it then.
    ...(managed?.search === undefined
      ? {
          ELASTICSEARCH_URL: `http://${search.hostname}:${search.port}`,
          // The engine's data store: switching engines changes it, so the app restarts with
          // the new engine, and its start rebuilds the index the new, empty store lacks.
          ...(search.data === undefined ? {} : { SEARCH_STORE: search.data.store }),
        }
      : {}),
    POSTS_PER_PAGE: String(config.postsPerPage),
    LOG_LEVEL: config.logLevel,
  };
  if (config.admins.length > 0) env.ADMINS = config.admins.join(",");
  if (config.mailServer !== undefined) {
    env.MAIL_SERVER = config.mailServer;
    env.MAIL_PORT = String(config.mailPort);
    env.MAIL_USE_TLS = String(config.mailUseTls);
    if (config.mailUsername !== undefined) env.MAIL_USERNAME = config.mailUsername;
  }
  const publicUrl = knownPublicUrl(config);
  if (publicUrl !== undefined) env.PUBLIC_URL = publicUrl;
  // Behind TLS (the public URL is https) the session cookie travels over TLS only.
  if (servedOverHttps(config)) env.SESSION_COOKIE_SECURE = "true";
  const secretEnv: Record<string, pulumi.Output<string>> = { SECRET_KEY: secrets.secretKey };
  if (managed === undefined) {
    secretEnv.DATABASE_URL = pulumi.secret(
      pulumi.interpolate`mysql://${DB_NAME}:${secrets.mysqlPassword}@${mysql.hostname}:${mysql.port}/${DB_NAME}`,
    );
  }
  if (config.mailServer !== undefined && secrets.mailPassword !== undefined) {
    secretEnv.MAIL_PASSWORD = secrets.mailPassword;
  }
  // The chapter's /translate: Microsoft Translator, on only when a key is configured.
  if (config.msTranslatorKey !== undefined) {
    secretEnv.MS_TRANSLATOR_KEY = pulumi.secret(config.msTranslatorKey);
    if (config.msTranslatorRegion !== undefined)
      env.MS_TRANSLATOR_REGION = config.msTranslatorRegion;
  }
  // MySQL only: boot.sh migrates the database before the server starts. Search is not waited
  // for: the app serves without it (/readyz reports it down, posts queue in the search outbox
  // until it answers), so it starts while the search engine is still booting.
  const dependsOn: ServiceName[] = ["mysql"];
  return {
    name: "app",
    hostname: inputs.hosts.app,
    image: inputs.appImage.ref,
    localImage: inputs.appImage.localCopy,
    port: APP_PORT,
    env,
    secretEnv,
    // The app image has node but no curl.
    healthCheck: health([
      "node",
      "-e",
      `fetch("http://127.0.0.1:${APP_PORT}/healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
    ]),
    memoryMb: config.appMemoryMb,
    // The app image's non-root user (app/Dockerfile `USER`).
    user: "10001:10001",
    dependsOn,
    // Non-root with no capability; an init forwards SIGTERM to the server (boot.sh is a shell),
    // and the grace covers the app's drain of in-flight requests (18 s measured under load).
    runtime: { capabilities: [], init: true, stopGraceSeconds: 30 },
  };
}

/** Memory of the backup job (MiB): mysqldump --quick streams rows, gzip streams the output. */
const BACKUP_MEMORY_MB = 256;

/** The scheduled dump of the app's database, as the app's own MySQL user. */
function describeBackup(
  config: Config,
  inputs: SystemInputs,
  mysql: ServiceSpec,
  managed: ManagedDataSpec | undefined,
): BackupSpec {
  const interval = config.backupIntervalMinutes;
  const env = backupEnv({
    host: mysql.hostname,
    port: mysql.port,
    database: DB_NAME,
    user: DB_NAME,
    intervalMinutes: interval,
    retain: config.backupRetain,
  });
  // Managed: the renderer sets the RDS endpoint and the RDS-managed secret's password.
  if (managed !== undefined) delete env.MYSQL_HOST;
  return {
    image: mysql.image,
    env,
    // The app's user owns the database (ALL on it): enough for --single-transaction with
    // --no-tablespaces, and no root credential leaves the MySQL container. (On RDS the app's
    // user is the master user, so the dump uses that.)
    secretEnv: managed === undefined ? { MYSQL_PASSWORD: inputs.secrets.mysqlPassword } : {},
    intervalMinutes: interval,
    retain: config.backupRetain,
    retainDays: Math.max(1, Math.ceil((config.backupRetain * interval) / 1440)),
    loopCommand: ["sh", "-c", LOOP_SCRIPT],
    onceCommand: ["sh", "-c", ONCE_SCRIPT],
    healthCheck: {
      command: freshnessCheck(2 * interval * 60),
      intervalSeconds: config.healthCheckIntervalSeconds,
      timeoutSeconds: config.healthCheckTimeoutSeconds,
      retries: config.healthCheckRetries,
      startPeriodSeconds: config.healthCheckStartPeriodSeconds,
      startIntervalSeconds: config.healthCheckStartIntervalSeconds,
    },
    memoryMb: BACKUP_MEMORY_MB,
    hostDir: config.target === "local" ? config.backupHostDir : undefined,
    // Runs as root (the credential files are root-only) with no capability at all: it reads
    // its own files and writes root-owned dumps; an init forwards SIGTERM to the shell loop.
    runtime: { capabilities: [], init: true, stopGraceSeconds: 30 },
  };
}

/** RDS (and OpenSearch) sizes and settings when the ECS stack's data services are managed. */
function describeManaged(config: Config): ManagedDataSpec | undefined {
  if (config.target !== "ecs" || config.dataServices !== "managed") return undefined;
  return {
    database: {
      engineVersion: "8.4",
      instanceClass: config.dbInstanceClass,
      allocatedStorageGb: config.dbAllocatedStorageGb,
      multiAz: config.dbMultiAz,
      backupRetentionDays: config.dbBackupRetentionDays,
      database: DB_NAME,
      username: DB_NAME,
      port: 3306,
      urlEnv: "DATABASE_URL",
      passwordSecretEnv: "DATABASE_PASSWORD_SECRET_ARN",
      urlQuery: "ssl=amazon-rds",
    },
    search:
      config.managedSearch === "opensearch"
        ? {
            engineVersion: "OpenSearch_2.19",
            instanceType: config.searchInstanceType,
            volumeGb: config.searchVolumeGb,
            urlEnv: "ELASTICSEARCH_URL",
            regionEnv: "SEARCH_AWS_REGION",
          }
        : undefined,
    retainContainerData: config.retainContainerData,
  };
}
