/** Test helpers: app factory over a fresh database, and a cookie-keeping `inject` client. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import knexFactory, { type Knex } from "knex";
import { buildApp, type BuildOptions } from "../src/app.js";
import { loadConfig, type Config } from "../src/config.js";
import { parseDatabaseUrl } from "../src/db/connection.js";
import { dropAllTables, migrateLatest } from "../src/db/migrations.js";

/** Environment every test app starts from. */
export const BASE_ENV = {
  NODE_ENV: "test",
  SECRET_KEY: "test-secret-key-0123456789abcdef",
  LOG_LEVEL: "silent",
  AUTH_RATE_LIMIT: "10000",
  AUTH_ACCOUNT_RATE_LIMIT: "10000",
  PAGE_CACHE_SECONDS: "0",
};

/** Config for tests, with overrides. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ ...BASE_ENV, ...env });
}

// Shared with the benchmark, which drops the same tables before seeding.
export { dropAllTables } from "../src/db/migrations.js";

/** A fresh, migrated database: a temp SQLite file, or the given MySQL URL with tables dropped. */
export async function freshDatabase(mysqlUrl?: string): Promise<{ url: string; db: Knex }> {
  let url: string;
  if (mysqlUrl) url = mysqlUrl;
  else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "microblog-test-"));
    url = `sqlite:///${path.join(dir, "test.db")}`;
  }
  const db = knexFactory(parseDatabaseUrl(url).knexConfig);
  if (mysqlUrl) await dropAllTables(db);
  await migrateLatest(db);
  return { url, db };
}

/** Builds an app on a shared database connection. */
export async function makeApp(
  db: { url: string; db: Knex },
  env: Record<string, string> = {},
  opts: Omit<BuildOptions, "db"> = {},
): Promise<FastifyInstance> {
  const app = await buildApp(testConfig({ DATABASE_URL: db.url, ...env }), { ...opts, db: db.db });
  return app;
}

const CSRF_RE = /name="_csrf" value="([^"]+)"/;

/** A browser-like client over `app.inject`: keeps cookies, fetches CSRF tokens. */
export class Client {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly app: FastifyInstance,
    readonly headers: Record<string, string> = {},
    /** The socket address the app sees (default 127.0.0.1). */
    readonly remoteAddress?: string,
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    // Raw values: the session cookie is URL-encoded and must be sent back as is.
    const raw = res.headers["set-cookie"];
    for (const line of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (value === "" || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: "GET",
      url,
      remoteAddress: this.remoteAddress,
      headers: { cookie: this.cookieHeader(), ...this.headers, ...headers },
    });
    return this.keep(res);
  }

  /** A CSRF token valid for this client's session. */
  async csrf(): Promise<string> {
    for (const url of ["/explore", "/auth/register", "/auth/login"]) {
      const m = CSRF_RE.exec((await this.get(url)).body);
      if (m) return m[1]!;
    }
    throw new Error("no CSRF token found on any page");
  }

  /** POSTs a form; adds a valid `_csrf` unless `csrf: false` or the form already has one. */
  async post(
    url: string,
    form: Record<string, string> = {},
    opts: { csrf?: boolean } = {},
  ): Promise<LightMyRequestResponse> {
    const body = { ...form };
    if (opts.csrf !== false && body._csrf === undefined) body._csrf = await this.csrf();
    const res = await this.app.inject({
      method: "POST",
      url,
      remoteAddress: this.remoteAddress,
      payload: new URLSearchParams(body).toString(),
      headers: {
        ...this.headers,
        cookie: this.cookieHeader(),
        "content-type": "application/x-www-form-urlencoded",
      },
    });
    return this.keep(res);
  }

  async register(
    username: string,
    email = `${username}@example.com`,
    password = "correct horse 1",
  ) {
    return this.post("/auth/register", { username, email, password, password2: password });
  }

  async login(username: string, password = "correct horse 1", extra: Record<string, string> = {}) {
    return this.post("/auth/login", { username, password, ...extra });
  }
}

/** Registers and logs in a user on a new client. */
export async function signedIn(app: FastifyInstance, username: string): Promise<Client> {
  const c = new Client(app);
  const r = await c.register(username);
  if (r.statusCode !== 302) throw new Error(`register ${username}: ${r.statusCode}`);
  const l = await c.login(username);
  if (l.statusCode !== 302) throw new Error(`login ${username}: ${l.statusCode}`);
  return c;
}

/** Text of the page without tags, whitespace collapsed (for message assertions). */
export function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}
