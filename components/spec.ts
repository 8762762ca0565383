// What a renderer is given: the whole system as plain data (SystemSpec) and the Target it
// renders onto. index.ts builds the spec once (components/describe.ts); renderers
// (components/local, components/ecs) read nothing else, and never the stack configuration.
import type * as pulumi from "@pulumi/pulumi";

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
  /**
   * Seconds between checks during the start period, so readiness is seen soon after it happens;
   * a target without such a setting (ECS) ignores it.
   */
  readonly startIntervalSeconds: number;
}

/** Persistent data of a stateful service. */
export interface DataSpec {
  /**
   * Name of the store that holds it (volume `<prefix>-<store>-data`, EFS directory `/<store>`).
   * Data only one engine can read gets a store of its own: switching engines then starts on an
   * empty store instead of handing the new engine the old one's files.
   */
  readonly store: string;
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
  /** A built image's local copy: containers running it are deleted before it. */
  readonly localImage?: pulumi.Resource;
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
  /**
   * Services that must be healthy before this one starts: those it cannot start without. A
   * service it only degrades without (the app and search: /readyz reports it) is not listed.
   */
  readonly dependsOn: readonly ServiceName[];
  /** Process hardening every renderer applies. */
  readonly runtime: RuntimeSpec;
}

/** Linux capabilities a container engine grants by default (Docker's and Fargate's set). */
export const DEFAULT_CAPABILITIES = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "NET_RAW",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
] as const;

/** How a service's process runs. */
export interface RuntimeSpec {
  /** The capabilities it keeps; every other one is dropped (and none is ever added). */
  readonly capabilities: readonly (typeof DEFAULT_CAPABILITIES)[number][];
  /** An init process as PID 1 that forwards signals and reaps children. */
  readonly init: boolean;
  /** Seconds from the stop signal to SIGKILL: above the service's own drain or shutdown time. */
  readonly stopGraceSeconds: number;
}

/**
 * One connection the system needs, and the only ones it gets: ECS security-group rules and
 * the Docker network are derived from this list. `public` is the entry users come through
 * (the ALB; a loopback port on Docker), `internet` anything outside.
 */
export interface Flow {
  readonly from: ServiceName | "backup" | "public";
  readonly to: ServiceName | "internet";
  readonly port: number;
  readonly why: string;
}

/**
 * The scheduled MySQL backup: the MySQL image's own dump tool, run on a schedule, writing
 * compressed dumps named by UTC time (components/backup-script.ts holds the job itself).
 */
export interface BackupSpec {
  /** The MySQL image: it has mysqldump (MariaDB images: mariadb-dump). */
  readonly image: pulumi.Input<string>;
  /** Plain env the job reads (host, port, database, user, directory, interval, retention). */
  readonly env: Readonly<Record<string, string>>;
  /** The dump user's password, delivered like the MySQL container's credentials. */
  readonly secretEnv: Readonly<Record<string, pulumi.Output<string>>>;
  readonly intervalMinutes: number;
  /** Dumps kept (local: the last N files). */
  readonly retain: number;
  /** The same retention as an age, for storage that expires by days (S3): N intervals, rounded up. */
  readonly retainDays: number;
  /** argv of the long-running job (dump when due, keep the last N, log each run). */
  readonly loopCommand: readonly string[];
  /** argv of one dump (a scheduled task); exits non-zero when the dump failed. */
  readonly onceCommand: readonly string[];
  /** Fails once the last successful dump is two intervals old. */
  readonly healthCheck: HealthCheckSpec;
  readonly memoryMb: number;
  readonly runtime: RuntimeSpec;
  /** Local only: a host directory instead of the named volume. */
  readonly hostDir?: string;
}

/** How users reach the app. */
interface EntrySpec {
  readonly service: ServiceName;
  /** HTTP path answering 200 when the app is up. */
  readonly healthPath: string;
  /** TLS at the entry; undefined = plain HTTP. */
  readonly https?: { readonly certificateArn: string };
  /** Env var of `service` that receives the public URL once the renderer knows it. */
  readonly urlEnv?: string;
  /** The configured public URL (scheme://host[:port]); undefined = the renderer's own address. */
  readonly publicUrl?: string;
  /**
   * Env var of `service` that receives the number of proxy hops in front of it, which only the
   * renderer knows (the service then trusts exactly those for the client address and scheme);
   * a renderer that puts no proxy in front sets nothing.
   */
  readonly proxyHopsEnv?: string;
}

/** Placement on local Docker: ports published on 127.0.0.1. */
export interface LocalPlacement {
  readonly kind: "local";
  /** Host port per service; absent = not published. */
  readonly hostPorts: Readonly<Partial<Record<ServiceName, number>>>;
}

/** Placement on ECS Fargate: region, network, sizes, scaling, logs. */
export interface EcsPlacement {
  readonly kind: "ecs";
  readonly region: string;
  /** Existing network; undefined = the renderer creates a VPC. */
  readonly existingVpc?: {
    readonly vpcId: string;
    readonly publicSubnetIds: readonly string[];
    readonly privateSubnetIds: readonly string[];
  };
  /** Fargate CPU units per service (memory is the service's memoryMb). */
  readonly cpu: Readonly<Record<ServiceName, number>>;
  readonly appScaling: { readonly min: number; readonly max: number; readonly cpuPercent: number };
  readonly logRetentionDays: number;
  /** Daily backups of the data (AWS Backup's default plan for EFS). */
  readonly dataBackups: boolean;
  /** The AWS CLI image that uploads backups to S3 (used when the spec has a backup). */
  readonly backupUploadImage: string;
  /** ECS Exec into the tasks (off unless configured). */
  readonly executeCommand: boolean;
  /** How `up` waits for a deployment: the events watch (rollout.ts) or the provider's wait. */
  readonly rolloutWait: "events" | "steady-state";
  /** `aws:profile`, for the events watch's own ECS calls ("" = the default chain). */
  readonly awsProfile: string;
}

/**
 * Amazon RDS for MySQL in place of the MySQL container. The app's env contract stays: the
 * renderer gives it `urlEnv` (a mysql:// URL without password, asking for verified TLS) and
 * `passwordSecretEnv` (the ARN of the RDS-managed master user secret, which RDS rotates: the
 * app reads its `password` key itself, so a rotation does not strand running tasks).
 */
export interface ManagedDatabaseSpec {
  /** Major version; RDS picks its current minor (and applies minor upgrades). */
  readonly engineVersion: string;
  readonly instanceClass: string;
  readonly allocatedStorageGb: number;
  readonly multiAz: boolean;
  readonly backupRetentionDays: number;
  /** Database and master user name (the chapter's `microblog`). */
  readonly database: string;
  readonly username: string;
  readonly port: number;
  /** App env var that receives the URL (no password in it). */
  readonly urlEnv: string;
  /** App env var that receives the secret's ARN (the task role may read that secret). */
  readonly passwordSecretEnv: string;
  /** Query the URL carries so the app connects over TLS verified against the RDS CAs. */
  readonly urlQuery: string;
}

/**
 * An Amazon OpenSearch Service domain in place of the search container: VPC only, reachable
 * from the app's security group, access policy naming the app's task role alone, so the app
 * signs its requests (SigV4, service `es`) for the region in `regionEnv`.
 */
export interface ManagedSearchSpec {
  /** `OpenSearch_X.Y`. */
  readonly engineVersion: string;
  readonly instanceType: string;
  readonly volumeGb: number;
  /** App env var that receives https://<domain endpoint>. */
  readonly urlEnv: string;
  /** App env var that receives the region; set = sign search requests with SigV4. */
  readonly regionEnv: string;
}

/** Managed data services on ECS (dataServices: managed). */
export interface ManagedDataSpec {
  readonly database: ManagedDatabaseSpec;
  /** undefined = search stays a container (managedSearch: container). */
  readonly search?: ManagedSearchSpec;
  /**
   * Keep the data containers' EFS file system and access points although no container uses
   * them (a stack switched from containers keeps its data until the user drops it).
   */
  readonly retainContainerData: boolean;
}

/** The whole system, as a renderer receives it. */
export interface SystemSpec {
  /** The system's name: prefix of every logical resource name. */
  readonly name: string;
  /** `<project>-<stack>`: prefix of physical names. */
  readonly namePrefix: string;
  readonly platform: "linux/amd64" | "linux/arm64";
  readonly services: Readonly<Record<ServiceName, ServiceSpec>>;
  readonly flows: readonly Flow[];
  readonly entry: EntrySpec;
  /** The MySQL backup job; undefined = backups off. */
  readonly backup?: BackupSpec;
  /** ECS only: managed services in place of the MySQL (and search) containers. */
  readonly managed?: ManagedDataSpec;
  /** Resource options of everything that holds data. */
  readonly data: { readonly protect: boolean; readonly retainOnDelete: boolean };
  readonly placement: LocalPlacement | EcsPlacement;
}

/** Registry an image is pushed to. */
export interface ImageRegistry {
  /** Registry host[:port], e.g. 127.0.0.1:5000 or <account>.dkr.ecr.<region>.amazonaws.com. */
  readonly server: pulumi.Input<string>;
  readonly username: pulumi.Input<string>;
  /** Must be a Pulumi secret. */
  readonly password: pulumi.Output<string>;
}

/** Where the system runs: what the spec needs from it, and the renderer. */
export interface Target {
  /** Host name under which each service is reached on this target. */
  readonly hosts: Readonly<Record<ServiceName, string>>;
  /** Repository of the app image, without tag. */
  readonly repository: pulumi.Input<string>;
  /** Where the app image is pushed; undefined = built locally only. */
  readonly registry?: ImageRegistry;
  /** Declares the system's resources; returns the stack outputs (no credential in them). */
  render(spec: SystemSpec): Record<string, pulumi.Output<unknown>>;
}

/** The system's name (the chapter's `microblog`): prefix of logical resource names. */
export const SYSTEM_NAME = "microblog";
