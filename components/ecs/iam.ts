// IAM for the tasks: an execution role (pull, logs, read this service's secrets) separate
// from the task role (what the running code may do: mount its EFS access point, nothing more).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

const ECS_TASKS_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
    },
  ],
});

/** AWS managed policy for pulling from ECR and writing CloudWatch logs. */
const EXECUTION_POLICY_ARN =
  "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

/** Execution role that may read exactly the given secrets. */
export function executionRole(
  name: string,
  secretArns: pulumi.Output<string>[],
  parent: pulumi.Resource,
): aws.iam.Role {
  const role = new aws.iam.Role(
    `${name}-execution`,
    { assumeRolePolicy: ECS_TASKS_TRUST },
    { parent },
  );
  new aws.iam.RolePolicyAttachment(
    `${name}-execution`,
    { role: role.name, policyArn: EXECUTION_POLICY_ARN },
    { parent },
  );
  if (secretArns.length > 0) {
    new aws.iam.RolePolicy(
      `${name}-read-secrets`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: secretArns },
          ],
        }),
      },
      { parent },
    );
  }
  return role;
}

/** Task role; with `efs`, it may mount and write through that access point only. */
export function taskRole(
  name: string,
  efs: { fileSystemArn: pulumi.Output<string>; accessPointArn: pulumi.Output<string> } | undefined,
  parent: pulumi.Resource,
): aws.iam.Role {
  const role = new aws.iam.Role(`${name}-task`, { assumeRolePolicy: ECS_TASKS_TRUST }, { parent });
  if (efs !== undefined) {
    new aws.iam.RolePolicy(
      `${name}-efs`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
              Resource: efs.fileSystemArn,
              Condition: {
                StringEquals: { "elasticfilesystem:AccessPointArn": efs.accessPointArn },
              },
            },
          ],
        }),
      },
      { parent },
    );
  }
  return role;
}

/** Stores each credential in Secrets Manager; returns the ARN per env var name. */
export function storeSecrets(
  name: string,
  secretEnv: Readonly<Record<string, pulumi.Output<string>>>,
  parent: pulumi.Resource,
): Record<string, pulumi.Output<string>> {
  const arns: Record<string, pulumi.Output<string>> = {};
  for (const key of Object.keys(secretEnv).sort()) {
    const slug = key.toLowerCase().replace(/_/g, "-");
    const secret = new aws.secretsmanager.Secret(
      `${name}-${slug}`,
      { description: `Microblog ${name} ${key}`, recoveryWindowInDays: 7 },
      { parent },
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-${slug}`,
      { secretId: secret.id, secretString: pulumi.secret(secretEnv[key] as pulumi.Output<string>) },
      { parent },
    );
    arns[key] = secret.arn;
  }
  return arns;
}
