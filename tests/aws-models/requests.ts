// Turns the AWS resources the program declares (as recorded under Pulumi mocks) into the AWS API
// requests the Pulumi AWS provider (the Terraform AWS provider underneath) sends to create them,
// with AWS's member names and shapes. Written from the Terraform provider's create functions:
// the provider's own defaults are included where it sends them (a target group's
// ProtocolVersion, a role's Path and MaxSessionDuration, a security group's revocation of the
// default egress rule, …). The mocks' invented ids and ARNs are replaced by ids and ARNs of the
// shape AWS gives each resource, and names Pulumi would auto-generate get Pulumi's suffix.
import { createHash } from "node:crypto";
import { SECRET_SIG, type Recorded } from "../unit/mocks.js";

const REGION = "us-east-1";
const ACCOUNT = "123456789012";
const MOCK_ARN = /arn:aws:mock:us-east-1:123456789012:([A-Za-z0-9_.-]+)/g;

/** One API call with its parameters as the SDK takes them. */
export interface ApiRequest {
  /** `variation/type::name/Service.Operation[#n]`. */
  id: string;
  /** The Pulumi type of the resource the request creates. */
  resourceType: string;
  service: string;
  operation: string;
  params: Record<string, unknown>;
  /** String parameters that hold JSON documents, and the grammar each follows. */
  documents?: { path: (string | number)[]; kind: DocumentKind }[];
}

export type DocumentKind = "iam-identity" | "iam-trust" | "iam-resource" | "ecr-lifecycle";

const hex = (seed: string, n: number): string =>
  createHash("sha256").update(seed).digest("hex").slice(0, n);

/** A name as Pulumi's autonaming makes it: the logical name and a random 7-character suffix. */
const autoname = (name: string): string => `${name}-${hex(`autoname:${name}`, 7)}`;

/** A unique id as the Terraform provider makes it (id.UniqueId()). */
const uniqueId = (seed: string): string =>
  `terraform-${"2026120112000000000000"}${hex(`unique:${seed}`, 4)}`;

/** Physical identity of a resource: what its `id`, `arn` and `name` outputs would be. */
interface Physical {
  id: string;
  arn: string;
  name?: string;
}

/** Types whose id and ARN nothing references; they share logical names with the ones that are. */
const UNREFERENCED = new Set([
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:opensearch/domainPolicy:DomainPolicy",
  "aws:secretsmanager/secretVersion:SecretVersion",
]);

function physical(r: Recorded, clusterName: string): Physical {
  const n = r.name;
  const ec2 = (prefix: string, kind: string): Physical => {
    const id = `${prefix}-${hex(`${r.type}:${n}`, 17)}`;
    return { id, arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:${kind}/${id}` };
  };
  const elb = (kind: string, name: string): string =>
    `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:${kind}/${name}/${hex(n, 16)}`;
  switch (r.type) {
    case "aws:ec2/vpc:Vpc":
      return ec2("vpc", "vpc");
    case "aws:ec2/subnet:Subnet":
      return ec2("subnet", "subnet");
    case "aws:ec2/internetGateway:InternetGateway":
      return ec2("igw", "internet-gateway");
    case "aws:ec2/routeTable:RouteTable":
      return ec2("rtb", "route-table");
    case "aws:ec2/routeTableAssociation:RouteTableAssociation":
      return ec2("rtbassoc", "route-table-association");
    case "aws:ec2/eip:Eip":
      return ec2("eipalloc", "elastic-ip");
    case "aws:ec2/natGateway:NatGateway":
      return ec2("nat", "natgateway");
    case "aws:ec2/securityGroup:SecurityGroup":
      return { ...ec2("sg", "security-group"), name: autoname(n) };
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
      return ec2("sgr", "security-group-rule");
    case "aws:ecs/cluster:Cluster": {
      const name = String(r.inputs.name ?? autoname(n));
      const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}`;
      return { id: arn, arn, name };
    }
    case "aws:ecs/taskDefinition:TaskDefinition": {
      const family = String(r.inputs.family);
      return { id: family, arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:1` };
    }
    case "aws:ecs/service:Service": {
      const name = String(r.inputs.name ?? autoname(n));
      const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${clusterName}/${name}`;
      return { id: arn, arn, name };
    }
    case "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": {
      const id = `ns-${hex(n, 16)}`;
      return { id, arn: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:namespace/${id}` };
    }
    case "aws:servicediscovery/service:Service": {
      const id = `srv-${hex(n, 16)}`;
      return { id, arn: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/${id}` };
    }
    case "aws:efs/fileSystem:FileSystem": {
      const id = `fs-${hex(n, 17)}`;
      return { id, arn: `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/${id}` };
    }
    case "aws:efs/accessPoint:AccessPoint": {
      const id = `fsap-${hex(n, 17)}`;
      return { id, arn: `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:access-point/${id}` };
    }
    case "aws:efs/mountTarget:MountTarget": {
      const id = `fsmt-${hex(n, 17)}`;
      return { id, arn: `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:mount-target/${id}` };
    }
    case "aws:lb/loadBalancer:LoadBalancer": {
      const name = autoname(n);
      const arn = elb("loadbalancer/app", name);
      return { id: arn, arn, name };
    }
    case "aws:lb/targetGroup:TargetGroup": {
      const name = autoname(n);
      const arn = elb("targetgroup", name);
      return { id: arn, arn, name };
    }
    case "aws:lb/listener:Listener": {
      const arn = `${elb("listener/app", "lb")}/${hex(`${n}:l`, 16)}`;
      return { id: arn, arn };
    }
    case "aws:iam/role:Role": {
      const name = autoname(n);
      return { id: name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, name };
    }
    case "aws:secretsmanager/secret:Secret": {
      const name = autoname(n);
      const arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${hex(n, 6)}`;
      return { id: arn, arn, name };
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const name = String(r.inputs.name ?? autoname(n));
      return { id: name, arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`, name };
    }
    case "aws:ecr/repository:Repository": {
      const name = String(r.inputs.name ?? autoname(n));
      return { id: name, arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`, name };
    }
    case "aws:appautoscaling/policy:Policy": {
      const name = String(r.inputs.name ?? autoname(n));
      const arn = `arn:aws:autoscaling:${REGION}:${ACCOUNT}:scalingPolicy:${hex(n, 8)}-${hex(`${n}:2`, 4)}-${hex(`${n}:3`, 4)}-${hex(`${n}:4`, 4)}-${hex(`${n}:5`, 12)}:resource/ecs/${String(r.inputs.resourceId)}:policyName/${name}`;
      return { id: name, arn, name };
    }
    case "aws:rds/instance:Instance": {
      // Pulumi autonames an instance identifier in lower case.
      const name = String(r.inputs.identifier ?? autoname(n)).toLowerCase();
      return { id: name, arn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${name}`, name };
    }
    case "aws:rds/subnetGroup:SubnetGroup":
    case "aws:rds/parameterGroup:ParameterGroup": {
      // The name the mocks give it (tests/unit/mocks.ts), so references to it agree.
      const name = String(r.inputs.name ?? `${n}-1234567`);
      const kind = r.type.includes("subnetGroup") ? "subgrp" : "pg";
      return { id: name, arn: `arn:aws:rds:${REGION}:${ACCOUNT}:${kind}:${name}`, name };
    }
    case "aws:opensearch/domain:Domain": {
      const name = String(r.inputs.domainName ?? autoname(n));
      const arn = `arn:aws:es:${REGION}:${ACCOUNT}:domain/${name}`;
      return { id: arn, arn, name };
    }
    case "aws:s3/bucket:Bucket": {
      // Pulumi autonames a bucket: lower case, the logical name and a suffix.
      const name = String(r.inputs.bucket ?? autoname(n));
      return { id: name, arn: `arn:aws:s3:::${name}`, name };
    }
    case "aws:scheduler/schedule:Schedule": {
      const name = String(r.inputs.name ?? autoname(n));
      return {
        id: `default/${name}`,
        arn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/default/${name}`,
        name,
      };
    }
    default: {
      // Policies, attachments, secret versions, scalable targets: ids that nothing references.
      const id = `${n}-${hex(n, 8)}`;
      return { id, arn: `arn:aws:${r.type.split(/[:/]/)[1]}:${REGION}:${ACCOUNT}:${id}` };
    }
  }
}

/** Replaces the mocks' ids and ARNs in a value (also inside strings) by physical ones. */
class Identities {
  private readonly byName = new Map<string, Physical>();
  readonly byResource = new Map<Recorded, Physical>();

  constructor(resources: readonly Recorded[]) {
    const aws = resources.filter((r) => r.type.startsWith("aws:"));
    const cluster = aws.find((r) => r.type === "aws:ecs/cluster:Cluster");
    const clusterName = String(cluster?.inputs.name ?? "cluster");
    for (const r of aws) {
      const p = physical(r, clusterName);
      this.byResource.set(r, p);
      if (UNREFERENCED.has(r.type)) continue;
      if (this.byName.has(r.name)) throw new Error(`two referenceable resources named ${r.name}`);
      this.byName.set(r.name, p);
    }
  }

  private lookup(name: string, what: string): Physical {
    const p = this.byName.get(name);
    if (p === undefined) throw new Error(`mock ${what} of an unknown resource ${name}`);
    return p;
  }

  /** Deep copy with secrets unwrapped and every mock id/ARN replaced. */
  resolve(value: unknown): unknown {
    if (typeof value === "string") {
      if (value.endsWith("-id") && this.byName.has(value.slice(0, -3))) {
        return this.lookup(value.slice(0, -3), "id").id;
      }
      return value.replace(MOCK_ARN, (_, name: string) => this.lookup(name, "ARN").arn);
    }
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value !== null && typeof value === "object") {
      if (SECRET_SIG in value) return this.resolve((value as unknown as { value: unknown }).value);
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, this.resolve(v)] as const),
      );
    }
    return value;
  }
}

/** A resource's inputs, each of which a mapping must take (or name as ignored). */
class Inputs {
  private readonly taken = new Set<string>();
  constructor(
    readonly r: Recorded,
    private readonly values: Record<string, unknown>,
  ) {}

  /** An input's value; marks it as mapped. */
  get<T = unknown>(key: string): T {
    this.taken.add(key);
    return this.values[key] as T;
  }
  /** An input that must be set. */
  need<T = unknown>(key: string): T {
    const v = this.get<T>(key);
    if (v === undefined || v === null) throw new Error(`${this.r.type} ${this.r.name}: no ${key}`);
    return v;
  }
  /** Inputs that only matter to the provider or at deletion, not to the create requests. */
  ignore(...keys: string[]): void {
    for (const k of keys) this.taken.add(k);
  }
  /** Inputs no mapping took: a new input of the program that these checks would miss. */
  untaken(): string[] {
    return Object.keys(this.values).filter(
      (k) => !this.taken.has(k) && this.values[k] !== undefined,
    );
  }
}

type Tags = Record<string, string> | undefined;
const tagList = (tags: Tags, key = "Key", value = "Value") =>
  Object.entries(tags ?? {}).map(([k, v]) => ({ [key]: k, [value]: v }));
/** EC2's TagSpecifications (absent without tags, as the provider omits it). */
const tagSpec = (resourceType: string, tags: Tags) =>
  Object.keys(tags ?? {}).length === 0
    ? {}
    : { TagSpecifications: [{ ResourceType: resourceType, Tags: tagList(tags) }] };
/** Drops undefined members (the provider leaves unset members out of a request). */
const defined = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

interface Context {
  readonly ids: Identities;
  readonly resources: readonly Recorded[];
  readonly self: Physical;
}

/** The resource a mock left an output undefined for, found by the program's naming. */
function sameName(ctx: Context, type: string, name: string): Physical {
  const r = ctx.resources.find((x) => x.type === type && x.name === name);
  const p = r === undefined ? undefined : ctx.ids.byResource.get(r);
  if (p === undefined) throw new Error(`no ${type} named ${name}`);
  return p;
}

type Call = Omit<ApiRequest, "id" | "resourceType">;
type Mapping = (i: Inputs, ctx: Context) => Call[];

const call = (
  service: string,
  operation: string,
  params: Record<string, unknown>,
  documents?: ApiRequest["documents"],
): Call => ({ service, operation, params: defined(params), ...(documents ? { documents } : {}) });

const ipPermission = (i: Inputs) => {
  const cidr = i.get<string | undefined>("cidrIpv4");
  const peer = i.get<string | undefined>("referencedSecurityGroupId");
  const description = i.get<string | undefined>("description");
  return defined({
    IpProtocol: i.need<string>("ipProtocol"),
    FromPort: i.get<number | undefined>("fromPort"),
    ToPort: i.get<number | undefined>("toPort"),
    IpRanges:
      cidr === undefined ? undefined : [defined({ CidrIp: cidr, Description: description })],
    UserIdGroupPairs:
      peer === undefined ? undefined : [defined({ GroupId: peer, Description: description })],
  });
};

const MAPPINGS: Record<string, Mapping> = {
  "aws:ecr/repository:Repository": (i, { self }) => [
    call("ecr", "CreateRepository", {
      repositoryName: i.get("name") ?? self.name,
      imageTagMutability: i.get("imageTagMutability"),
      imageScanningConfiguration: i.get<{ scanOnPush: boolean } | undefined>(
        "imageScanningConfiguration",
      ),
      encryptionConfiguration: i.get<{ encryptionType: string }[] | undefined>(
        "encryptionConfigurations",
      )?.[0],
      tags: tagList(i.get("tags")),
    }),
  ],
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": (i, ctx) => {
    // The mocks give a repository no `name` output; the program has one repository.
    const repos = ctx.resources.filter((r) => r.type === "aws:ecr/repository:Repository");
    if (repos.length !== 1) throw new Error(`expected one ECR repository, have ${repos.length}`);
    const repo =
      i.get<string | undefined>("repository") ?? ctx.ids.byResource.get(repos[0] as Recorded)?.name;
    return [
      call(
        "ecr",
        "PutLifecyclePolicy",
        { repositoryName: repo, lifecyclePolicyText: i.need("policy") },
        [{ path: ["lifecyclePolicyText"], kind: "ecr-lifecycle" }],
      ),
    ];
  },
  "aws:ec2/vpc:Vpc": (i, { self }) => [
    call("ec2", "CreateVpc", {
      CidrBlock: i.need("cidrBlock"),
      InstanceTenancy: i.get("instanceTenancy") ?? "default",
      ...tagSpec("vpc", i.get("tags")),
    }),
    // The provider modifies an attribute only away from its default (DNS support on,
    // hostnames off), one attribute per call as the API requires.
    ...(i.get("enableDnsSupport") === false
      ? [call("ec2", "ModifyVpcAttribute", { VpcId: self.id, EnableDnsSupport: { Value: false } })]
      : []),
    ...(i.get("enableDnsHostnames") === true
      ? [call("ec2", "ModifyVpcAttribute", { VpcId: self.id, EnableDnsHostnames: { Value: true } })]
      : []),
  ],
  "aws:ec2/internetGateway:InternetGateway": (i, { self }) => [
    call("ec2", "CreateInternetGateway", { ...tagSpec("internet-gateway", i.get("tags")) }),
    call("ec2", "AttachInternetGateway", { InternetGatewayId: self.id, VpcId: i.need("vpcId") }),
  ],
  "aws:ec2/routeTable:RouteTable": (i, { self }) => [
    call("ec2", "CreateRouteTable", {
      VpcId: i.need("vpcId"),
      ...tagSpec("route-table", i.get("tags")),
    }),
    ...(i.get<Record<string, string>[] | undefined>("routes") ?? []).map((r) =>
      call("ec2", "CreateRoute", {
        RouteTableId: self.id,
        DestinationCidrBlock: r.cidrBlock,
        GatewayId: r.gatewayId,
        NatGatewayId: r.natGatewayId,
      }),
    ),
  ],
  "aws:ec2/subnet:Subnet": (i, { self }) => [
    call("ec2", "CreateSubnet", {
      VpcId: i.need("vpcId"),
      CidrBlock: i.need("cidrBlock"),
      AvailabilityZone: i.get("availabilityZone"),
      ...tagSpec("subnet", i.get("tags")),
    }),
    // Modified only when on (the API's default is off).
    ...(i.get("mapPublicIpOnLaunch") === true
      ? [
          call("ec2", "ModifySubnetAttribute", {
            SubnetId: self.id,
            MapPublicIpOnLaunch: { Value: true },
          }),
        ]
      : []),
  ],
  "aws:ec2/routeTableAssociation:RouteTableAssociation": (i) => [
    call("ec2", "AssociateRouteTable", {
      RouteTableId: i.need("routeTableId"),
      SubnetId: i.need("subnetId"),
    }),
  ],
  "aws:ec2/eip:Eip": (i) => [
    call("ec2", "AllocateAddress", {
      Domain: i.get("domain"),
      ...tagSpec("elastic-ip", i.get("tags")),
    }),
  ],
  "aws:ec2/natGateway:NatGateway": (i, { self }) => [
    call("ec2", "CreateNatGateway", {
      AllocationId: i.get("allocationId"),
      SubnetId: i.need("subnetId"),
      ConnectivityType: i.get("connectivityType") ?? "public",
      ClientToken: uniqueId(self.id),
      ...tagSpec("natgateway", i.get("tags")),
    }),
  ],
  "aws:ec2/securityGroup:SecurityGroup": (i, { self }) => {
    i.ignore("revokeRulesOnDelete"); // used at deletion only
    return [
      call("ec2", "CreateSecurityGroup", {
        GroupName: i.get("name") ?? self.name,
        Description: i.get("description") ?? "Managed by Pulumi",
        VpcId: i.get("vpcId"),
        ...tagSpec("security-group", i.get("tags")),
      }),
      // The provider removes the default allow-all egress rule of a new VPC security group.
      call("ec2", "RevokeSecurityGroupEgress", {
        GroupId: self.id,
        IpPermissions: [
          { IpProtocol: "-1", FromPort: 0, ToPort: 0, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
        ],
      }),
    ];
  },
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (i) => [
    call("ec2", "AuthorizeSecurityGroupIngress", {
      GroupId: i.need("securityGroupId"),
      IpPermissions: [ipPermission(i)],
      ...tagSpec("security-group-rule", i.get("tags")),
    }),
  ],
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (i) => [
    call("ec2", "AuthorizeSecurityGroupEgress", {
      GroupId: i.need("securityGroupId"),
      IpPermissions: [ipPermission(i)],
      ...tagSpec("security-group-rule", i.get("tags")),
    }),
  ],
  "aws:ecs/cluster:Cluster": (i, { self }) => [
    call("ecs", "CreateCluster", {
      clusterName: i.get("name") ?? self.name,
      settings: i.get("settings"),
      tags: tagList(i.get("tags"), "key", "value"),
    }),
  ],
  "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": (i, { self }) => [
    call("servicediscovery", "CreatePrivateDnsNamespace", {
      Name: i.need("name"),
      Vpc: i.need("vpc"),
      Description: i.get("description"),
      CreatorRequestId: uniqueId(self.id),
      Tags: tagList(i.get("tags")),
    }),
  ],
  "aws:servicediscovery/service:Service": (i, { self }) => {
    const dns = i.get<
      | {
          namespaceId?: string;
          routingPolicy?: string;
          dnsRecords: { ttl: number; type: string }[];
        }
      | undefined
    >("dnsConfig");
    return [
      call("servicediscovery", "CreateService", {
        Name: i.need("name"),
        NamespaceId: i.get("namespaceId"),
        Description: i.get("description"),
        CreatorRequestId: uniqueId(self.id),
        DnsConfig:
          dns === undefined
            ? undefined
            : defined({
                NamespaceId: dns.namespaceId,
                RoutingPolicy: dns.routingPolicy,
                DnsRecords: dns.dnsRecords.map((d) => ({ Type: d.type, TTL: d.ttl })),
              }),
        Tags: tagList(i.get("tags")),
      }),
    ];
  },
  "aws:efs/fileSystem:FileSystem": (i, { self }) => [
    call("efs", "CreateFileSystem", {
      CreationToken: i.get("creationToken") ?? uniqueId(self.id),
      PerformanceMode: i.get("performanceMode"),
      ThroughputMode: i.get("throughputMode"),
      Encrypted: i.get("encrypted"),
      Tags: tagList(i.get("tags")),
    }),
  ],
  "aws:efs/mountTarget:MountTarget": (i) => [
    call("efs", "CreateMountTarget", {
      FileSystemId: i.need("fileSystemId"),
      SubnetId: i.need("subnetId"),
      SecurityGroups: i.get("securityGroups"),
    }),
  ],
  "aws:efs/accessPoint:AccessPoint": (i, { self }) => {
    const posix = i.get<{ uid: number; gid: number } | undefined>("posixUser");
    const root = i.get<
      | {
          path?: string;
          creationInfo?: { ownerUid: number; ownerGid: number; permissions: string };
        }
      | undefined
    >("rootDirectory");
    const info = root?.creationInfo;
    return [
      call("efs", "CreateAccessPoint", {
        // An idempotency token the SDK fills in when the provider does not.
        ClientToken: uniqueId(self.id),
        FileSystemId: i.need("fileSystemId"),
        PosixUser: posix === undefined ? undefined : { Uid: posix.uid, Gid: posix.gid },
        RootDirectory:
          root === undefined
            ? undefined
            : defined({
                Path: root.path,
                CreationInfo:
                  info === undefined
                    ? undefined
                    : {
                        OwnerUid: info.ownerUid,
                        OwnerGid: info.ownerGid,
                        Permissions: info.permissions,
                      },
              }),
        Tags: tagList(i.get("tags")),
      }),
    ];
  },
  "aws:efs/backupPolicy:BackupPolicy": (i) => [
    call("efs", "PutBackupPolicy", {
      FileSystemId: i.need("fileSystemId"),
      BackupPolicy: { Status: i.need<{ status: string }>("backupPolicy").status },
    }),
  ],
  "aws:efs/fileSystemPolicy:FileSystemPolicy": (i) => [
    call(
      "efs",
      "PutFileSystemPolicy",
      {
        FileSystemId: i.need("fileSystemId"),
        Policy: i.need("policy"),
        BypassPolicyLockoutSafetyCheck: i.get("bypassPolicyLockoutSafetyCheck") ?? false,
      },
      [{ path: ["Policy"], kind: "iam-resource" }],
    ),
  ],
  "aws:lb/loadBalancer:LoadBalancer": (i, { self }) => {
    const internal = i.get<boolean | undefined>("internal");
    const attributes: [string, unknown][] = [
      ["routing.http.drop_invalid_header_fields.enabled", i.get("dropInvalidHeaderFields")],
      ["deletion_protection.enabled", i.get("enableDeletionProtection") ?? false],
      ["idle_timeout.timeout_seconds", i.get("idleTimeout") ?? 60],
      ["routing.http2.enabled", i.get("enableHttp2") ?? true],
      ["routing.http.desync_mitigation_mode", i.get("desyncMitigationMode") ?? "defensive"],
    ];
    return [
      call("elbv2", "CreateLoadBalancer", {
        Name: self.name,
        Type: i.get("loadBalancerType") ?? "application",
        Scheme: internal === true ? "internal" : undefined,
        SecurityGroups: i.get("securityGroups"),
        Subnets: i.get("subnets"),
        Tags: tagList(i.get("tags")),
      }),
      call("elbv2", "ModifyLoadBalancerAttributes", {
        LoadBalancerArn: self.arn,
        Attributes: attributes
          .filter(([, v]) => v !== undefined)
          .map(([Key, v]) => ({ Key, Value: String(v) })),
      }),
    ];
  },
  "aws:lb/targetGroup:TargetGroup": (i, { self }) => {
    const hc = i.get<Record<string, unknown> | undefined>("healthCheck") ?? {};
    const protocol = i.get<string>("protocol");
    return [
      call("elbv2", "CreateTargetGroup", {
        Name: self.name,
        Port: i.get("port"),
        Protocol: protocol,
        ProtocolVersion: protocol === "HTTP" || protocol === "HTTPS" ? "HTTP1" : undefined,
        VpcId: i.get("vpcId"),
        TargetType: i.get("targetType"),
        IpAddressType: "ipv4",
        HealthCheckEnabled: hc.enabled ?? true,
        HealthCheckPath: hc.path,
        HealthCheckPort: hc.port ?? "traffic-port",
        HealthCheckProtocol: hc.protocol ?? "HTTP",
        HealthCheckIntervalSeconds: hc.interval,
        HealthCheckTimeoutSeconds: hc.timeout,
        HealthyThresholdCount: hc.healthyThreshold,
        UnhealthyThresholdCount: hc.unhealthyThreshold,
        Matcher: hc.matcher === undefined ? undefined : { HttpCode: hc.matcher },
        Tags: tagList(i.get("tags")),
      }),
      call("elbv2", "ModifyTargetGroupAttributes", {
        TargetGroupArn: self.arn,
        Attributes: [
          ["deregistration_delay.timeout_seconds", i.get("deregistrationDelay") ?? 300],
          ["slow_start.duration_seconds", 0],
          ["stickiness.enabled", false],
          ["stickiness.type", "lb_cookie"],
          ["load_balancing.algorithm.type", "round_robin"],
          ["load_balancing.cross_zone.enabled", "use_load_balancer_configuration"],
        ].map(([Key, v]) => ({ Key, Value: String(v) })),
      }),
    ];
  },
  "aws:lb/listener:Listener": (i) => {
    const cert = i.get<string | undefined>("certificateArn");
    const actions = i.need<Record<string, unknown>[]>("defaultActions");
    return [
      call("elbv2", "CreateListener", {
        LoadBalancerArn: i.need("loadBalancerArn"),
        Port: i.get("port"),
        Protocol: i.get("protocol"),
        SslPolicy: i.get("sslPolicy"),
        Certificates: cert === undefined ? undefined : [{ CertificateArn: cert }],
        DefaultActions: actions.map((a, n) => {
          const redirect = a.redirect as Record<string, string> | undefined;
          return defined({
            Type: a.type,
            Order: a.order ?? n + 1,
            TargetGroupArn: a.targetGroupArn,
            RedirectConfig:
              redirect === undefined
                ? undefined
                : {
                    Protocol: redirect.protocol ?? "#{protocol}",
                    Port: redirect.port ?? "#{port}",
                    Host: redirect.host ?? "#{host}",
                    Path: redirect.path ?? "/#{path}",
                    Query: redirect.query ?? "#{query}",
                    StatusCode: redirect.statusCode,
                  },
          });
        }),
        Tags: tagList(i.get("tags")),
      }),
    ];
  },
  "aws:cloudwatch/logGroup:LogGroup": (i, { self }) => {
    const days = i.get<number | undefined>("retentionInDays");
    i.ignore("name"); // self.name is it
    const tags = i.get<Tags>("tags");
    return [
      call("logs", "CreateLogGroup", {
        logGroupName: self.name,
        logGroupClass: i.get("logGroupClass") ?? "STANDARD",
        tags: Object.keys(tags ?? {}).length === 0 ? undefined : tags,
      }),
      ...(days === undefined || days === 0
        ? []
        : [call("logs", "PutRetentionPolicy", { logGroupName: self.name, retentionInDays: days })]),
    ];
  },
  "aws:secretsmanager/secret:Secret": (i, { self }) => {
    const window = i.get<number | undefined>("recoveryWindowInDays");
    return [
      call("secretsmanager", "CreateSecret", {
        Name: self.name,
        Description: i.get("description"),
        Tags: tagList(i.get("tags")),
      }),
      // The recovery window is sent only on deletion; checked here all the same.
      call("secretsmanager", "DeleteSecret", {
        SecretId: self.arn,
        ...(window === 0
          ? { ForceDeleteWithoutRecovery: true }
          : { RecoveryWindowInDays: window ?? 30 }),
      }),
    ];
  },
  "aws:secretsmanager/secretVersion:SecretVersion": (i) => [
    call("secretsmanager", "PutSecretValue", {
      SecretId: i.need("secretId"),
      SecretString: i.get("secretString"),
    }),
  ],
  "aws:iam/role:Role": (i, { self }) => [
    call(
      "iam",
      "CreateRole",
      {
        RoleName: i.get("name") ?? self.name,
        AssumeRolePolicyDocument: i.need("assumeRolePolicy"),
        Path: i.get("path") ?? "/",
        MaxSessionDuration: i.get("maxSessionDuration") ?? 3600,
        Description: i.get("description"),
        Tags: tagList(i.get("tags")),
      },
      [{ path: ["AssumeRolePolicyDocument"], kind: "iam-trust" }],
    ),
  ],
  "aws:iam/rolePolicy:RolePolicy": (i) => [
    call(
      "iam",
      "PutRolePolicy",
      {
        // A role's id is its name.
        RoleName: i.need("role"),
        PolicyName: i.get("name") ?? autoname(i.r.name),
        PolicyDocument: i.need("policy"),
      },
      [{ path: ["PolicyDocument"], kind: "iam-identity" }],
    ),
  ],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (i, ctx) => [
    call("iam", "AttachRolePolicy", {
      // The mocks give a role no `name` output; the program names an attachment after its role.
      RoleName: i.get("role") ?? sameName(ctx, "aws:iam/role:Role", i.r.name).name,
      PolicyArn: i.need("policyArn"),
    }),
  ],
  "aws:ecs/taskDefinition:TaskDefinition": (i) => {
    type Volume = {
      name: string;
      efsVolumeConfiguration?: {
        fileSystemId: string;
        rootDirectory?: string;
        transitEncryption?: string;
        transitEncryptionPort?: number;
        authorizationConfig?: { accessPointId?: string; iam?: string };
      };
    };
    const platform = i.get<
      { cpuArchitecture?: string; operatingSystemFamily?: string } | undefined
    >("runtimePlatform");
    return [
      call("ecs", "RegisterTaskDefinition", {
        family: i.need("family"),
        // The provider parses the JSON string and sends the structures.
        containerDefinitions: JSON.parse(i.need<string>("containerDefinitions")) as unknown,
        cpu: i.get("cpu"),
        memory: i.get("memory"),
        networkMode: i.get("networkMode"),
        requiresCompatibilities: i.get("requiresCompatibilities"),
        executionRoleArn: i.get("executionRoleArn"),
        taskRoleArn: i.get("taskRoleArn"),
        runtimePlatform: platform === undefined ? undefined : defined(platform),
        volumes: i.get<Volume[] | undefined>("volumes")?.map((v) =>
          defined({
            name: v.name,
            efsVolumeConfiguration:
              v.efsVolumeConfiguration === undefined
                ? undefined
                : defined({
                    fileSystemId: v.efsVolumeConfiguration.fileSystemId,
                    rootDirectory: v.efsVolumeConfiguration.rootDirectory,
                    transitEncryption: v.efsVolumeConfiguration.transitEncryption,
                    transitEncryptionPort: v.efsVolumeConfiguration.transitEncryptionPort,
                    authorizationConfig:
                      v.efsVolumeConfiguration.authorizationConfig === undefined
                        ? undefined
                        : defined(v.efsVolumeConfiguration.authorizationConfig),
                  }),
          }),
        ),
        tags: tagList(i.get("tags"), "key", "value"),
      }),
    ];
  },
  "aws:ecs/service:Service": (i, { self }) => {
    i.ignore("waitForSteadyState"); // the provider polls; nothing is sent
    const net = i.get<
      { subnets: string[]; securityGroups?: string[]; assignPublicIp?: boolean } | undefined
    >("networkConfiguration");
    const breaker = i.get<{ enable: boolean; rollback: boolean } | undefined>(
      "deploymentCircuitBreaker",
    );
    const registries = i.get<{ registryArn: string; port?: number } | undefined>(
      "serviceRegistries",
    );
    const lbs =
      i.get<{ targetGroupArn: string; containerName: string; containerPort: number }[]>(
        "loadBalancers",
      );
    return [
      call("ecs", "CreateService", {
        serviceName: i.get("name") ?? self.name,
        cluster: i.get("cluster"),
        taskDefinition: i.get("taskDefinition"),
        desiredCount: i.get("desiredCount"),
        launchType: i.get("launchType"),
        schedulingStrategy: i.get("schedulingStrategy") ?? "REPLICA",
        networkConfiguration:
          net === undefined
            ? undefined
            : {
                awsvpcConfiguration: defined({
                  subnets: net.subnets,
                  securityGroups: net.securityGroups,
                  assignPublicIp: net.assignPublicIp === true ? "ENABLED" : "DISABLED",
                }),
              },
        deploymentConfiguration: defined({
          maximumPercent: i.get("deploymentMaximumPercent"),
          minimumHealthyPercent: i.get("deploymentMinimumHealthyPercent"),
          deploymentCircuitBreaker: breaker,
        }),
        serviceRegistries: registries === undefined ? undefined : [defined(registries)],
        loadBalancers: lbs === undefined || lbs.length === 0 ? undefined : lbs,
        healthCheckGracePeriodSeconds: i.get("healthCheckGracePeriodSeconds"),
        propagateTags: i.get("propagateTags"),
        enableExecuteCommand: i.get("enableExecuteCommand"),
        enableECSManagedTags: i.get("enableEcsManagedTags") ?? false,
        clientToken: uniqueId(self.id),
        tags: tagList(i.get("tags"), "key", "value"),
      }),
    ];
  },
  "aws:s3/bucket:Bucket": (i, { self }) => {
    i.ignore("forceDestroy"); // used at deletion only
    const tags = i.get<Tags>("tags");
    return [
      // us-east-1 takes no LocationConstraint.
      call("s3", "CreateBucket", { Bucket: self.name }),
      ...(Object.keys(tags ?? {}).length === 0
        ? []
        : [
            call("s3", "PutBucketTagging", {
              Bucket: self.name,
              Tagging: { TagSet: tagList(tags) },
            }),
          ]),
    ];
  },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (i) => [
    call("s3", "PutPublicAccessBlock", {
      Bucket: i.need("bucket"),
      PublicAccessBlockConfiguration: defined({
        BlockPublicAcls: i.get("blockPublicAcls"),
        BlockPublicPolicy: i.get("blockPublicPolicy"),
        IgnorePublicAcls: i.get("ignorePublicAcls"),
        RestrictPublicBuckets: i.get("restrictPublicBuckets"),
      }),
    }),
  ],
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (i) => {
    const rules = i.need<
      {
        applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId?: string };
        bucketKeyEnabled?: boolean;
      }[]
    >("rules");
    return [
      call("s3", "PutBucketEncryption", {
        Bucket: i.need("bucket"),
        ServerSideEncryptionConfiguration: {
          Rules: rules.map((r) =>
            defined({
              ApplyServerSideEncryptionByDefault: defined({
                SSEAlgorithm: r.applyServerSideEncryptionByDefault.sseAlgorithm,
                KMSMasterKeyID: r.applyServerSideEncryptionByDefault.kmsMasterKeyId,
              }),
              BucketKeyEnabled: r.bucketKeyEnabled,
            }),
          ),
        },
      }),
    ];
  },
  "aws:s3/bucketVersioning:BucketVersioning": (i) => [
    call("s3", "PutBucketVersioning", {
      Bucket: i.need("bucket"),
      VersioningConfiguration: {
        Status: i.need<{ status: string }>("versioningConfiguration").status,
      },
    }),
  ],
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (i) => {
    type Rule = {
      id: string;
      status: string;
      filter?: { prefix?: string };
      expiration?: { days?: number };
      noncurrentVersionExpiration?: { noncurrentDays?: number };
      abortIncompleteMultipartUpload?: { daysAfterInitiation?: number };
    };
    return [
      call("s3", "PutBucketLifecycleConfiguration", {
        Bucket: i.need("bucket"),
        LifecycleConfiguration: {
          Rules: i.need<Rule[]>("rules").map((r) =>
            defined({
              ID: r.id,
              Status: r.status,
              Filter: r.filter === undefined ? undefined : defined({ Prefix: r.filter.prefix }),
              Expiration:
                r.expiration === undefined ? undefined : defined({ Days: r.expiration.days }),
              NoncurrentVersionExpiration:
                r.noncurrentVersionExpiration === undefined
                  ? undefined
                  : defined({ NoncurrentDays: r.noncurrentVersionExpiration.noncurrentDays }),
              AbortIncompleteMultipartUpload:
                r.abortIncompleteMultipartUpload === undefined
                  ? undefined
                  : defined({
                      DaysAfterInitiation: r.abortIncompleteMultipartUpload.daysAfterInitiation,
                    }),
            }),
          ),
        },
      }),
    ];
  },
  "aws:s3/bucketPolicy:BucketPolicy": (i) => [
    call("s3", "PutBucketPolicy", { Bucket: i.need("bucket"), Policy: i.need("policy") }, [
      { path: ["Policy"], kind: "iam-resource" },
    ]),
  ],
  "aws:scheduler/schedule:Schedule": (i, { self }) => {
    type Target = {
      arn: string;
      roleArn: string;
      ecsParameters?: {
        taskDefinitionArn: string;
        launchType?: string;
        taskCount?: number;
        networkConfiguration?: {
          subnets: string[];
          securityGroups?: string[];
          assignPublicIp?: boolean;
        };
      };
      retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
    };
    const t = i.need<Target>("target");
    const ecs = t.ecsParameters;
    const net = ecs?.networkConfiguration;
    return [
      call("scheduler", "CreateSchedule", {
        Name: self.name,
        GroupName: i.get("groupName") ?? "default",
        Description: i.get("description"),
        ScheduleExpression: i.need("scheduleExpression"),
        FlexibleTimeWindow: { Mode: i.need<{ mode: string }>("flexibleTimeWindow").mode },
        State: i.get("state") ?? "ENABLED",
        Target: defined({
          Arn: t.arn,
          RoleArn: t.roleArn,
          EcsParameters:
            ecs === undefined
              ? undefined
              : defined({
                  TaskDefinitionArn: ecs.taskDefinitionArn,
                  LaunchType: ecs.launchType,
                  TaskCount: ecs.taskCount,
                  NetworkConfiguration:
                    net === undefined
                      ? undefined
                      : {
                          awsvpcConfiguration: defined({
                            Subnets: net.subnets,
                            SecurityGroups: net.securityGroups,
                            AssignPublicIp: net.assignPublicIp === true ? "ENABLED" : "DISABLED",
                          }),
                        },
                }),
          RetryPolicy:
            t.retryPolicy === undefined
              ? undefined
              : defined({
                  MaximumRetryAttempts: t.retryPolicy.maximumRetryAttempts,
                  MaximumEventAgeInSeconds: t.retryPolicy.maximumEventAgeInSeconds,
                }),
        }),
      }),
    ];
  },
  "aws:rds/subnetGroup:SubnetGroup": (i, { self }) => [
    call("rds", "CreateDBSubnetGroup", {
      DBSubnetGroupName: self.name,
      DBSubnetGroupDescription: i.get("description") ?? "Managed by Pulumi",
      SubnetIds: i.need("subnetIds"),
      Tags: tagList(i.get("tags")),
    }),
  ],
  "aws:rds/parameterGroup:ParameterGroup": (i, { self }) => {
    const params = i.get<{ name: string; value: string; applyMethod?: string }[] | undefined>(
      "parameters",
    );
    return [
      call("rds", "CreateDBParameterGroup", {
        DBParameterGroupName: self.name,
        DBParameterGroupFamily: i.need("family"),
        Description: i.get("description") ?? "Managed by Pulumi",
        Tags: tagList(i.get("tags")),
      }),
      // The provider sets the parameters in a second call; apply method "immediate" by default.
      ...(params === undefined || params.length === 0
        ? []
        : [
            call("rds", "ModifyDBParameterGroup", {
              DBParameterGroupName: self.name,
              Parameters: params.map((p) => ({
                ParameterName: p.name,
                ParameterValue: p.value,
                ApplyMethod: p.applyMethod ?? "immediate",
              })),
            }),
          ]),
    ];
  },
  "aws:rds/instance:Instance": (i, { self }) => {
    // Used when the instance is deleted, not in the create request.
    i.ignore("skipFinalSnapshot", "finalSnapshotIdentifier");
    return [
      call("rds", "CreateDBInstance", {
        DBInstanceIdentifier: self.name,
        DBInstanceClass: i.need("instanceClass"),
        Engine: i.need("engine"),
        EngineVersion: i.get("engineVersion"),
        AllocatedStorage: i.get("allocatedStorage"),
        StorageType: i.get("storageType"),
        StorageEncrypted: i.get("storageEncrypted"),
        DBName: i.get("dbName"),
        MasterUsername: i.get("username"),
        ManageMasterUserPassword: i.get("manageMasterUserPassword"),
        Port: i.get("port"),
        DBSubnetGroupName: i.get("dbSubnetGroupName"),
        VpcSecurityGroupIds: i.get("vpcSecurityGroupIds"),
        DBParameterGroupName: i.get("parameterGroupName"),
        PubliclyAccessible: i.get("publiclyAccessible"),
        MultiAZ: i.get("multiAz"),
        BackupRetentionPeriod: i.get("backupRetentionPeriod"),
        CopyTagsToSnapshot: i.get("copyTagsToSnapshot"),
        AutoMinorVersionUpgrade: i.get("autoMinorVersionUpgrade"),
        DeletionProtection: i.get("deletionProtection"),
        Tags: tagList(i.get("tags")),
      }),
    ];
  },
  "aws:opensearch/domain:Domain": (i, { self }) => {
    type Cluster = { instanceType: string; instanceCount: number; zoneAwarenessEnabled: boolean };
    type Ebs = { ebsEnabled: boolean; volumeType?: string; volumeSize?: number };
    type Vpc = { subnetIds: string[]; securityGroupIds: string[] };
    type Endpoint = { enforceHttps: boolean; tlsSecurityPolicy: string };
    const cluster = i.need<Cluster>("clusterConfig");
    const ebs = i.need<Ebs>("ebsOptions");
    const vpc = i.need<Vpc>("vpcOptions");
    const endpoint = i.need<Endpoint>("domainEndpointOptions");
    return [
      call("opensearch", "CreateDomain", {
        DomainName: i.get("domainName") ?? self.name,
        EngineVersion: i.get("engineVersion"),
        ClusterConfig: {
          InstanceType: cluster.instanceType,
          InstanceCount: cluster.instanceCount,
          ZoneAwarenessEnabled: cluster.zoneAwarenessEnabled,
        },
        EBSOptions: defined({
          EBSEnabled: ebs.ebsEnabled,
          VolumeType: ebs.volumeType,
          VolumeSize: ebs.volumeSize,
        }),
        VPCOptions: { SubnetIds: vpc.subnetIds, SecurityGroupIds: vpc.securityGroupIds },
        EncryptionAtRestOptions: {
          Enabled: i.need<{ enabled: boolean }>("encryptAtRest").enabled,
        },
        NodeToNodeEncryptionOptions: {
          Enabled: i.need<{ enabled: boolean }>("nodeToNodeEncryption").enabled,
        },
        DomainEndpointOptions: {
          EnforceHTTPS: endpoint.enforceHttps,
          TLSSecurityPolicy: endpoint.tlsSecurityPolicy,
        },
        TagList: tagList(i.get("tags")),
      }),
    ];
  },
  "aws:opensearch/domainPolicy:DomainPolicy": (i) => [
    call(
      "opensearch",
      "UpdateDomainConfig",
      { DomainName: i.need("domainName"), AccessPolicies: i.need("accessPolicies") },
      [{ path: ["AccessPolicies"], kind: "iam-resource" }],
    ),
  ],
  "aws:appautoscaling/target:Target": (i) => {
    const tags = i.get<Tags>("tags");
    return [
      call("application-autoscaling", "RegisterScalableTarget", {
        ServiceNamespace: i.need("serviceNamespace"),
        ResourceId: i.need("resourceId"),
        ScalableDimension: i.need("scalableDimension"),
        MinCapacity: i.get("minCapacity"),
        MaxCapacity: i.get("maxCapacity"),
        Tags: Object.keys(tags ?? {}).length === 0 ? undefined : tags,
      }),
    ];
  },
  "aws:appautoscaling/policy:Policy": (i, { self }) => {
    const tt = i.get<
      | {
          targetValue: number;
          predefinedMetricSpecification?: { predefinedMetricType: string; resourceLabel?: string };
          scaleInCooldown?: number;
          scaleOutCooldown?: number;
          disableScaleIn?: boolean;
        }
      | undefined
    >("targetTrackingScalingPolicyConfiguration");
    return [
      call("application-autoscaling", "PutScalingPolicy", {
        PolicyName: i.get("name") ?? self.name,
        ServiceNamespace: i.need("serviceNamespace"),
        ResourceId: i.need("resourceId"),
        ScalableDimension: i.need("scalableDimension"),
        PolicyType: i.get("policyType"),
        TargetTrackingScalingPolicyConfiguration:
          tt === undefined
            ? undefined
            : defined({
                TargetValue: tt.targetValue,
                PredefinedMetricSpecification:
                  tt.predefinedMetricSpecification === undefined
                    ? undefined
                    : defined({
                        PredefinedMetricType: tt.predefinedMetricSpecification.predefinedMetricType,
                        ResourceLabel: tt.predefinedMetricSpecification.resourceLabel,
                      }),
                ScaleInCooldown: tt.scaleInCooldown,
                ScaleOutCooldown: tt.scaleOutCooldown,
                DisableScaleIn: tt.disableScaleIn ?? false,
              }),
      }),
    ];
  },
};

/** Every create request of a recorded program; throws on an AWS type or input it cannot map. */
export function buildRequests(variation: string, resources: readonly Recorded[]): ApiRequest[] {
  const ids = new Identities(resources);
  const out: ApiRequest[] = [];
  for (const r of resources.filter((x) => x.type.startsWith("aws:"))) {
    const mapping = MAPPINGS[r.type];
    if (mapping === undefined) throw new Error(`no API mapping for ${r.type} (${r.name})`);
    const self = ids.byResource.get(r) as Physical;
    const inputs = new Inputs(r, ids.resolve(r.inputs) as Record<string, unknown>);
    const calls = mapping(inputs, { ids, resources, self });
    const untaken = inputs.untaken();
    if (untaken.length > 0) {
      throw new Error(
        `${r.type} ${r.name}: inputs not mapped to any request: ${untaken.join(", ")}`,
      );
    }
    const seen = new Map<string, number>();
    for (const c of calls) {
      const key = `${c.service}.${c.operation}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const text = JSON.stringify(c.params);
      if (/arn:aws:mock|"[a-z0-9-]+-id"/.test(text)) {
        throw new Error(`${r.type} ${r.name}: a mock id or ARN is left in ${key}: ${text}`);
      }
      out.push({
        id: `${variation}/${r.type}::${r.name}/${key}${n > 1 ? `#${n}` : ""}`,
        resourceType: r.type,
        ...c,
      });
    }
  }
  return out;
}

/** The AWS resource types the mapping covers. */
export const MAPPED_TYPES: readonly string[] = Object.keys(MAPPINGS);
