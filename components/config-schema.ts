// The table of every stack configuration key: its type, default, target and meaning.
// It is the single source of defaults. `Pulumi.yaml` declares the same keys and defaults
// (the Pulumi CLI injects them into every stack), and a unit test keeps the two equal.

/** Which stack target a key applies to. Keys of the other target are rejected. */
export type KeyTarget = "both" | "local" | "ecs";

/** One configuration key as declared in `Pulumi.yaml`. */
export interface KeySpec {
  /** Pulumi.yaml type. */
  readonly type: "string" | "integer" | "boolean" | "array";
  /** Default applied when the stack does not set the key ("" / 0 / [] mean "unset"). */
  readonly default: string | number | boolean | readonly string[];
  /** Target the key belongs to. */
  readonly target: KeyTarget;
  /** True when the value is a credential and must be set with `pulumi config set --secret`. */
  readonly secret?: boolean;
  /** One-line description, repeated in Pulumi.yaml and docs/program.md. */
  readonly description: string;
}

/** Pinned default search images per engine (used when `searchImage` is empty). */
export const SEARCH_IMAGE_DEFAULTS = {
  elasticsearch: "docker.elastic.co/elasticsearch/elasticsearch:8.19.4",
  opensearch: "opensearchproject/opensearch:2.19.3",
} as const;

/** Every key the program reads from the project namespace, with defaults. */
export const CONFIG_KEYS = {
  target: {
    type: "string",
    default: "local",
    target: "both",
    description: "Where the stack runs: local | ecs.",
  },
  appPlatform: {
    type: "string",
    default: "linux/amd64",
    target: "both",
    description: "Platform of the app image build: linux/amd64 | linux/arm64.",
  },
  appBaseImage: {
    type: "string",
    default: "",
    target: "both",
    description:
      "Base image for app/Dockerfile (build arg BASE_IMAGE); empty = the Dockerfile's default.",
  },
  appBuildCaCertFile: {
    type: "string",
    default: "",
    target: "both",
    description:
      "PEM file passed to the app build as build arg EXTRA_CA_CERT (TLS-intercepting proxies); empty = none.",
  },
  mysqlImage: {
    type: "string",
    default: "mysql:8.4.6",
    target: "both",
    description: "MySQL image, pinned by tag or digest (never latest).",
  },
  searchEngine: {
    type: "string",
    default: "elasticsearch",
    target: "both",
    description: "Search engine flavour: elasticsearch | opensearch (selects env and data path).",
  },
  searchImage: {
    type: "string",
    default: "",
    target: "both",
    description: "Search engine image, pinned; empty = the engine's pinned default.",
  },
  appMemoryMb: {
    type: "integer",
    default: 512,
    target: "both",
    description: "App memory limit in MiB (local: container limit; ECS: task memory).",
  },
  mysqlMemoryMb: {
    type: "integer",
    default: 1024,
    target: "both",
    description: "MySQL memory limit in MiB.",
  },
  searchMemoryMb: {
    type: "integer",
    default: 2048,
    target: "both",
    description: "Search engine memory limit in MiB; the JVM heap is half of it.",
  },
  healthCheckIntervalSeconds: {
    type: "integer",
    default: 10,
    target: "both",
    description: "Seconds between container health checks (5-300).",
  },
  healthCheckTimeoutSeconds: {
    type: "integer",
    default: 5,
    target: "both",
    description: "Seconds before a health check counts as failed (2-60).",
  },
  healthCheckRetries: {
    type: "integer",
    default: 10,
    target: "both",
    description: "Failed checks before a container is unhealthy (1-10).",
  },
  healthCheckStartPeriodSeconds: {
    type: "integer",
    default: 60,
    target: "both",
    description: "Grace period after start before failures count (0-300).",
  },
  dataProtect: {
    type: "boolean",
    default: false,
    target: "both",
    description: "Protect the data volumes / file system from deletion (Pulumi protect).",
  },
  dataRetainOnDelete: {
    type: "boolean",
    default: false,
    target: "both",
    description: "Keep the data volumes / file system when the stack is destroyed.",
  },
  mailServer: {
    type: "string",
    default: "",
    target: "both",
    description: "SMTP host for password resets and error mails; empty = mail off.",
  },
  mailPort: { type: "integer", default: 25, target: "both", description: "SMTP port." },
  mailUseTls: {
    type: "boolean",
    default: false,
    target: "both",
    description: "Use STARTTLS with the SMTP server.",
  },
  mailUsername: {
    type: "string",
    default: "",
    target: "both",
    description: "SMTP user name; empty = no authentication.",
  },
  mailPassword: {
    type: "string",
    default: "",
    target: "both",
    secret: true,
    description: "SMTP password (set with --secret).",
  },
  admins: {
    type: "string",
    default: "",
    target: "both",
    description: "Comma-separated admin e-mail addresses that receive error mails.",
  },
  postsPerPage: {
    type: "integer",
    default: 25,
    target: "both",
    description: "Posts per page (1-100).",
  },
  logLevel: {
    type: "string",
    default: "info",
    target: "both",
    description: "App log level: debug | info | warn | error.",
  },
  appPort: {
    type: "integer",
    default: 8000,
    target: "local",
    description: "Host port on 127.0.0.1 that serves the app (container port 5000).",
  },
  mysqlHostPort: {
    type: "integer",
    default: 0,
    target: "local",
    description: "Publish MySQL on 127.0.0.1:<port>; 0 = not published.",
  },
  searchHostPort: {
    type: "integer",
    default: 0,
    target: "local",
    description: "Publish the search engine on 127.0.0.1:<port>; 0 = not published.",
  },
  registryServer: {
    type: "string",
    default: "",
    target: "local",
    description: "Registry to push the app image to (host[:port]); empty = no push.",
  },
  registryUsername: {
    type: "string",
    default: "",
    target: "local",
    description: "Registry user name.",
  },
  registryPassword: {
    type: "string",
    default: "",
    target: "local",
    secret: true,
    description: "Registry password (set with --secret).",
  },
  registryRepository: {
    type: "string",
    default: "",
    target: "local",
    description: "Repository path in the registry, e.g. microblog.",
  },
  vpcId: {
    type: "string",
    default: "",
    target: "ecs",
    description: "Existing VPC id; empty = create a VPC across two AZs.",
  },
  publicSubnetIds: {
    type: "array",
    default: [],
    target: "ecs",
    description: "Public subnet ids of vpcId (two AZs) for the load balancer.",
  },
  privateSubnetIds: {
    type: "array",
    default: [],
    target: "ecs",
    description: "Private subnet ids of vpcId (two AZs) for the tasks.",
  },
  appCpu: {
    type: "integer",
    default: 256,
    target: "ecs",
    description: "App task CPU units (Fargate: 256, 512, 1024, 2048, 4096, 8192, 16384).",
  },
  mysqlCpu: { type: "integer", default: 512, target: "ecs", description: "MySQL task CPU units." },
  searchCpu: {
    type: "integer",
    default: 1024,
    target: "ecs",
    description: "Search task CPU units.",
  },
  appMinCount: {
    type: "integer",
    default: 1,
    target: "ecs",
    description: "Minimum app tasks (autoscaling lower bound).",
  },
  appMaxCount: {
    type: "integer",
    default: 3,
    target: "ecs",
    description: "Maximum app tasks (autoscaling upper bound, at most 20).",
  },
  appCpuTargetPercent: {
    type: "integer",
    default: 60,
    target: "ecs",
    description: "Average CPU the app autoscaling keeps (10-90).",
  },
  certificateArn: {
    type: "string",
    default: "",
    target: "ecs",
    description: "ACM certificate ARN for HTTPS on the ALB; empty = HTTP only.",
  },
  logRetentionDays: {
    type: "integer",
    default: 14,
    target: "ecs",
    description: "CloudWatch log retention in days (a CloudWatch-allowed value).",
  },
} as const satisfies Record<string, KeySpec>;

/** Name of a configuration key. */
export type ConfigKey = keyof typeof CONFIG_KEYS;
