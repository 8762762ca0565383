// The table of every stack configuration key: type, default, target, meaning and the zod schema
// that parses and checks its raw value. Each limit is written here once: the descriptions are
// built from it, and `scripts/gen-config.ts` writes Pulumi.yaml's `config:` block and the table
// in docs/program.md from this file (a unit test fails when either drifts).
import { readFileSync } from "node:fs";
import { z } from "zod";
import { imageRefProblem, PINNED_IMAGE_EXAMPLE } from "../policy/rules/pinned-image.js";

/** Which stack target a key applies to; keys of the other target must stay at their default. */
type KeyTarget = "both" | "local" | "ecs";

/** One key: how Pulumi.yaml declares it and how its raw config string becomes a value. */
interface Key<T> {
  readonly type: "string" | "integer" | "boolean" | "array";
  /** Default the CLI injects into every stack ("" / 0 / [] mean "unset"). */
  readonly default: string | number | boolean | readonly string[];
  readonly target: KeyTarget;
  /** A credential: set with `pulumi config set --secret`, never shown in messages. */
  readonly secret: boolean;
  readonly description: string;
  /** Raw config string → value; each issue's message says what is allowed. */
  readonly schema: z.ZodType<T, string>;
}

/** Pinned default search images per engine (used when `searchImage` is empty). */
export const SEARCH_IMAGE_DEFAULTS = {
  elasticsearch: "docker.elastic.co/elasticsearch/elasticsearch:8.19.4",
  opensearch: "opensearchproject/opensearch:2.19.3",
} as const;

/** Fargate task CPU units and the memory sizes (MiB) each accepts. */
export const FARGATE_MEMORY: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, steps(1024, 4096, 1024)],
  [1024, steps(2048, 8192, 1024)],
  [2048, steps(4096, 16384, 1024)],
  [4096, steps(8192, 30720, 1024)],
  [8192, steps(16384, 61440, 4096)],
  [16384, steps(32768, 122880, 8192)],
]);

/** Largest build arg a RUN step can receive as an env var (Linux MAX_ARG_STRLEN, with margin). */
const MAX_BUILD_ARG_BYTES = 120_000;

function steps(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

// Value builders. Each returns a Key; `text` is the description without the generated limit.
const key = <T>(
  type: Key<T>["type"],
  dflt: Key<T>["default"],
  description: string,
  schema: z.ZodType<T, string>,
  secret = false,
): Key<T> => ({ type, default: dflt, target: "both", secret, description, schema });

/** Records a failure whose message says what is allowed. */
const reject = (ctx: z.RefinementCtx, message: string, input: string): never => {
  ctx.issues.push({ code: "custom", message, input });
  return z.NEVER;
};
/** Pulumi hands every value over as a string. */
const integer = z.string().transform((raw, ctx) => {
  const n = Number(raw);
  return raw.trim() !== "" && Number.isInteger(n) ? n : reject(ctx, "must be an integer", raw);
});
const within = (min: number, max: number, zeroToo = false) =>
  z
    .number()
    .refine(
      (n) => (zeroToo && n === 0) || (n >= min && n <= max),
      `must be an integer from ${min} to ${max}`,
    );
const int = (dflt: number, min: number, max: number, description: string) =>
  key("integer", dflt, `${description} (${min}-${max}).`, integer.pipe(within(min, max)));
/** A host TCP port on 127.0.0.1 (privileged ports need root); `optional`: 0 = not published. */
const port = (dflt: number, description: string, optional = false) =>
  key(
    "integer",
    dflt,
    `${description} (1024-65535${optional ? "; 0 = not published" : ""}).`,
    integer.pipe(within(1024, 65535, optional)),
  );
const numberIn = (dflt: number, allowed: readonly number[], why: string, description: string) =>
  key(
    "integer",
    dflt,
    `${description} (${allowed.join(", ")}).`,
    integer.pipe(
      z.number().refine((n) => allowed.includes(n), why.replace("{}", allowed.join(", "))),
    ),
  );
const fargateCpu = (dflt: number, description: string) =>
  ecs(numberIn(dflt, [...FARGATE_MEMORY.keys()], "Fargate CPU must be one of {}", description));
const oneOf = <const V extends readonly [string, ...string[]]>(
  values: V,
  dflt: V[number],
  description: string,
) =>
  key(
    "string",
    dflt,
    `${description}: ${values.join(" | ")}.`,
    z.enum(values, { error: `allowed values are ${values.join(", ")}` }),
  );
const bool = (description: string, dflt = false) =>
  key(
    "boolean",
    dflt,
    description,
    z.enum(["true", "false"], { error: "must be true or false" }).transform((v) => v === "true"),
  );
/** "" (unset) becomes undefined; anything else goes through `schema`. */
const unsetOr = <T>(schema: z.ZodType<T, string>) =>
  z
    .string()
    .transform((v) => (v === "" ? undefined : v))
    .pipe(schema.optional());
/** Optional text; with `pattern`, a set value must match it (`expected` says how). */
const text = (
  description: string,
  opts: { pattern?: RegExp; expected?: string; secret?: boolean } = {},
) =>
  key(
    "string",
    "",
    description,
    unsetOr(z.string().regex(opts.pattern ?? /^/, opts.expected)),
    opts.secret,
  );
/** A required string that must match `pattern` (`expected` says how). */
const matching = (dflt: string, description: string, pattern: RegExp, expected: string) =>
  key("string", dflt, description, z.string().regex(pattern, expected));
const WHY_NOT_PINNED = {
  malformed: "malformed image reference",
  untagged: "image has no tag or digest",
  latest: 'tag "latest" is not pinned',
};
const pinnedImage = z.string().transform((ref, ctx) => {
  const problem = imageRefProblem(ref);
  if (problem === undefined) return ref;
  return reject(ctx, `${WHY_NOT_PINNED[problem]}; expected ${PINNED_IMAGE_EXAMPLE}`, ref);
});
const image = (description: string, dflt: string) => key("string", dflt, description, pinnedImage);
const optionalImage = (description: string) => key("string", "", description, unsetOr(pinnedImage));
const awsId = (prefix: string): RegExp => new RegExp(`^${prefix}-[0-9a-f]{8,17}$`);
const subnetIds = (description: string) =>
  key(
    "array",
    [],
    description,
    z
      .string()
      .transform((raw, ctx) => {
        try {
          const parsed: unknown = JSON.parse(raw);
          if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string")) {
            return parsed as string[];
          }
        } catch {
          // not JSON: rejected below
        }
        return reject(ctx, "must be a list of strings", raw);
      })
      .pipe(
        z.array(z.string().regex(awsId("subnet"), "expected an id like subnet-0123456789abcdef0")),
      ),
  );

/** PEM text of a CA certificate file, small enough for one build arg. */
const pemFile = z.string().transform((path, ctx) => {
  if (path === "") return undefined;
  const fail = (message: string) => reject(ctx, message, path);
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (err) {
    return fail(`cannot read the file (${(err as NodeJS.ErrnoException).code})`);
  }
  // Docker passes build args to RUN as environment; Linux caps one string at 128 KiB.
  const bytes = Buffer.byteLength(pem);
  if (bytes > MAX_BUILD_ARG_BYTES) {
    return fail(
      `${bytes} bytes; a build arg must stay under ${MAX_BUILD_ARG_BYTES} bytes, so give only the proxy's CA certificate, not a whole bundle`,
    );
  }
  return pem.includes("-----BEGIN CERTIFICATE-----") ? pem : fail("not a PEM certificate file");
});

/** The address users reach the app at: http(s), a host and optional port, nothing after. */
const publicUrl = z.string().transform((raw, ctx) => {
  const fail = (why: string) =>
    reject(ctx, `${why}; expected scheme://host[:port] such as https://microblog.example.com`, raw);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail("not an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return fail("only http and https");
  if (url.username !== "" || url.password !== "") return fail("no user or password");
  if (url.pathname !== "/" || /[?#]/.test(raw)) return fail("no path, query or fragment");
  return `${url.protocol}//${url.host}`;
});

const admins = z.string().transform((v, ctx) => {
  const list = v === "" ? [] : v.split(",").map((s) => s.trim());
  const bad = list.find((s) => !/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(s));
  if (bad === undefined) return list;
  return reject(ctx, `"${bad}" is not an e-mail address; expected comma-separated addresses`, v);
});

function local<T>(k: Key<T>): Key<T> {
  return { ...k, target: "local" };
}
function ecs<T>(k: Key<T>): Key<T> {
  return { ...k, target: "ecs" };
}

/** Retention periods CloudWatch Logs accepts (days). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/** Every key the program reads from the project namespace. */
export const CONFIG_KEYS = {
  target: oneOf(["local", "ecs"], "local", "Where the stack runs"),
  appPlatform: oneOf(
    ["linux/amd64", "linux/arm64"],
    "linux/amd64",
    "Platform of the app image build",
  ),
  appBaseImage: optionalImage(
    "Base image for app/Dockerfile (build arg BASE_IMAGE), pinned; empty = the Dockerfile's default.",
  ),
  appBuildCaCertFile: key(
    "string",
    "",
    "PEM file passed to the app build as build arg EXTRA_CA_CERT (TLS-intercepting proxies); empty = none.",
    pemFile,
  ),
  mysqlImage: image("MySQL image, pinned by tag or digest (never latest).", "mysql:8.4.6"),
  searchEngine: oneOf(
    ["elasticsearch", "opensearch"],
    "elasticsearch",
    "Search engine flavour (selects env, data path and a data store of its own; a switch starts on an empty index, which the app rebuilds when it starts)",
  ),
  searchImage: optionalImage("Search engine image, pinned; empty = the engine's pinned default."),
  appMemoryMb: int(
    512,
    128,
    122880,
    "App memory limit in MiB; local: container limit, ECS: task memory",
  ),
  mysqlMemoryMb: int(1024, 512, 122880, "MySQL memory limit in MiB"),
  searchMemoryMb: int(
    2048,
    1024,
    122880,
    "Search engine memory limit in MiB; the JVM heap is half of it",
  ),
  healthCheckIntervalSeconds: int(10, 5, 300, "Seconds between container health checks"),
  healthCheckTimeoutSeconds: int(5, 2, 60, "Seconds before a health check counts as failed"),
  healthCheckRetries: int(10, 1, 10, "Failed checks before a container is unhealthy"),
  healthCheckStartPeriodSeconds: int(60, 0, 300, "Grace period after start before failures count"),
  healthCheckStartIntervalSeconds: local(
    int(
      1,
      1,
      10,
      "Seconds between health checks during the start period, so a container counts as healthy soon after it is ready; Docker Engine API 1.44+ (Docker 25+) has start_interval for it, an older engine checks at this pace throughout",
    ),
  ),
  dockerApiVersion: local(
    text(
      "Docker Engine API version of the engine the stack deploys to, e.g. 1.47 (selects the health-check form above); empty = asked from the engine (docker:host, DOCKER_HOST or the default socket) at each run.",
      { pattern: /^1\.[0-9]{1,3}$/, expected: "expected an API version such as 1.41 or 1.47" },
    ),
  ),
  dataProtect: bool("Protect the data volumes / file system from deletion (Pulumi protect)."),
  dataRetainOnDelete: bool("Keep the data volumes / file system when the stack is destroyed."),
  mailServer: text("SMTP host for password resets and error mails; empty = mail off."),
  mailPort: int(25, 1, 65535, "SMTP port"),
  mailUseTls: bool("Use STARTTLS with the SMTP server."),
  mailUsername: text("SMTP user name; empty = no authentication."),
  mailPassword: text("SMTP password (set with --secret).", { secret: true }),
  msTranslatorKey: text(
    "Microsoft Translator key for translating posts (set with --secret); empty = translation off.",
    { secret: true },
  ),
  msTranslatorRegion: text("Region of the Translator resource (e.g. westeurope); empty = global.", {
    pattern: /^[a-z0-9]+$/,
    expected: "a lower-case Azure region name such as westeurope",
  }),
  admins: key(
    "string",
    "",
    "Comma-separated admin e-mail addresses that receive error mails.",
    admins,
  ),
  postsPerPage: int(25, 1, 100, "Posts per page"),
  logLevel: oneOf(["debug", "info", "warn", "error"], "info", "App log level"),
  publicUrl: key(
    "string",
    "",
    "URL users reach the app at (http or https, host and port only), given to the app as PUBLIC_URL; https also makes the session cookie TLS-only. Empty = ecs: https://<alb-dns> with certificateArn, else http://<alb-dns>; local: http://127.0.0.1:<appPort>.",
    unsetOr(publicUrl),
  ),
  appPort: local(
    port(8000, "Host port on 127.0.0.1 that serves the app, whose container port is 5000"),
  ),
  mysqlHostPort: local(port(0, "Publish MySQL on 127.0.0.1:<port>", true)),
  searchHostPort: local(port(0, "Publish the search engine on 127.0.0.1:<port>", true)),
  registryServer: local(
    text("Registry to push the app image to (host[:port]); empty = no push.", {
      pattern: /^[a-zA-Z0-9.-]+(?::[0-9]{1,5})?$/,
      expected: "expected host[:port], e.g. 127.0.0.1:5000",
    }),
  ),
  registryUsername: local(text("Registry user name.")),
  registryPassword: local(text("Registry password (set with --secret).", { secret: true })),
  registryRepository: local(
    text("Repository path in the registry, e.g. microblog.", {
      pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
      expected: "expected a lower-case path such as microblog or team/microblog",
    }),
  ),
  vpcId: ecs(
    text("Existing VPC id; empty = create a VPC across two AZs.", {
      pattern: awsId("vpc"),
      expected: "expected an id like vpc-0123456789abcdef0",
    }),
  ),
  publicSubnetIds: ecs(subnetIds("Public subnet ids of vpcId (two AZs) for the load balancer.")),
  privateSubnetIds: ecs(subnetIds("Private subnet ids of vpcId (two AZs) for the tasks.")),
  appCpu: fargateCpu(256, "App task CPU units"),
  mysqlCpu: fargateCpu(512, "MySQL task CPU units"),
  searchCpu: fargateCpu(1024, "Search task CPU units"),
  appMinCount: ecs(int(1, 1, 20, "Minimum app tasks, the autoscaling lower bound")),
  appMaxCount: ecs(
    int(3, 1, 20, "Maximum app tasks, the autoscaling upper bound; at least appMinCount"),
  ),
  appCpuTargetPercent: ecs(int(60, 10, 90, "Average CPU the app autoscaling keeps")),
  certificateArn: ecs(
    text("ACM certificate ARN for HTTPS on the ALB; empty = HTTP only.", {
      pattern: /^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/,
      expected: "expected an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)",
    }),
  ),
  enableExecuteCommand: ecs(
    bool(
      "ECS Exec (`aws ecs execute-command`) into the tasks: sets the services' flag and gives the task roles the SSM messages permissions; the app's read-only root filesystem keeps it out of the app container.",
    ),
  ),
  rolloutWait: ecs(
    oneOf(
      ["events", "steady-state"],
      "events",
      "How `pulumi up` waits for each ECS service's new deployment: events = a watch that fails the update with the service's last events and stopped tasks' reasons (it calls ECS with the AWS SDK's default credentials, aws:profile and aws:region); steady-state = the AWS provider's own wait (for credentials set only in the provider's config, e.g. aws:assumeRoles), whose error names only the final state",
    ),
  ),
  efsBackups: ecs(
    bool(
      "Back up the EFS file system (MySQL and search data) daily with AWS Backup's default plan (35-day retention); false = no backups.",
      true,
    ),
  ),
  backups: bool(
    "Back up the MySQL database on a schedule: local: a backup container writing dumps to a volume (or backupHostDir); ecs: a scheduled Fargate task writing them to an S3 bucket. false = no backup job.",
    true,
  ),
  backupIntervalMinutes: int(
    1440,
    15,
    10080,
    "Minutes between MySQL dumps (1440 = daily); a local backup is unhealthy once its last dump is two intervals old",
  ),
  backupRetain: int(
    7,
    1,
    1000,
    "MySQL dumps kept: local: the last N files; ecs: S3 expires dumps after N intervals, rounded up to whole days",
  ),
  backupHostDir: local(
    text(
      "Absolute host directory for the local dumps (bind mount; created by Docker, owned by root, if missing); empty = a named volume <project>-<stack>-backups.",
      {
        pattern: /^\/(?:[A-Za-z0-9._@+-]+\/?)*$/,
        expected: "expected an absolute path such as /var/backups/microblog",
      },
    ),
  ),
  backupUploadImage: ecs(
    image(
      "AWS CLI image that uploads each dump to S3 (second container of the backup task), pinned.",
      "public.ecr.aws/aws-cli/aws-cli:2.27.9",
    ),
  ),
  dataServices: ecs(
    oneOf(
      ["containers", "managed"],
      "containers",
      "Where MySQL and search run on ECS: containers = Fargate tasks on EFS (one task each); managed = Amazon RDS for MySQL 8.4 and (see managedSearch) an Amazon OpenSearch Service domain. Switching an existing stack is a migration (docs/operations.md)",
    ),
  ),
  managedSearch: ecs(
    oneOf(
      ["opensearch", "container"],
      "opensearch",
      "With dataServices managed, the search engine: opensearch = an Amazon OpenSearch Service domain (VPC only, IAM access for the app's task role, requests signed with SigV4); container = the search Fargate task on EFS as with containers",
    ),
  ),
  dbInstanceClass: ecs(
    matching(
      "db.t4g.micro",
      "RDS instance class with dataServices managed.",
      /^db\.[a-z0-9]+\.[a-z0-9]+$/,
      "expected an RDS instance class such as db.t4g.micro or db.m7g.large",
    ),
  ),
  dbAllocatedStorageGb: ecs(int(20, 20, 65536, "RDS gp3 storage in GiB with dataServices managed")),
  dbMultiAz: ecs(
    bool(
      "RDS Multi-AZ (a standby in a second AZ, about twice the instance cost) with dataServices managed.",
    ),
  ),
  dbBackupRetentionDays: ecs(
    int(
      7,
      1,
      35,
      "Days RDS keeps automated backups (point-in-time restore) with dataServices managed",
    ),
  ),
  searchInstanceType: ecs(
    matching(
      "t3.small.search",
      "OpenSearch data node instance type with dataServices managed and managedSearch opensearch (T2 types lack encryption at rest and are refused).",
      /^(?!t2\.)[a-z0-9]+\.[a-z0-9]+\.search$/,
      "expected an OpenSearch instance type such as t3.small.search or m6g.large.search (not t2: no encryption at rest)",
    ),
  ),
  searchVolumeGb: ecs(
    int(10, 10, 1024, "OpenSearch gp3 EBS volume per data node in GiB with dataServices managed"),
  ),
  retainContainerData: ecs(
    bool(
      "With dataServices managed: keep the EFS file system and access points of the data containers (protect and retainOnDelete as dataProtect / dataRetainOnDelete say) so a switch from containers does not delete them; set false once the migration is verified (or on a stack that never ran containers).",
      true,
    ),
  ),
  logRetentionDays: ecs(
    numberIn(
      14,
      LOG_RETENTION_DAYS,
      "CloudWatch accepts {} days",
      "CloudWatch log retention in days",
    ),
  ),
} as const;

/** Name of a configuration key. */
export type ConfigKey = keyof typeof CONFIG_KEYS;
/** The parsed value of every key. */
export type ConfigValues = {
  readonly [K in ConfigKey]: z.output<(typeof CONFIG_KEYS)[K]["schema"]>;
};
