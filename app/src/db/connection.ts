/** Database connection: turns DATABASE_URL into a knex instance (SQLite or MySQL/MariaDB). */
import fs from "node:fs";
import path from "node:path";
import knexFactory, { type Knex } from "knex";
import type { PasswordSource } from "./secret-password.js";

/** Which SQL dialect a knex instance speaks. */
export type Dialect = "sqlite" | "mysql";

/** Parsed form of DATABASE_URL, secrets kept out of `describe`. */
export interface DbTarget {
  readonly dialect: Dialect;
  readonly knexConfig: Knex.Config;
  /** A loggable description with no password in it. */
  readonly describe: string;
}

/**
 * Parses `sqlite:///abs/path`, `sqlite:relative/path`, `sqlite://:memory:`, `mysql://…`,
 * `mysql+pymysql://…` (the chapter's form) and `mariadb://…`.
 */
export function parseDatabaseUrl(url: string): DbTarget {
  const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
  if (scheme === "sqlite") {
    let file = url.slice("sqlite:".length);
    if (file.startsWith("///")) file = file.slice(2);
    else if (file.startsWith("//")) file = file.slice(2);
    if (file === "" || file === "/") throw new Error("DATABASE_URL: the SQLite URL names no file");
    if (file !== ":memory:") file = path.resolve(file);
    return {
      dialect: "sqlite",
      describe: `sqlite:${file}`,
      knexConfig: {
        client: "better-sqlite3",
        connection: { filename: file },
        useNullAsDefault: true,
        pool: {
          afterCreate(conn: { pragma(s: string): unknown }, done: (err: Error | null) => void) {
            conn.pragma("journal_mode = WAL");
            conn.pragma("foreign_keys = ON");
            conn.pragma("busy_timeout = 5000");
            done(null);
          },
        },
      },
    };
  }
  if (["mysql", "mysql+pymysql", "mysql+mysqldb", "mariadb"].includes(scheme)) {
    const u = new URL(url.replace(/^[^:]+:/, "mysql:"));
    const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
    if (!u.hostname || !database) {
      throw new Error("DATABASE_URL: a MySQL URL needs a host and a database name");
    }
    const user = decodeURIComponent(u.username);
    // `?ssl=amazon-rds`: TLS verified against the Amazon RDS certificate authorities (mysql2's
    // bundled profile); no other query is understood, so a typo cannot silently drop TLS.
    const ssl = u.searchParams.get("ssl");
    for (const key of u.searchParams.keys()) {
      if (key !== "ssl") throw new Error(`DATABASE_URL: unknown parameter "${key}" (only ssl)`);
    }
    if (ssl !== null && ssl !== "amazon-rds") {
      throw new Error(`DATABASE_URL: ssl="${ssl}" is not supported (only ssl=amazon-rds)`);
    }
    return {
      dialect: "mysql",
      describe: `mysql://${user ? user + "@" : ""}${u.host}/${database}${ssl === null ? "" : " (TLS)"}`,
      knexConfig: {
        client: "mysql2",
        connection: {
          host: u.hostname,
          port: u.port ? Number(u.port) : 3306,
          user,
          password: decodeURIComponent(u.password),
          database,
          charset: "utf8mb4",
          connectTimeout: 5000,
          ...(ssl === null ? {} : { ssl: "Amazon RDS" }),
        },
        pool: { min: 0, max: 10 },
        acquireConnectionTimeout: 10000,
      },
    };
  }
  throw new Error(`DATABASE_URL: unsupported scheme "${scheme}"`);
}

/**
 * Opens a knex instance for DATABASE_URL; creates the SQLite folder when needed. With
 * `password` (a MySQL URL without one), new connections take the password it gives: knex asks it
 * again once it reports the last one expired, and a connection the server refuses for its
 * password (ER_ACCESS_DENIED_ERROR, e.g. just after a rotation) makes it read a fresh one.
 */
export function openDatabase(
  url: string,
  password?: PasswordSource,
): { db: Knex; target: DbTarget } {
  const target = parseDatabaseUrl(url);
  if (target.dialect === "sqlite") {
    const file = (target.knexConfig.connection as { filename: string }).filename;
    if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true });
  }
  if (password === undefined) return { db: knexFactory(target.knexConfig), target };
  if (target.dialect !== "mysql") throw new Error("a password source needs a MySQL DATABASE_URL");
  const fixed = target.knexConfig.connection as Knex.MySql2ConnectionConfig;
  // Without an expiration checker knex calls a connection function once, ever: the password
  // read at start would then be used for every later connection, stale after a rotation.
  const connection = async (): Promise<Knex.MySql2ConnectionConfig> => ({
    ...fixed,
    password: await password.get(),
    expirationChecker: () => password.expired(),
  });
  const db = knexFactory({ ...target.knexConfig, connection });
  const pool = (db.client as { pool?: Pool }).pool;
  if (pool === undefined) throw new Error("knex created no connection pool");
  pool.on("createFail", (_id, err) => {
    if ((err as { code?: unknown } | undefined)?.code === "ER_ACCESS_DENIED_ERROR") {
      password.refused();
    }
  });
  return { db, target };
}

/** The part of knex's connection pool (tarn) used here. */
interface Pool {
  on(event: "createFail", listener: (eventId: number, err: unknown) => void): void;
}
