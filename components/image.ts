// Builds the app image from app/ and, when a registry is given, pushes it there.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { contextTag } from "./image-tag.js";
import type { ImageRegistry } from "./spec.js";

/** Inputs of {@link AppImage}. */
interface AppImageArgs {
  /** Prefix of the image resources' names. */
  readonly prefix: string;
  /** Build context directory (the app's Dockerfile is at its root). */
  readonly context: string;
  /** Repository without tag: a local name, or `<registry>/<repository>` when pushing. */
  readonly repository: pulumi.Input<string>;
  /** Build platform, e.g. linux/amd64. */
  readonly platform: string;
  /** Build arg BASE_IMAGE; undefined = the Dockerfile's default. */
  readonly baseImage?: string;
  /** PEM text passed as build arg EXTRA_CA_CERT; undefined = none. */
  readonly caCert?: string;
  /** Push target; undefined = build locally only (`skipPush`). */
  readonly registry?: ImageRegistry;
}

/** The app image. `ref` is what containers and task definitions run: always a digest. */
export class AppImage extends pulumi.ComponentResource {
  /** Image name with its content-derived tag. */
  public readonly imageName: pulumi.Output<string>;
  /** `<repo>@sha256:…` when pushed, the local image id (`sha256:…`) otherwise. */
  public readonly ref: pulumi.Output<string>;
  /**
   * Handle on the local copy of the built image. docker.Image never deletes what it built, so
   * this removes it on destroy; containers depend on it so they are deleted first.
   */
  public readonly localCopy: docker.RemoteImage;

  constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:image:AppImage", name, {}, opts);
    const tag = contextTag(args.context);
    const imageName = pulumi.interpolate`${args.repository}:${tag}`;
    const buildArgs: Record<string, string> = {};
    if (args.baseImage !== undefined) buildArgs.BASE_IMAGE = args.baseImage;
    if (args.caCert !== undefined) buildArgs.EXTRA_CA_CERT = args.caCert;
    const push = args.registry !== undefined;
    // A pushed image of the same sources seeds the layer cache (CI, other machines).
    if (push) buildArgs.BUILDKIT_INLINE_CACHE = "1";
    const image = new docker.Image(
      `${args.prefix}-image`,
      {
        imageName,
        build: {
          context: args.context,
          dockerfile: `${args.context}/Dockerfile`,
          platform: args.platform,
          args: buildArgs,
          cacheFrom: push ? { images: [imageName] } : undefined,
        },
        skipPush: !push,
        registry: args.registry,
      },
      { parent: this },
    );
    this.localCopy = new docker.RemoteImage(
      `${args.prefix}-local`,
      { name: image.imageName, keepLocally: false, forceRemove: true },
      { parent: this },
    );
    this.imageName = image.imageName;
    this.ref = image.repoDigest;
    this.registerOutputs({ imageName: this.imageName, ref: this.ref });
  }
}
