// Every generated credential of the system, from @pulumi/random, as Pulumi secrets.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** Inputs of {@link Secrets}. */
interface SecretsArgs {
  /** Prefix of the generated resources' names. */
  readonly prefix: string;
  /** SMTP password from config (`requireSecret`); undefined = no mail authentication. */
  readonly mailPassword?: pulumi.Output<string>;
}

/** MySQL user and root passwords and the app's SECRET_KEY; all outputs are secrets. */
export class Secrets extends pulumi.ComponentResource {
  /** Password of the `microblog` MySQL user. */
  public readonly mysqlPassword: pulumi.Output<string>;
  /** MySQL root password. */
  public readonly mysqlRootPassword: pulumi.Output<string>;
  /** The app's SECRET_KEY (session and token signing). */
  public readonly secretKey: pulumi.Output<string>;
  /** SMTP password, passed through as a secret; undefined when not configured. */
  public readonly mailPassword?: pulumi.Output<string>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("microblog:secrets:Secrets", name, {}, opts);
    // Only URL-safe characters: the MySQL password is embedded in DATABASE_URL.
    const password = (suffix: string, length: number): pulumi.Output<string> =>
      pulumi.secret(
        new random.RandomPassword(
          `${args.prefix}-${suffix}`,
          { length, special: false, minUpper: 1, minLower: 1, minNumeric: 1 },
          { parent: this },
        ).result,
      );
    this.mysqlPassword = password("mysql-password", 32);
    this.mysqlRootPassword = password("mysql-root-password", 32);
    this.secretKey = password("secret-key", 64);
    this.mailPassword =
      args.mailPassword === undefined ? undefined : pulumi.secret(args.mailPassword);
    this.registerOutputs({
      mysqlPassword: this.mysqlPassword,
      mysqlRootPassword: this.mysqlRootPassword,
      secretKey: this.secretKey,
      mailPassword: this.mailPassword,
    });
  }
}
