// The ECR repository the app image is pushed to, with its push credentials.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** Lifecycle: expire untagged images after a week, keep the newest 30 images. */
const ECR_LIFECYCLE_POLICY = {
  rules: [
    {
      rulePriority: 1,
      description: "Expire untagged images after 7 days",
      selection: {
        tagStatus: "untagged",
        countType: "sinceImagePushed",
        countUnit: "days",
        countNumber: 7,
      },
      action: { type: "expire" },
    },
    {
      rulePriority: 2,
      description: "Keep the newest 30 images",
      selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
      action: { type: "expire" },
    },
  ],
};

/** ECR repository (scan on push, immutable tags, lifecycle policy) and its auth token. */
export class EcrRegistry extends pulumi.ComponentResource {
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
  public readonly repositoryUrl: pulumi.Output<string>;
  /** Registry host for `docker login`. */
  public readonly server: pulumi.Output<string>;
  public readonly username: pulumi.Output<string>;
  /** Short-lived token; a secret. */
  public readonly password: pulumi.Output<string>;

  constructor(
    name: string,
    args: { readonly prefix: string },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("microblog:ecs:EcrRegistry", name, {}, opts);
    const repo = new aws.ecr.Repository(
      `${args.prefix}-repo`,
      {
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "IMMUTABLE",
        encryptionConfigurations: [{ encryptionType: "AES256" }],
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      `${args.prefix}-lifecycle`,
      { repository: repo.name, policy: JSON.stringify(ECR_LIFECYCLE_POLICY) },
      { parent: this },
    );
    const token = aws.ecr.getAuthorizationTokenOutput(
      { registryId: repo.registryId },
      { parent: this },
    );
    this.repositoryUrl = repo.repositoryUrl;
    this.server = token.proxyEndpoint.apply((u) => u.replace(/^https:\/\//, ""));
    this.username = token.userName;
    this.password = pulumi.secret(token.password);
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, server: this.server });
  }
}
