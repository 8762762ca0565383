/** Environment validation and pure helpers (no database). */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { hashPassword, verifyPassword } from "../src/auth/password.js";
import { signResetToken, tokenMatchesUser, verifyResetToken } from "../src/auth/tokens.js";
import { ConfigError, loadConfig } from "../src/config.js";
import { parseDatabaseUrl } from "../src/db/connection.js";
import { relativeTime } from "../src/i18n.js";
import { safeNext } from "../src/request-context.js";
import { redactUrl } from "../src/request-log.js";

describe("loadConfig", () => {
  it("has working defaults (SQLite file, port 5000, 25 posts per page)", () => {
    const c = loadConfig({});
    assert.equal(c.port, 5000);
    assert.equal(c.postsPerPage, 25);
    assert.match(c.databaseUrl, /^sqlite:\/\/\/.*data\/app\.db$/);
    assert.equal(c.searchUrl, "");
    assert.equal(c.secretKeyGenerated, true);
    // SIGTERM's drain deadline stays well under the 30 s runtimes wait before SIGKILL.
    assert.equal(c.shutdownTimeoutSeconds, 10);
    assert.equal(c.searchRetryIntervalSeconds, 5);
    assert.equal(loadConfig({ SEARCH_RETRY_INTERVAL: "30" }).searchRetryIntervalSeconds, 30);
    assert.equal(
      loadConfig({ SEARCH_STORE: "search-opensearch" }).searchStore,
      "search-opensearch",
    );
  });

  const bad: [Record<string, string>, RegExp][] = [
    [{ PORT: "abc" }, /PORT="abc": must be a whole number/],
    [{ PORT: "70000" }, /PORT="70000": must be between 1 and 65535/],
    [{ POSTS_PER_PAGE: "0" }, /POSTS_PER_PAGE="0"/],
    [{ MAIL_PORT: "x" }, /MAIL_PORT="x"/],
    [{ MAIL_USE_TLS: "maybe" }, /MAIL_USE_TLS="maybe": must be one of true, false/],
    [
      { DATABASE_URL: "postgres://x/y" },
      /DATABASE_URL="postgres:\/\/x\/y": must start with one of/,
    ],
    [{ ELASTICSEARCH_URL: "elasticsearch:9200" }, /ELASTICSEARCH_URL=.*http:\/\//],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL="loud"/],
    [{ ADMINS: "root" }, /ADMINS="root": must be a comma-separated list/],
    [{ NODE_ENV: "production" }, /SECRET_KEY is required when NODE_ENV=production/],
    [{ SECRET_KEY: "short" }, /SECRET_KEY must be at least 16 characters/],
    [{ TRUSTED_PROXIES: "true" }, /TRUSTED_PROXIES="true": must be a number of proxy hops/],
    [{ TRUSTED_PROXIES: "10.0.0.0/33" }, /TRUSTED_PROXIES="10.0.0.0\/33"/],
    [{ AUTH_ACCOUNT_RATE_LIMIT: "0" }, /AUTH_ACCOUNT_RATE_LIMIT="0"/],
    [{ SEARCH_RETRY_INTERVAL: "0" }, /SEARCH_RETRY_INTERVAL="0": must be between 1 and 3600/],
    [{ SEARCH_RETRY_INTERVAL: "2.5" }, /SEARCH_RETRY_INTERVAL="2.5": must be a whole number/],
    [{ SEARCH_STORE: "Search Data" }, /SEARCH_STORE="Search Data": must be a store name/],
  ];
  for (const [env, message] of bad) {
    it(`rejects ${JSON.stringify(env)} naming the variable`, () => {
      assert.throws(
        () => loadConfig(env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }

  it("reads TRUSTED_PROXIES as none, a hop count, or addresses/CIDRs", () => {
    assert.equal(loadConfig({}).trustedProxies, false);
    assert.equal(loadConfig({ TRUSTED_PROXIES: "0" }).trustedProxies, false);
    assert.equal(loadConfig({ TRUSTED_PROXIES: "2" }).trustedProxies, 2);
    assert.deepEqual(
      loadConfig({ TRUSTED_PROXIES: "10.0.0.0/16, fd00::/8,loopback" }).trustedProxies,
      ["10.0.0.0/16", "fd00::/8", "loopback"],
    );
  });

  it("accepts a production setup", () => {
    const c = loadConfig({
      NODE_ENV: "production",
      SECRET_KEY: "x".repeat(32),
      DATABASE_URL: "mysql+pymysql://microblog:pw@mysql/microblog",
      ELASTICSEARCH_URL: "http://elasticsearch:9200/",
      MAIL_SERVER: "smtp.example.com",
      MAIL_PORT: "587",
      MAIL_USE_TLS: "1",
      ADMINS: "a@example.com, b@example.com",
    });
    assert.equal(c.searchUrl, "http://elasticsearch:9200");
    assert.equal(c.mail.useTls, true);
    assert.deepEqual(c.admins, ["a@example.com", "b@example.com"]);
  });
});

describe("<NAME>_FILE variants of secrets", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "microblog-secrets-"));
  const file = (name: string, content: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };

  it("reads SECRET_KEY_FILE, DATABASE_URL_FILE, MAIL_*_FILE and ELASTICSEARCH_URL_FILE", () => {
    const c = loadConfig({
      NODE_ENV: "production",
      SECRET_KEY_FILE: file("key", "k".repeat(32) + "\n"),
      DATABASE_URL_FILE: file("db", "mysql://app:s3cret@db/microblog\r\n"),
      MAIL_SERVER: "smtp.example.com",
      MAIL_USERNAME_FILE: file("user", "mailer\n"),
      MAIL_PASSWORD_FILE: file("pw", "mail pass word \n"),
      ELASTICSEARCH_URL_FILE: file("es", "https://elastic:pw@search:9200\n"),
    });
    assert.equal(c.secretKey, "k".repeat(32));
    assert.equal(c.secretKeyGenerated, false);
    assert.equal(c.databaseUrl, "mysql://app:s3cret@db/microblog");
    assert.equal(c.mail.username, "mailer");
    assert.equal(c.mail.password, "mail pass word");
    assert.equal(c.searchUrl, "https://elastic:pw@search:9200");
  });

  const bad: [Record<string, string>, RegExp][] = [
    [
      { SECRET_KEY: "x".repeat(20), SECRET_KEY_FILE: "/nonexistent" },
      /SECRET_KEY and SECRET_KEY_FILE are both set/,
    ],
    [
      { MAIL_PASSWORD: "a", MAIL_PASSWORD_FILE: "/nonexistent" },
      /MAIL_PASSWORD and MAIL_PASSWORD_FILE are both set/,
    ],
    [
      { DATABASE_URL_FILE: "/nonexistent/db-url" },
      /DATABASE_URL_FILE="\/nonexistent\/db-url": cannot read the file \(ENOENT\)/,
    ],
    [{ SECRET_KEY_FILE: "EMPTY" }, /SECRET_KEY_FILE=.*: the file is empty/],
  ];
  for (const [env, message] of bad) {
    it(`rejects ${JSON.stringify(env)} naming the variables`, () => {
      if (env.SECRET_KEY_FILE === "EMPTY") env.SECRET_KEY_FILE = file("empty", "\n");
      assert.throws(
        () => loadConfig(env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    });
  }

  it("never repeats a password from a file in an error", () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL_FILE: file("pg", "postgres://app:hunter2@db/x\n") }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /DATABASE_URL="postgres:\/\/app:\*\*\*@db\/x"/.test(e.message) &&
        !e.message.includes("hunter2"),
    );
  });
});

describe("parseDatabaseUrl", () => {
  it("accepts the chapter's mysql+pymysql form and hides the password", () => {
    const t = parseDatabaseUrl("mysql+pymysql://microblog:s%40cret@mysql/microblog");
    assert.equal(t.dialect, "mysql");
    assert.equal(t.describe, "mysql://microblog@mysql/microblog");
    const conn = t.knexConfig.connection as { host: string; port: number; password: string };
    assert.equal(conn.host, "mysql");
    assert.equal(conn.port, 3306);
    assert.equal(conn.password, "s@cret");
  });
  it("accepts sqlite:///abs, sqlite:rel and rejects a MySQL URL without a database", () => {
    assert.equal(parseDatabaseUrl("sqlite:////tmp/x.db").describe, "sqlite:/tmp/x.db");
    assert.match(parseDatabaseUrl("sqlite:data/x.db").describe, /^sqlite:\/.*\/data\/x\.db$/);
    assert.throws(() => parseDatabaseUrl("mysql://host"), /DATABASE_URL: a MySQL URL needs/);
  });
});

describe("DATABASE_PASSWORD and TLS (managed databases)", () => {
  // What the ECS stack gives the app with RDS: a URL without password, asking for TLS, and the
  // password alone from the RDS-managed secret (any printable character but / " @ and space).
  const password = "p:a?s#s%w&o+r=d[]{}~!";
  it("puts the password into DATABASE_URL, percent-encoded, and parses it back unchanged", () => {
    const c = loadConfig({
      DATABASE_URL: "mysql://microblog@db.example.rds.amazonaws.com:3306/microblog?ssl=amazon-rds",
      DATABASE_PASSWORD: password,
    });
    const t = parseDatabaseUrl(c.databaseUrl);
    const conn = t.knexConfig.connection as {
      host: string;
      user: string;
      password: string;
      database: string;
      ssl?: unknown;
    };
    assert.deepEqual(
      [conn.host, conn.user, conn.password, conn.database, conn.ssl],
      ["db.example.rds.amazonaws.com", "microblog", password, "microblog", "Amazon RDS"],
    );
    assert.equal(t.describe, "mysql://microblog@db.example.rds.amazonaws.com:3306/microblog (TLS)");
    assert.ok(!t.describe.includes("p:a"), "no password in the description");
  });
  it("reads DATABASE_PASSWORD_FILE too", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "microblog-dbpw-"));
    const file = path.join(dir, "pw");
    fs.writeFileSync(file, `${password}\n`);
    const c = loadConfig({ DATABASE_URL: "mysql://app@db/x", DATABASE_PASSWORD_FILE: file });
    assert.equal(
      (parseDatabaseUrl(c.databaseUrl).knexConfig.connection as { password: string }).password,
      password,
    );
  });
  it("refuses a second password, a URL without user, and SQLite, never echoing the password", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ DATABASE_URL: "mysql://app:other@db/x" }, /DATABASE_URL has a password too; set only one/],
      [{ DATABASE_URL: "mysql://db/x" }, /DATABASE_URL names no user/],
      [{ DATABASE_URL: "sqlite:///tmp/x.db" }, /DATABASE_URL is not a MySQL URL/],
      [{}, /DATABASE_URL is not a MySQL URL/],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => loadConfig({ ...env, DATABASE_PASSWORD: password }),
        (e: Error) => message.test(e.message) && !e.message.includes(password),
      );
    }
  });
  it("leaves DATABASE_URL alone without DATABASE_PASSWORD (the container stacks' contract)", () => {
    const url = "mysql://microblog:pw@mysql.internal:3306/microblog";
    assert.equal(loadConfig({ DATABASE_URL: url }).databaseUrl, url);
    assert.equal(
      (parseDatabaseUrl(url).knexConfig.connection as { ssl?: unknown }).ssl,
      undefined,
      "no TLS unless asked",
    );
  });
  it("refuses unknown URL parameters and TLS modes, so a typo cannot turn TLS off", () => {
    assert.throws(
      () => parseDatabaseUrl("mysql://a@h/d?sll=amazon-rds"),
      /unknown parameter "sll"/,
    );
    assert.throws(() => parseDatabaseUrl("mysql://a@h/d?ssl=true"), /ssl="true" is not supported/);
  });
  it("takes SEARCH_AWS_REGION and the AWS credential variables", () => {
    const c = loadConfig({
      SEARCH_AWS_REGION: "eu-west-1",
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/abc",
    });
    assert.equal(c.searchAwsRegion, "eu-west-1");
    assert.equal(c.awsCredentials.containerRelativeUri, "/v2/credentials/abc");
    assert.throws(
      () => loadConfig({ SEARCH_AWS_REGION: "Europe" }),
      /SEARCH_AWS_REGION="Europe": must be an AWS region/,
    );
  });
});

describe("passwords and tokens", () => {
  it("hashes with scrypt and verifies", async () => {
    const h = await hashPassword("secret password");
    assert.match(h, /^scrypt\$131072\$8\$1\$/);
    assert.equal(await verifyPassword("secret password", h), true);
    assert.equal(await verifyPassword("wrong", h), false);
    assert.equal(await verifyPassword("x", "garbage"), false);
    assert.equal(await verifyPassword("x", undefined), false);
    // A stored hash claiming a huge cost is refused, not derived (it would need 1 TiB).
    assert.equal(await verifyPassword("x", "scrypt$1073741824$8$1$c2FsdA==$aGFzaA=="), false);
    const hashes = await Promise.all([1, 2, 3, 4].map((i) => hashPassword(`pw ${i}`)));
    assert.equal(new Set(hashes).size, 4, "concurrent hashes all succeed (maxmem suffices)");
  });
  it("signs reset tokens that expire and bind to the password hash", async () => {
    const user = { id: 7, password_hash: "h1" };
    const tok = await signResetToken("k".repeat(20), user);
    const claims = await verifyResetToken("k".repeat(20), tok);
    assert.equal(claims?.userId, 7);
    assert.equal(tokenMatchesUser(claims!.fp, user), true);
    assert.equal(tokenMatchesUser(claims!.fp, { password_hash: "h2" }), false);
    assert.equal(await verifyResetToken("other-key-000000000", tok), null);
    const old = await signResetToken("k".repeat(20), user, Math.floor(Date.now() / 1000) - 601);
    assert.equal(await verifyResetToken("k".repeat(20), old), null);
  });
});

describe("helpers", () => {
  it("safeNext keeps local paths only", () => {
    assert.equal(safeNext("/user/a?page=2"), "/user/a?page=2");
    for (const bad of [
      "//evil",
      "https://evil",
      "/\\evil",
      "javascript:alert(1)",
      "",
      5,
      "/..//evil",
      "/\t/evil",
      "/x\u0000y",
      "/%5cevil",
    ]) {
      assert.equal(safeNext(bad), "/");
    }
  });
  it("masks reset tokens in logged URLs", () => {
    assert.equal(
      redactUrl("/auth/reset_password/eyJ.abc.def?x=1"),
      "/auth/reset_password/[redacted]?x=1",
    );
    assert.equal(redactUrl("/explore?page=2"), "/explore?page=2");
  });
  it("formats relative dates in English and Spanish", () => {
    const now = Date.UTC(2026, 0, 10);
    assert.equal(relativeTime("en", now - 3 * 60_000, now), "3 minutes ago");
    assert.equal(relativeTime("es", now - 3 * 60_000, now), "hace 3 minutos");
    assert.equal(relativeTime("en", now - 86_400_000, now), "yesterday");
    assert.equal(relativeTime("es", now - 2 * 86_400_000, now), "anteayer");
  });
});
