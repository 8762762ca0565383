// Renders the system spec onto a local Docker engine: one network, named volumes, pinned
// images, three health-checked containers; the app starts only once its data services are healthy.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { ServiceName, ServiceSpec, SystemSpec } from "../services.js";
import { dockerEnvs, dockerHealthcheck, loopbackPort, waitTimeoutSeconds } from "./container.js";

/** Inputs of {@link LocalSystem}. */
export interface LocalSystemArgs {
  readonly spec: SystemSpec;
  /** Prefix of every Docker object name, unique per project and stack. */
  readonly namePrefix: string;
  /** Host port (127.0.0.1) for the app. */
  readonly appPort: number;
  /** Host ports (127.0.0.1) for the data services; absent = not published. */
  readonly hostPorts: Readonly<Partial<Record<"mysql" | "search", number>>>;
  /** Resources the app container must outlive on delete (the app image's local copy). */
  readonly appDependsOn: readonly pulumi.Resource[];
  /** Resource options of the data volumes. */
  readonly data: { readonly protect: boolean; readonly retainOnDelete: boolean };
}

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

  constructor(name: string, args: LocalSystemArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:local:LocalSystem", name, {}, opts);
    const prefix = args.namePrefix;
    const network = new docker.Network(
      `${name}-network`,
      { name: `${prefix}-network`, driver: "bridge" },
      { parent: this },
    );
    const mysql = this.dataService(name, args, args.spec.mysql, network, args.hostPorts.mysql);
    const search = this.dataService(name, args, args.spec.search, network, args.hostPorts.search);
    const app = this.container(name, prefix, args.spec.app, network, {
      image: args.spec.app.image,
      // Stateless: a read-only root filesystem with a small scratch /tmp.
      readOnly: true,
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" },
      ports: [loopbackPort(args.spec.app.port, args.appPort)],
      dependsOn: [mysql.container, search.container, ...args.appDependsOn],
    });

    this.url = pulumi.output(`http://127.0.0.1:${args.appPort}`);
    this.networkName = network.name;
    this.containerNames = pulumi
      .all([app.name, mysql.container.name, search.container.name])
      .apply(([a, m, s]) => ({ app: a, mysql: m, search: s }));
    this.volumeNames = pulumi
      .all([mysql.volume.name, search.volume.name])
      .apply(([m, s]) => ({ mysql: m, search: s }));
    this.registerOutputs({
      url: this.url,
      networkName: this.networkName,
      containerNames: this.containerNames,
      volumeNames: this.volumeNames,
    });
  }

  private dataService(
    name: string,
    args: LocalSystemArgs,
    spec: ServiceSpec,
    network: docker.Network,
    hostPort: number | undefined,
  ): { container: docker.Container; volume: docker.Volume } {
    const volume = new docker.Volume(
      `${name}-${spec.name}-data`,
      { name: `${args.namePrefix}-${spec.name}-data` },
      { parent: this, protect: args.data.protect, retainOnDelete: args.data.retainOnDelete },
    );
    // keepLocally: destroying the stack must not delete a shared, pinned image.
    const image = new docker.RemoteImage(
      `${name}-${spec.name}-image`,
      { name: spec.image, keepLocally: true },
      { parent: this },
    );
    const container = this.container(name, args.namePrefix, spec, network, {
      image: image.imageId,
      ports: hostPort === undefined ? [] : [loopbackPort(spec.port, hostPort)],
      volumes: [{ volumeName: volume.name, containerPath: spec.data?.path }],
      dependsOn: [],
    });
    return { container, volume };
  }

  private container(
    name: string,
    prefix: string,
    spec: ServiceSpec,
    network: docker.Network,
    extra: {
      image: pulumi.Input<string>;
      ports: docker.types.input.ContainerPort[];
      volumes?: docker.types.input.ContainerVolume[];
      readOnly?: boolean;
      tmpfs?: Record<string, string>;
      dependsOn: pulumi.Resource[];
    },
  ): docker.Container {
    return new docker.Container(
      `${name}-${spec.name}`,
      {
        name: `${prefix}-${spec.name}`,
        image: extra.image,
        envs: dockerEnvs(spec),
        networksAdvanced: [{ name: network.name, aliases: [spec.hostname] }],
        ports: extra.ports,
        volumes: extra.volumes,
        healthcheck: dockerHealthcheck(spec.healthCheck),
        memory: spec.memoryMb,
        // Equal to memory: no swap, and Docker reports back what was set (no perpetual diff).
        memorySwap: spec.memoryMb,
        restart: "unless-stopped",
        user: spec.user,
        privileged: false,
        readOnly: extra.readOnly ?? false,
        tmpfs: extra.tmpfs,
        // Created only once healthy, so dependants start after a real readiness signal.
        wait: true,
        waitTimeout: waitTimeoutSeconds(spec.healthCheck),
      },
      { parent: this, dependsOn: extra.dependsOn },
    );
  }
}
