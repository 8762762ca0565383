/**
 * The database password read from an AWS Secrets Manager secret at run time, for managed
 * databases whose password the service rotates (RDS-managed master user secrets rotate every
 * seven days by default). A password injected into the environment at start would go stale at
 * the first rotation: existing connections survive it, new ones would be refused until the
 * task restarts. Here new connections take the cached value, which is re-read once it is
 * older than the refresh interval, or at once when the server refused it (connection.ts tells),
 * so a rotation costs at most the one connection attempt that meets the new password first.
 * GetSecretValue is called with the task role's credentials, signed with SigV4 (sigv4.ts).
 */
import type { Config } from "../config.js";
import { CredentialSource, signRequest } from "../search/sigv4.js";

/** Seconds a read password is reused before the secret is read again. */
export const PASSWORD_REFRESH_SECONDS = 60;

/** The region of a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:…). */
export function secretRegion(arn: string): string {
  const region = arn.split(":")[3];
  if (region === undefined || region === "") throw new Error(`not a secret ARN: ${arn}`);
  return region;
}

/** Where new database connections get their password (db/connection.ts). */
export interface PasswordSource {
  /** The password to open the next connection with. */
  get(): Promise<string>;
  /** Whether the password last given may be out of date: ask `get` again before connecting. */
  expired(): boolean;
  /** The server refused the password last given: the next `get` reads it afresh. */
  refused(): void;
}

/** Reads `password` from a JSON secret (`{"username": …, "password": …}`), cached briefly. */
export class SecretPassword implements PasswordSource {
  private cached?: { value: string; at: number };
  private pending?: Promise<string>;

  constructor(
    private readonly secretArn: string,
    private readonly credentials: CredentialSource,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The password; reads the secret when none is cached or the cached one is too old. */
  async get(): Promise<string> {
    const now = this.clock().getTime();
    if (this.cached !== undefined && !this.expired()) return this.cached.value;
    this.pending ??= this.read().finally(() => {
      this.pending = undefined;
    });
    const value = await this.pending;
    this.cached = { value, at: now };
    return value;
  }

  expired(): boolean {
    return (
      this.cached === undefined ||
      this.clock().getTime() - this.cached.at >= PASSWORD_REFRESH_SECONDS * 1000
    );
  }

  refused(): void {
    this.cached = undefined;
  }

  private async read(): Promise<string> {
    const region = secretRegion(this.secretArn);
    const url = new URL(`https://secretsmanager.${region}.amazonaws.com/`);
    const body = JSON.stringify({ SecretId: this.secretArn });
    const headers = signRequest({
      method: "POST",
      url,
      body,
      region,
      service: "secretsmanager",
      credentials: await this.credentials.get(),
      now: this.clock(),
      signedHeaders: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "secretsmanager.GetSecretValue",
      },
    });
    delete headers.host; // fetch sets it from the URL, as signed
    const res = await this.fetchFn(url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (!res.ok) {
      // The error type only (e.g. AccessDeniedException): never the body's other fields.
      const type = /"__type"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? "error";
      throw new Error(`database password secret: HTTP ${res.status} ${type}`);
    }
    const secretString = (JSON.parse(text) as { SecretString?: unknown }).SecretString;
    if (typeof secretString !== "string") {
      throw new Error("database password secret: no SecretString");
    }
    let password: unknown;
    try {
      password = (JSON.parse(secretString) as { password?: unknown }).password;
    } catch {
      throw new Error("database password secret: SecretString is not JSON");
    }
    if (typeof password !== "string" || password === "") {
      throw new Error('database password secret: no "password" key');
    }
    return password;
  }
}

/** The password source a configuration asks for: the secret's, or none (URL or env). */
export function passwordSource(
  config: Pick<Config, "databasePasswordSecret" | "awsCredentials">,
): PasswordSource | undefined {
  if (config.databasePasswordSecret === "") return undefined;
  return new SecretPassword(
    config.databasePasswordSecret,
    new CredentialSource(config.awsCredentials),
  );
}
