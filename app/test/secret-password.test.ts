// The database password read from Secrets Manager at run time (RDS-managed, rotated secrets):
// the signed GetSecretValue request, the short cache that picks up a rotation, the errors, and
// knex opening MySQL connections with the password the source gives at that moment.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/connection.js";
import {
  PASSWORD_REFRESH_SECONDS,
  SecretPassword,
  secretRegion,
} from "../src/db/secret-password.js";
import { CredentialSource } from "../src/search/sigv4.js";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-AbCdEf";
const creds = new CredentialSource({
  accessKeyId: "AK",
  secretAccessKey: "SK",
  sessionToken: "TOK",
});

/** A fake Secrets Manager: records requests, answers with the current password. */
function fakeSecretsManager(answer: () => { status: number; body: string }) {
  const requests: { url: string; method: string; headers: Record<string, string>; body: string }[] =
    [];
  const fetchFn = (async (url: string | URL, init?: RequestInit) => {
    requests.push({
      url: String(url),
      method: init?.method ?? "GET",
      headers: init?.headers as Record<string, string>,
      body: String(init?.body),
    });
    const a = answer();
    return new Response(a.body, { status: a.status });
  }) as typeof fetch;
  return { requests, fetchFn };
}
const secretBody = (password: string) =>
  JSON.stringify({ SecretString: JSON.stringify({ username: "microblog", password }) });

describe("database password from Secrets Manager", () => {
  it("signs a GetSecretValue for the secret's region and returns its password key", async () => {
    const sm = fakeSecretsManager(() => ({ status: 200, body: secretBody("pw-1") }));
    const source = new SecretPassword(ARN, creds, sm.fetchFn);
    assert.equal(await source.get(), "pw-1");
    const [req] = sm.requests;
    assert.equal(req?.url, "https://secretsmanager.eu-west-1.amazonaws.com/");
    assert.equal(req?.method, "POST");
    assert.deepEqual(JSON.parse(req?.body ?? ""), { SecretId: ARN });
    assert.equal(req?.headers["x-amz-target"], "secretsmanager.GetSecretValue");
    assert.equal(req?.headers["content-type"], "application/x-amz-json-1.1");
    assert.equal(req?.headers["x-amz-security-token"], "TOK");
    assert.equal(req?.headers.host, undefined, "fetch sets Host");
    assert.match(
      req?.headers.authorization ?? "",
      /^AWS4-HMAC-SHA256 Credential=AK\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
    assert.equal(secretRegion(ARN), "eu-west-1");
  });

  it("reuses the password for a minute, then reads the rotated one", async () => {
    let current = "before-rotation";
    const sm = fakeSecretsManager(() => ({ status: 200, body: secretBody(current) }));
    let now = new Date("2026-01-01T00:00:00Z");
    const source = new SecretPassword(ARN, creds, sm.fetchFn, () => now);
    const [a, b] = await Promise.all([source.get(), source.get()]);
    assert.deepEqual([a, b], ["before-rotation", "before-rotation"]);
    assert.equal(sm.requests.length, 1, "one read for concurrent connections");
    current = "after-rotation";
    now = new Date(now.getTime() + (PASSWORD_REFRESH_SECONDS - 1) * 1000);
    assert.equal(await source.get(), "before-rotation");
    now = new Date(now.getTime() + 2000);
    assert.equal(await source.get(), "after-rotation");
    assert.equal(sm.requests.length, 2);
  });

  it("reports the error type only, never the secret's content", async () => {
    const denied = fakeSecretsManager(() => ({
      status: 400,
      body: '{"__type":"AccessDeniedException","Message":"not authorized"}',
    }));
    await assert.rejects(
      new SecretPassword(ARN, creds, denied.fetchFn).get(),
      /^Error: database password secret: HTTP 400 AccessDeniedException$/,
    );
    const noKey = fakeSecretsManager(() => ({
      status: 200,
      body: JSON.stringify({ SecretString: '{"username":"u","pass":"s3cr3t"}' }),
    }));
    await assert.rejects(
      new SecretPassword(ARN, creds, noKey.fetchFn).get(),
      (e: Error) => /no "password" key/.test(e.message) && !e.message.includes("s3cr3t"),
    );
  });

  it("is configured by DATABASE_PASSWORD_SECRET_ARN with a MySQL URL that has a user and no password", () => {
    const c = loadConfig({
      DATABASE_URL: "mysql://microblog@db/microblog?ssl=amazon-rds",
      DATABASE_PASSWORD_SECRET_ARN: ARN,
    });
    assert.equal(c.databasePasswordSecret, ARN);
    assert.equal(c.databaseUrl, "mysql://microblog@db/microblog?ssl=amazon-rds");
    const fails: [Record<string, string>, RegExp][] = [
      [
        { DATABASE_URL: "mysql://u:pw@db/x", DATABASE_PASSWORD_SECRET_ARN: ARN },
        /has a password too/,
      ],
      [
        {
          DATABASE_URL: "mysql://u@db/x",
          DATABASE_PASSWORD_SECRET_ARN: ARN,
          DATABASE_PASSWORD: "x",
        },
        /both set/,
      ],
      [
        { DATABASE_URL: "mysql://u@db/x", DATABASE_PASSWORD_SECRET_ARN: "my-secret" },
        /must be a Secrets Manager secret ARN/,
      ],
    ];
    for (const [env, message] of fails) assert.throws(() => loadConfig(env), message);
  });
});

/** A password source with a fixed answer that counts its reads. */
function fixedSource(password: string) {
  const source = {
    reads: 0,
    get: async () => {
      source.reads += 1;
      return password;
    },
    expired: () => source.reads === 0,
    refused: () => {},
  };
  return source;
}

const url = process.env.TEST_MYSQL_URL;
const rotationUrl = process.env.TEST_MYSQL_ROTATION_URL;
describe("knex with a password source, on MariaDB", () => {
  it(
    "connects with the password the source gives and fails with a wrong one",
    { skip: url ? false : "TEST_MYSQL_URL not set (harness/services/mariadb.sh start)" },
    async () => {
      const u = new URL(url ?? "");
      const password = decodeURIComponent(u.password);
      u.password = "";
      const withoutPassword = u.toString();
      const source = fixedSource(password);
      const good = openDatabase(withoutPassword, source);
      try {
        const rows = (await good.db.raw("select 1 as one")) as [{ one: number }[]];
        assert.equal(rows[0][0]?.one, 1);
        assert.equal(source.reads, 1);
      } finally {
        await good.db.destroy();
      }
      const bad = openDatabase(withoutPassword, fixedSource("not-the-password"));
      try {
        await assert.rejects(bad.db.raw("select 1"), /Access denied/);
      } finally {
        await bad.db.destroy();
      }
    },
  );

  it(
    "follows a rotation: a refused password is read again at once, and every minute anyway",
    {
      skip: rotationUrl
        ? false
        : "TEST_MYSQL_ROTATION_URL not set (harness/services/mariadb.sh start)",
    },
    async () => {
      // The harness's rotation account may only log in; this test changes its password (as RDS
      // does at a rotation) and sets it back.
      const u = new URL(rotationUrl ?? "");
      const original = decodeURIComponent(u.password);
      u.password = "";
      const withoutPassword = u.toString();
      const rotated = `rotated-${process.pid}`;
      let current = original;
      const sm = fakeSecretsManager(() => ({ status: 200, body: secretBody(current) }));
      let now = new Date("2026-01-01T00:00:00Z");
      const secret = new SecretPassword(ARN, creds, sm.fetchFn, () => now);
      const { db } = openDatabase(withoutPassword, secret);
      const one = async () => ((await db.raw("select 1 as one")) as [{ one: number }[]])[0][0]?.one;
      const setPassword = async (from: string, to: string) => {
        const admin = openDatabase(
          `${withoutPassword.replace("@", `:${encodeURIComponent(from)}@`)}`,
        );
        try {
          await admin.db.raw("SET PASSWORD = PASSWORD(?)", [to]);
        } finally {
          await admin.db.destroy();
        }
      };
      try {
        assert.equal(await one(), 1);
        assert.equal(sm.requests.length, 1);
        // The rotation: the server and the secret change together; the app's cache does not.
        await setPassword(original, rotated);
        current = rotated;
        assert.equal(await one(), 1, "the pooled connection survives the rotation");
        assert.equal(sm.requests.length, 1, "the cached password is still fresh");
        // Two at once need a second connection, opened with the stale password: refused.
        const both = await Promise.allSettled([
          db.raw("select sleep(0.2)"),
          db.raw("select sleep(0.2)"),
        ]);
        const failed = both.filter((r) => r.status === "rejected");
        assert.ok(failed.length <= 1, "at most the one connection attempt that met it fails");
        for (const f of failed) assert.match(String(f.reason), /Access denied/);
        // The refusal made the next connection read the secret again, and it works.
        const more = await Promise.all([db.raw("select sleep(0.2)"), db.raw("select sleep(0.2)")]);
        assert.equal(more.length, 2);
        assert.equal(sm.requests.length, 2, "one more read, after the refusal");
        // A minute later the password is read again even with nothing refused.
        now = new Date(now.getTime() + (PASSWORD_REFRESH_SECONDS + 1) * 1000);
        assert.equal(await one(), 1);
        assert.equal(sm.requests.length, 3);
        assert.equal(secret.expired(), false);
      } finally {
        await db.destroy();
        if (current !== original) await setPassword(rotated, original);
      }
    },
  );
});
