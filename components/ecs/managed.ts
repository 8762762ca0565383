// Managed data services (dataServices: managed): Amazon RDS for MySQL in place of the MySQL
// task, and an Amazon OpenSearch Service domain in place of the search task. Both live in the
// private subnets behind their own security group (the spec's flows open it to the app only),
// encrypted at rest and in transit, and hold data with the stack's `dataProtect` setting.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { ManagedDatabaseSpec, ManagedSearchSpec } from "../spec.js";

/** RDS parameter group family of MySQL 8.4. */
const MYSQL_FAMILY = "mysql8.4";
/** TLS policy of the domain endpoint: TLS 1.2 or later with forward secrecy. */
export const DOMAIN_TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10";
/** The HTTP methods the app uses against the search engine (HEAD, GET, PUT, POST, DELETE). */
export const SEARCH_ACTIONS = [
  "es:ESHttpDelete",
  "es:ESHttpGet",
  "es:ESHttpHead",
  "es:ESHttpPost",
  "es:ESHttpPut",
];

/** Inputs of {@link ManagedDatabase}. */
interface ManagedDatabaseArgs {
  readonly spec: ManagedDatabaseSpec;
  readonly namePrefix: string;
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  /** `dataProtect`: deletion protection, Pulumi protect and a final snapshot. */
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
}

/** ECS `valueFrom` of the password key of an RDS-managed secret (JSON key, default stage). */
export const passwordReference = (secretArn: pulumi.Output<string>): pulumi.Output<string> =>
  pulumi.interpolate`${secretArn}:password::`;

/** Final snapshot name of a protected instance (one per stack: delete it before re-creating). */
export const finalSnapshotName = (namePrefix: string): string => `${namePrefix}-final`;

/** RDS for MySQL with an RDS-managed master password in Secrets Manager. */
export class ManagedDatabase extends pulumi.ComponentResource {
  /** Host name of the instance. */
  public readonly address: pulumi.Output<string>;
  /** ARN of the RDS-managed secret (JSON with `username` and `password`). */
  public readonly secretArn: pulumi.Output<string>;
  public readonly instance: aws.rds.Instance;

  constructor(name: string, args: ManagedDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:ecs:ManagedDatabase", name, {}, opts);
    const { spec } = args;
    const parent = { parent: this };
    const subnets = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.subnetIds, description: "Microblog MySQL: private subnets" },
      parent,
    );
    // TLS for every connection (MySQL 8.4 on RDS allows plain ones by default).
    const params = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        family: MYSQL_FAMILY,
        description: "Microblog MySQL: TLS required",
        parameters: [{ name: "require_secure_transport", value: "1" }],
      },
      parent,
    );
    const db = new aws.rds.Instance(
      `${name}-db`,
      {
        engine: "mysql",
        engineVersion: spec.engineVersion,
        instanceClass: spec.instanceClass,
        allocatedStorage: spec.allocatedStorageGb,
        storageType: "gp3",
        storageEncrypted: true,
        dbName: spec.database,
        username: spec.username,
        // RDS generates the password and keeps it in Secrets Manager; it never enters state.
        manageMasterUserPassword: true,
        port: spec.port,
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [args.securityGroupId],
        parameterGroupName: params.name,
        publiclyAccessible: false,
        multiAz: spec.multiAz,
        backupRetentionPeriod: spec.backupRetentionDays,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        deletionProtection: args.protect,
        // Protected: a last snapshot when it is deleted after all; unprotected: none.
        skipFinalSnapshot: !args.protect,
        finalSnapshotIdentifier: args.protect ? finalSnapshotName(args.namePrefix) : undefined,
      },
      { parent: this, protect: args.protect, retainOnDelete: args.retainOnDelete },
    );
    this.instance = db;
    this.address = db.address;
    this.secretArn = db.masterUserSecrets.apply((s) => {
      const arn = s?.[0]?.secretArn;
      if (arn === undefined) throw new Error("RDS returned no master user secret");
      return arn;
    });
    this.registerOutputs({ address: this.address });
  }
}

/** Inputs of {@link ManagedSearch}. */
interface ManagedSearchArgs {
  readonly spec: ManagedSearchSpec;
  readonly namePrefix: string;
  /** One subnet per node: the first private subnet for the single-node domain. */
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
}

/**
 * A domain name from the stack's name prefix: 3-28 characters, a lower-case letter first, then
 * lower-case letters, digits and hyphens. A longer prefix is cut to 21 characters and given 6
 * hex digits of its hash, so two long stack names that share a beginning still differ.
 */
export function domainName(namePrefix: string): string {
  const cleaned = namePrefix.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  const named = /^[a-z]/.test(cleaned) ? cleaned : `m-${cleaned}`;
  if (named.length <= 28) return named.replace(/-+$/, "").padEnd(3, "0");
  const hash = createHash("sha256").update(named).digest("hex").slice(0, 6);
  return `${named.slice(0, 21).replace(/-+$/, "")}-${hash}`;
}

/** The domain's access policy: only the app's task role, only the HTTP methods it uses. */
export function domainAccessPolicy(domainArn: string, taskRoleArn: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AppTaskRoleOnly",
        Effect: "Allow",
        Principal: { AWS: taskRoleArn },
        Action: SEARCH_ACTIONS,
        Resource: `${domainArn}/*`,
      },
    ],
  };
}

/** A single-node OpenSearch domain reachable only inside the VPC. */
export class ManagedSearch extends pulumi.ComponentResource {
  public readonly endpoint: pulumi.Output<string>;
  public readonly arn: pulumi.Output<string>;
  private readonly domain: aws.opensearch.Domain;

  constructor(
    private readonly name: string,
    args: ManagedSearchArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("microblog:ecs:ManagedSearch", name, {}, opts);
    const { spec } = args;
    const first = args.subnetIds[0];
    if (first === undefined) throw new Error("the search domain needs a private subnet");
    this.domain = new aws.opensearch.Domain(
      `${name}-domain`,
      {
        domainName: domainName(args.namePrefix),
        engineVersion: spec.engineVersion,
        clusterConfig: {
          instanceType: spec.instanceType,
          instanceCount: 1,
          zoneAwarenessEnabled: false,
        },
        ebsOptions: { ebsEnabled: true, volumeType: "gp3", volumeSize: spec.volumeGb },
        // VPC access only: the endpoint has private addresses in this subnet.
        vpcOptions: { subnetIds: [first], securityGroupIds: [args.securityGroupId] },
        encryptAtRest: { enabled: true },
        nodeToNodeEncryption: { enabled: true },
        domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: DOMAIN_TLS_POLICY },
      },
      { parent: this, protect: args.protect, retainOnDelete: args.retainOnDelete },
    );
    this.endpoint = this.domain.endpoint;
    this.arn = this.domain.arn;
    this.registerOutputs({ endpoint: this.endpoint });
  }

  /** Lets the app's task role (and nobody else) send the app's requests. */
  allow(taskRoleArn: pulumi.Input<string>): aws.opensearch.DomainPolicy {
    return new aws.opensearch.DomainPolicy(
      `${this.name}-policy`,
      {
        domainName: this.domain.domainName,
        accessPolicies: pulumi
          .all([this.domain.arn, taskRoleArn])
          .apply(([arn, role]) => JSON.stringify(domainAccessPolicy(arn, role))),
      },
      { parent: this },
    );
  }
}
