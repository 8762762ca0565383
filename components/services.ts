// The three Microblog services described once, independent of where they run. Renderers
// (components/local, components/ecs) turn this plain data into Docker or AWS resources.
import * as pulumi from "@pulumi/pulumi";
import type { MicroblogConfig } from "./config.js";

/** Name of one of the three services. */
export type ServiceName = "app" | "mysql" | "search";

/** A container health check, target-neutral: the command runs inside the container. */
export interface HealthCheckSpec {
  /** argv of the check (exec form, no shell). */
  readonly command: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly startPeriodSeconds: number;
}

/** Persistent data of a stateful service. */
export interface DataSpec {
  /** Directory inside the container that holds the data. */
  readonly path: string;
  /** Owner the image's process runs as (EFS access points create the root with it). */
  readonly uid: number;
  readonly gid: number;
}

/** One service: what it is, not where it runs. */
export interface ServiceSpec {
  readonly name: ServiceName;
  /** Name other services use to reach it (network alias / Cloud Map name). */
  readonly hostname: string;
  /** Image reference (a pinned tag or a digest). */
  readonly image: pulumi.Input<string>;
  /** TCP port the service listens on inside the container. */
  readonly port: number;
  /** Plain environment variables (never credentials). */
  readonly env: Readonly<Record<string, string>>;
  /** Credentials, each a Pulumi secret; renderers deliver them without exposing them. */
  readonly secretEnv: Readonly<Record<string, pulumi.Output<string>>>;
  readonly healthCheck: HealthCheckSpec;
  readonly memoryMb: number;
  /**
   * `uid:gid` the process runs as, stated here so renderers and the policy pack see it (the app
   * image's USER); undefined = the image's own (data images start as root and drop privileges).
   */
  readonly user?: string;
  /** Stateful services keep their data here; stateless services have none. */
  readonly data?: DataSpec;
  /** Services that must be healthy before this one starts. */
  readonly dependsOn: readonly ServiceName[];
}

/** The whole system. */
export type SystemSpec = Readonly<Record<ServiceName, ServiceSpec>>;

/** What the spec needs besides config: generated secrets, the built image, target host names. */
export interface SystemInputs {
  readonly config: MicroblogConfig;
  readonly secrets: {
    readonly mysqlPassword: pulumi.Output<string>;
    readonly mysqlRootPassword: pulumi.Output<string>;
    readonly secretKey: pulumi.Output<string>;
    readonly mailPassword?: pulumi.Output<string>;
  };
  /** App image reference by digest. */
  readonly appImage: pulumi.Input<string>;
  /** Host name under which each service is reached on the target. */
  readonly hosts: Readonly<Record<ServiceName, string>>;
}

/** Port the app listens on inside its container. */
export const APP_PORT = 5000;
/** The app image's non-root user (app/Dockerfile `USER`). */
export const APP_USER = "10001:10001";
/** MySQL database and user name (the chapter's `microblog`). */
export const DB_NAME = "microblog";

const SEARCH_DATA = {
  elasticsearch: "/usr/share/elasticsearch/data",
  opensearch: "/usr/share/opensearch/data",
} as const;

/** Describes app, MySQL and the search engine from config, secrets and the app image. */
export function describeSystem(inputs: SystemInputs): SystemSpec {
  const { config, secrets, hosts } = inputs;
  const health = (command: readonly string[]): HealthCheckSpec => ({ command, ...config.health });
  const heapMb = Math.floor(config.search.memoryMb / 2);
  const javaOpts = `-Xms${heapMb}m -Xmx${heapMb}m`;
  const searchEnv: Record<string, string> =
    config.search.engine === "elasticsearch"
      ? {
          "discovery.type": "single-node",
          "xpack.security.enabled": "false",
          ES_JAVA_OPTS: javaOpts,
        }
      : {
          "discovery.type": "single-node",
          // The official OpenSearch 2.x image otherwise runs its demo security installer (which
          // stops the container without OPENSEARCH_INITIAL_ADMIN_PASSWORD) and serves HTTPS with
          // authentication; the app talks plain HTTP inside the private network, like the
          // chapter's Elasticsearch with xpack security off.
          DISABLE_INSTALL_DEMO_CONFIG: "true",
          DISABLE_SECURITY_PLUGIN: "true",
          OPENSEARCH_JAVA_OPTS: javaOpts,
        };

  const mysql: ServiceSpec = {
    name: "mysql",
    hostname: hosts.mysql,
    image: config.mysql.image,
    port: 3306,
    env: { MYSQL_DATABASE: DB_NAME, MYSQL_USER: DB_NAME },
    secretEnv: {
      MYSQL_PASSWORD: secrets.mysqlPassword,
      MYSQL_ROOT_PASSWORD: secrets.mysqlRootPassword,
    },
    // TCP so the check fails while the entrypoint's socket-only bootstrap server runs;
    // `ping` succeeds even without credentials, so no password on the command line.
    healthCheck: health(["mysqladmin", "ping", "-h", "127.0.0.1", "--protocol=tcp"]),
    memoryMb: config.mysql.memoryMb,
    data: { path: "/var/lib/mysql", uid: 999, gid: 999 },
    dependsOn: [],
  };

  const search: ServiceSpec = {
    name: "search",
    hostname: hosts.search,
    image: config.search.image,
    port: 9200,
    env: searchEnv,
    secretEnv: {},
    healthCheck: health([
      "curl",
      "-fsS",
      "http://127.0.0.1:9200/_cluster/health?wait_for_status=yellow&timeout=5s",
    ]),
    memoryMb: config.search.memoryMb,
    data: { path: SEARCH_DATA[config.search.engine], uid: 1000, gid: 1000 },
    dependsOn: [],
  };

  return Object.freeze({ app: describeApp(inputs, health), mysql, search });
}

function describeApp(
  inputs: SystemInputs,
  health: (command: readonly string[]) => HealthCheckSpec,
): ServiceSpec {
  const { config, secrets, hosts } = inputs;
  const env: Record<string, string> = {
    PORT: String(APP_PORT),
    NODE_ENV: "production",
    ELASTICSEARCH_URL: `http://${hosts.search}:9200`,
    POSTS_PER_PAGE: String(config.app.postsPerPage),
    LOG_LEVEL: config.app.logLevel,
  };
  if (config.app.admins.length > 0) env.ADMINS = config.app.admins.join(",");
  const mail = config.mail;
  if (mail.server !== undefined) {
    env.MAIL_SERVER = mail.server;
    env.MAIL_PORT = String(mail.port);
    env.MAIL_USE_TLS = String(mail.useTls);
    if (mail.username !== undefined) env.MAIL_USERNAME = mail.username;
  }
  const secretEnv: Record<string, pulumi.Output<string>> = {
    SECRET_KEY: secrets.secretKey,
    DATABASE_URL: pulumi.secret(
      pulumi.interpolate`mysql://${DB_NAME}:${secrets.mysqlPassword}@${hosts.mysql}:3306/${DB_NAME}`,
    ),
  };
  if (mail.server !== undefined && secrets.mailPassword !== undefined) {
    secretEnv.MAIL_PASSWORD = secrets.mailPassword;
  }
  return {
    name: "app",
    hostname: hosts.app,
    image: inputs.appImage,
    port: APP_PORT,
    env,
    secretEnv,
    // The app image has node but no curl.
    healthCheck: health([
      "node",
      "-e",
      `fetch("http://127.0.0.1:${APP_PORT}/healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
    ]),
    memoryMb: config.app.memoryMb,
    user: APP_USER,
    dependsOn: ["mysql", "search"],
  };
}
