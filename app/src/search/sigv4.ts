/**
 * AWS Signature Version 4 for the search engine's requests, so the app can talk to an Amazon
 * OpenSearch Service domain whose access policy admits only the app's IAM role. Written on
 * node:crypto alone (no AWS SDK): the canonical request, the string to sign and the derived key
 * as AWS's SigV4 documentation defines them, for header-signed requests with a payload hash.
 * Credentials come from the ECS task role (the container credentials endpoint) or from the
 * standard AWS_* variables, cached until shortly before they expire.
 */
import { createHash, createHmac } from "node:crypto";

/** A set of AWS credentials; temporary ones carry a session token and an expiry. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** One request to sign. */
export interface SignInput {
  readonly method: string;
  readonly url: URL;
  /** Body as sent ("" when none). */
  readonly body: string;
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  readonly now: Date;
  /**
   * Send (and sign) x-amz-content-sha256; default true. AWS's published test vectors sign only
   * host and x-amz-date, which `false` reproduces.
   */
  readonly contentSha256Header?: boolean;
  /** More headers to send and sign (e.g. x-amz-target, content-type), names in lower case. */
  readonly signedHeaders?: Readonly<Record<string, string>>;
}

const sha256 = (data: string): string => createHash("sha256").update(data, "utf8").digest("hex");
const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 percent-encoding: everything but A-Z a-z 0-9 - _ . ~ */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The path with each segment encoded again, as AWS services other than S3 expect. */
function canonicalUri(url: URL): string {
  const path = url.pathname === "" ? "/" : url.pathname;
  return path
    .split("/")
    .map((segment) => rfc3986(segment))
    .join("/");
}

/** Query parameters encoded and sorted by name, then value. */
function canonicalQuery(url: URL): string {
  return [...url.searchParams.entries()]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/** `YYYYMMDD'T'HHMMSS'Z'` */
export function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/**
 * The headers that sign `input`: host, x-amz-date, x-amz-content-sha256, x-amz-security-token
 * (temporary credentials) and authorization. Only these are signed, so headers the HTTP client
 * adds or rewrites (content-length, content-type parameters) cannot break the signature.
 */
export function signRequest(input: SignInput): Record<string, string> {
  const date = amzDate(input.now);
  const day = date.slice(0, 8);
  const payloadHash = sha256(input.body);
  const headers: Record<string, string> = {
    ...input.signedHeaders,
    host: input.url.host,
    "x-amz-date": date,
  };
  if (input.contentSha256Header !== false) headers["x-amz-content-sha256"] = payloadHash;
  if (input.credentials.sessionToken !== undefined) {
    headers["x-amz-security-token"] = input.credentials.sessionToken;
  }
  return { ...headers, authorization: authorization(input, headers, payloadHash, date, day) };
}

/** The Authorization header value for the given signed headers. */
function authorization(
  input: SignInput,
  headers: Record<string, string>,
  payloadHash: string,
  date: string,
  day: string,
): string {
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names
    .map((n) => `${n}:${(headers[n] ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(input.url),
    canonicalQuery(input.url),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", date, scope, sha256(canonicalRequest)].join("\n");
  const kDate = hmac(`AWS4${input.credentials.secretAccessKey}`, day);
  const kSigning = hmac(hmac(hmac(kDate, input.region), input.service), "aws4_request");
  const signature = createHmac("sha256", kSigning).update(stringToSign, "utf8").digest("hex");
  return (
    `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`
  );
}

/** Where credentials come from (the AWS_* variables config.ts passes on). */
export interface CredentialEnv {
  /** ECS: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, fetched from 169.254.170.2. */
  readonly containerRelativeUri?: string;
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN. */
  readonly containerFullUri?: string;
  readonly containerAuthToken?: string;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN. */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
}

/** Refresh temporary credentials this long before they expire. */
const REFRESH_BEFORE_MS = 5 * 60 * 1000;
const ECS_CREDENTIALS_HOST = "http://169.254.170.2";

/** Credentials of the task role (or the environment), fetched once and refreshed on expiry. */
export class CredentialSource {
  private cached?: AwsCredentials;
  private pending?: Promise<AwsCredentials>;

  constructor(
    private readonly env: CredentialEnv,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async get(): Promise<AwsCredentials> {
    const c = this.cached;
    if (
      c !== undefined &&
      (c.expiration === undefined ||
        c.expiration.getTime() - this.clock().getTime() > REFRESH_BEFORE_MS)
    ) {
      return c;
    }
    this.pending ??= this.load().finally(() => {
      this.pending = undefined;
    });
    this.cached = await this.pending;
    return this.cached;
  }

  private async load(): Promise<AwsCredentials> {
    const { env } = this;
    const uri =
      env.containerRelativeUri !== undefined
        ? `${ECS_CREDENTIALS_HOST}${env.containerRelativeUri}`
        : env.containerFullUri;
    if (uri !== undefined) {
      const headers: Record<string, string> =
        env.containerAuthToken === undefined ? {} : { authorization: env.containerAuthToken };
      const res = await this.fetchFn(uri, { headers, signal: AbortSignal.timeout(2000) });
      if (!res.ok) throw new Error(`container credentials: HTTP ${res.status}`);
      const body = (await res.json()) as Record<string, unknown>;
      const str = (k: string): string | undefined =>
        typeof body[k] === "string" ? body[k] : undefined;
      const accessKeyId = str("AccessKeyId");
      const secretAccessKey = str("SecretAccessKey");
      if (accessKeyId === undefined || secretAccessKey === undefined) {
        throw new Error("container credentials: no AccessKeyId/SecretAccessKey in the answer");
      }
      const expiration = str("Expiration");
      return {
        accessKeyId,
        secretAccessKey,
        sessionToken: str("Token"),
        expiration: expiration === undefined ? undefined : new Date(expiration),
      };
    }
    if (env.accessKeyId !== undefined && env.secretAccessKey !== undefined) {
      return {
        accessKeyId: env.accessKeyId,
        secretAccessKey: env.secretAccessKey,
        sessionToken: env.sessionToken,
      };
    }
    throw new Error(
      "SEARCH_AWS_REGION is set but no AWS credentials were found (ECS task role or AWS_ACCESS_KEY_ID)",
    );
  }
}

/** Signs a search request: returns the headers to add. */
export type RequestSigner = (
  method: string,
  url: URL,
  body: string,
) => Promise<Record<string, string>>;

/** A signer for Amazon OpenSearch Service (service name `es`) in `region`. */
export function openSearchSigner(
  region: string,
  credentials: CredentialSource,
  clock: () => Date = () => new Date(),
): RequestSigner {
  return async (method, url, body) =>
    signRequest({
      method,
      url,
      body,
      region,
      service: "es",
      credentials: await credentials.get(),
      now: clock(),
    });
}
