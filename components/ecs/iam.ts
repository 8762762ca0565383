// IAM for the tasks: an execution role (pull, logs, read this service's secrets) separate
// from the task role (what the running code may do: mount its EFS access point, read the
// secrets it reads itself, nothing more).
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

/**
 * A role and its ARN as a task definition must take it: the ARN resolves only once every policy
 * of the role is attached (the pattern pulumi-eks uses for its instance roles). A task
 * definition names the role, not its policies, so without this the engine may register it, and
 * ECS start the first tasks, before the policies exist: those tasks then fail to pull the image,
 * read their secrets or mount EFS, and count against the circuit breaker.
 */
export interface RoleWithPolicies {
  readonly role: aws.iam.Role;
  readonly arn: pulumi.Output<string>;
}

function withPolicies(role: aws.iam.Role, policies: pulumi.CustomResource[]): RoleWithPolicies {
  const arn = pulumi.all([role.arn, ...policies.map((p) => p.id)]).apply(([a]) => a as string);
  return { role, arn };
}

/** Execution role that may read exactly the given secrets. */
export function executionRole(
  name: string,
  secretArns: pulumi.Output<string>[],
  parent: pulumi.Resource,
): RoleWithPolicies {
  const role = new aws.iam.Role(
    `${name}-execution`,
    { assumeRolePolicy: ECS_TASKS_TRUST },
    { parent },
  );
  const policies: pulumi.CustomResource[] = [
    new aws.iam.RolePolicyAttachment(
      `${name}-execution`,
      { role: role.name, policyArn: EXECUTION_POLICY_ARN },
      { parent },
    ),
  ];
  if (secretArns.length > 0) {
    const readSecrets = new aws.iam.RolePolicy(
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
    policies.push(readSecrets);
  }
  // Explicit: the task definition takes this ARN, so it waits for the secret-reading policy.
  return withPolicies(role, policies);
}

/** The SSM Session Manager channels ECS Exec opens from inside a task. */
const EXEC_ACTIONS = [
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/**
 * Task role; with `efs`, it may mount and write through that access point only; with
 * `executeCommand`, it may open the SSM channels ECS Exec needs; with `readSecrets`, it may read
 * exactly those secrets (and nothing else is added).
 */
export function taskRole(
  name: string,
  efs: { fileSystemArn: pulumi.Output<string>; accessPointArn: pulumi.Output<string> } | undefined,
  executeCommand: boolean,
  parent: pulumi.Resource,
  readSecrets: pulumi.Output<string>[] = [],
): RoleWithPolicies {
  const role = new aws.iam.Role(`${name}-task`, { assumeRolePolicy: ECS_TASKS_TRUST }, { parent });
  const policies: pulumi.CustomResource[] = [];
  if (efs !== undefined) {
    const mount = new aws.iam.RolePolicy(
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
    policies.push(mount);
  }
  if (executeCommand) {
    const exec = new aws.iam.RolePolicy(
      `${name}-exec`,
      {
        role: role.id,
        policy: JSON.stringify({
          Version: "2012-10-17",
          // These actions take no resource: Session Manager channels have no ARN.
          Statement: [{ Effect: "Allow", Action: EXEC_ACTIONS, Resource: "*" }],
        }),
      },
      { parent },
    );
    policies.push(exec);
  }
  if (readSecrets.length > 0) {
    const read = new aws.iam.RolePolicy(
      `${name}-task-read-secrets`,
      {
        role: role.id,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: readSecrets },
          ],
        }),
      },
      { parent },
    );
    policies.push(read);
  }
  // Explicit: with IAM authorization on the EFS volume, a task mounts only once this is attached.
  return withPolicies(role, policies);
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
