// Renders the system spec onto a local Docker engine: one network for the flows between
// services, named volumes, pinned images, three health-checked containers; each starts once the
// services its spec depends on are healthy (the app: MySQL), the others at once. With backups
// on, a fourth container dumps MySQL on a schedule into a named volume (or a host directory)
// that outlives the stack.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { BACKUP_DIR, JOB_LABEL } from "../backup-script.js";
import type { BackupSpec, LocalPlacement, ServiceName, ServiceSpec, SystemSpec } from "../spec.js";
import {
  dockerCapabilities,
  dockerCredentials,
  dockerHealthcheck,
  loopbackPort,
  waitTimeoutSeconds,
  type DockerEngine,
} from "./container.js";

/** Inputs of {@link LocalSystem}. */
interface LocalSystemArgs {
  /** A spec placed on local Docker. */
  readonly spec: SystemSpec;
  /** What the target engine accepts. */
  readonly engine: DockerEngine;
}

type Placed = SystemSpec & { readonly placement: LocalPlacement };

/** Microblog on local Docker. */
export class LocalSystem extends pulumi.ComponentResource {
  /** Where the app answers. */
  public readonly url: pulumi.Output<string>;
  /** Docker network name. */
  public readonly networkName: pulumi.Output<string>;
  /** Container names by service. */
  public readonly containerNames: pulumi.Output<Record<ServiceName, string>>;
  /** Volume names by stateful service. */
  public readonly volumeNames: pulumi.Output<Record<"mysql" | "search", string>>;
  /** The backup container's name; undefined = backups off. */
  public readonly backupContainer?: pulumi.Output<string>;
  /** Where the dumps are: the backup volume's name, or the host directory. */
  public readonly backupVolume?: pulumi.Output<string>;
  private readonly engine: DockerEngine;

  constructor(name: string, args: LocalSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:local:LocalSystem", name, {}, opts);
    const spec = args.spec;
    if (spec.placement.kind !== "local") throw new Error("LocalSystem needs a local placement");
    const placed = spec as Placed;
    this.engine = args.engine;
    // Services that talk to each other share the network, reached by their host names.
    const isService = (end: string): end is ServiceName => end in spec.services;
    const joined = new Set(
      spec.flows.filter((f) => isService(f.from) && isService(f.to)).flatMap((f) => [f.from, f.to]),
    );
    const network = new docker.Network(
      `${spec.name}-network`,
      { name: `${spec.namePrefix}-network`, driver: "bridge" },
      { parent: this },
    );
    const on = (svc: ServiceName) => (joined.has(svc) ? network : undefined);
    const mysql = this.dataService(placed, spec.services.mysql, on("mysql"));
    const search = this.dataService(placed, spec.services.search, on("search"));
    const containers: Partial<Record<ServiceName, docker.Container>> = {
      mysql: mysql.container,
      search: search.container,
    };
    const { app: appSpec } = spec.services;
    const appPort = placed.placement.hostPorts.app;
    const app = this.container(placed, appSpec, on("app"), {
      image: appSpec.image,
      // Stateless: a read-only root filesystem with a small scratch /tmp.
      readOnly: true,
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" },
      // The entry: users reach the app on loopback.
      ports: appPort === undefined ? [] : [loopbackPort(appSpec.port, appPort)],
      dependsOn: [
        ...appSpec.dependsOn.map((svc) => {
          const c = containers[svc];
          if (c === undefined) throw new Error(`the app cannot depend on ${svc}`);
          return c;
        }),
        ...(appSpec.localImage === undefined ? [] : [appSpec.localImage]),
      ],
    });

    this.url = pulumi.output(`http://127.0.0.1:${appPort}`);
    this.networkName = network.name;
    this.containerNames = pulumi
      .all([app.name, mysql.container.name, search.container.name])
      .apply(([a, m, s]) => ({ app: a, mysql: m, search: s }));
    this.volumeNames = pulumi
      .all([mysql.volume.name, search.volume.name])
      .apply(([m, s]) => ({ mysql: m, search: s }));
    if (spec.backup !== undefined) {
      const backup = this.backup(placed, spec.backup, network, mysql);
      this.backupContainer = backup.container.name;
      this.backupVolume = backup.location;
    }
    this.registerOutputs({
      url: this.url,
      backupContainer: this.backupContainer,
      backupVolume: this.backupVolume,
      networkName: this.networkName,
      containerNames: this.containerNames,
      volumeNames: this.volumeNames,
    });
  }

  private dataService(
    system: Placed,
    spec: ServiceSpec,
    network: docker.Network | undefined,
  ): { container: docker.Container; volume: docker.Volume; image: docker.RemoteImage } {
    const store = spec.data?.store ?? spec.name;
    const volume = new docker.Volume(
      `${system.name}-${spec.name}-data`,
      { name: `${system.namePrefix}-${store}-data` },
      { parent: this, ...system.data },
    );
    // keepLocally: destroying the stack must not delete a shared, pinned image.
    const image = new docker.RemoteImage(
      `${system.name}-${spec.name}-image`,
      { name: spec.image, keepLocally: true },
      { parent: this },
    );
    const hostPort = system.placement.hostPorts[spec.name];
    const container = this.container(system, spec, network, {
      image: image.imageId,
      ports: hostPort === undefined ? [] : [loopbackPort(spec.port, hostPort)],
      volumes: [{ volumeName: volume.name, containerPath: spec.data?.path }],
      dependsOn: [],
    });
    return { container, volume, image };
  }

  /**
   * The backup container: the MySQL image running the dump loop, on MySQL's network, with the
   * dump user's password as a root-only file. Its volume is kept when the stack is destroyed:
   * backups must outlive what they back up (a later `up` reuses a volume of the same name).
   */
  private backup(
    system: Placed,
    spec: BackupSpec,
    network: docker.Network,
    mysql: { container: docker.Container; image: docker.RemoteImage },
  ): { container: docker.Container; location: pulumi.Output<string> } {
    let mount: docker.types.input.ContainerVolume;
    let location: pulumi.Output<string>;
    if (spec.hostDir === undefined) {
      const volume = new docker.Volume(
        `${system.name}-backups`,
        { name: `${system.namePrefix}-backups` },
        { parent: this, protect: system.data.protect, retainOnDelete: true },
      );
      mount = { volumeName: volume.name, containerPath: BACKUP_DIR };
      location = volume.name;
    } else {
      mount = { hostPath: spec.hostDir, containerPath: BACKUP_DIR };
      location = pulumi.output(spec.hostDir);
    }
    const credentials = dockerCredentials(spec, false);
    const container = new docker.Container(
      `${system.name}-backup`,
      {
        name: `${system.namePrefix}-backup`,
        image: mysql.image.imageId,
        command: [...spec.loopCommand],
        envs: credentials.envs,
        uploads: credentials.uploads,
        networksAdvanced: [{ name: network.name, aliases: ["backup"] }],
        volumes: [mount],
        labels: [{ label: JOB_LABEL.name, value: JOB_LABEL.value }],
        healthcheck: dockerHealthcheck(spec.healthCheck, this.engine),
        memory: spec.memoryMb,
        memorySwap: spec.memoryMb,
        restart: "unless-stopped",
        privileged: false,
        capabilities: dockerCapabilities(spec.runtime.capabilities),
        securityOpts: ["no-new-privileges:true"],
        init: spec.runtime.init,
        stopTimeout: spec.runtime.stopGraceSeconds,
        // Created once healthy: the first dump (taken at start unless a recent one exists) worked.
        wait: true,
        waitTimeout: waitTimeoutSeconds(spec.healthCheck, this.engine),
      },
      { parent: this, dependsOn: [mysql.container] },
    );
    return { container, location };
  }

  private container(
    system: Placed,
    spec: ServiceSpec,
    network: docker.Network | undefined,
    extra: {
      image: pulumi.Input<string>;
      ports: docker.types.input.ContainerPort[];
      volumes?: docker.types.input.ContainerVolume[];
      readOnly?: boolean;
      tmpfs?: Record<string, string>;
      dependsOn: pulumi.Resource[];
    },
  ): docker.Container {
    const credentials = dockerCredentials(spec, extra.readOnly ?? false);
    return new docker.Container(
      `${system.name}-${spec.name}`,
      {
        name: `${system.namePrefix}-${spec.name}`,
        image: extra.image,
        envs: credentials.envs,
        networksAdvanced:
          network === undefined ? [] : [{ name: network.name, aliases: [spec.hostname] }],
        ports: extra.ports,
        volumes: extra.volumes,
        uploads: credentials.uploads,
        healthcheck: dockerHealthcheck(spec.healthCheck, this.engine),
        memory: spec.memoryMb,
        // Equal to memory: no swap, and Docker reports back what was set (no perpetual diff).
        memorySwap: spec.memoryMb,
        restart: "unless-stopped",
        user: spec.user,
        privileged: false,
        // Only the capabilities the service keeps, no privilege gain through setuid files.
        capabilities: dockerCapabilities(spec.runtime.capabilities),
        securityOpts: ["no-new-privileges:true"],
        init: spec.runtime.init,
        stopTimeout: spec.runtime.stopGraceSeconds,
        readOnly: extra.readOnly ?? false,
        tmpfs: extra.tmpfs,
        // Created only once healthy, so dependants start after a real readiness signal.
        wait: true,
        waitTimeout: waitTimeoutSeconds(spec.healthCheck, this.engine),
      },
      { parent: this, dependsOn: extra.dependsOn },
    );
  }
}
