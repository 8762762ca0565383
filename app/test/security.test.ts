/**
 * Regression tests for the attacker-style probe's findings: reset-link poisoning, open
 * redirects after normalisation, throttling keyed on spoofable headers, unrevocable sessions,
 * login timing, framework error pages, control characters and 405s.
 */
import assert from "node:assert/strict";
import { randomBytes, scryptSync } from "node:crypto";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { Knex } from "knex";
import { hashPassword } from "../src/auth/password.js";
import { signResetToken } from "../src/auth/tokens.js";
import type { MailMessage } from "../src/mail/mailer.js";
import { Client, freshDatabase, makeApp, signedIn, text } from "./helpers.js";

/** Replaces the app's mailer with one that records messages. */
function recordMail(app: FastifyInstance): MailMessage[] {
  const sent: MailMessage[] = [];
  const fake = {
    enabled: true,
    async send(m: MailMessage) {
      sent.push(m);
      return true;
    },
    close() {},
  };
  (app as unknown as { mailer: unknown }).mailer = fake;
  return sent;
}

async function waitFor<T>(get: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An app on a fresh SQLite database; closed after the suite. */
function appFor(env: Record<string, string> = {}) {
  const ctx = {} as { app: FastifyInstance; db: { url: string; db: Knex } };
  before(async () => {
    ctx.db = await freshDatabase();
    ctx.app = await makeApp(ctx.db, env);
  });
  after(async () => {
    await ctx.app.close();
    await ctx.db.db.destroy();
  });
  return ctx;
}

describe("finding 1: reset links come from configuration, never from request headers", () => {
  const poisoned = { host: "evil.example", "x-forwarded-host": "evil.example" };

  describe("with PUBLIC_URL", () => {
    const ctx = appFor({ PUBLIC_URL: "https://blog.example.com/" });
    it("uses PUBLIC_URL whatever Host and X-Forwarded-Host say", async () => {
      const sent = recordMail(ctx.app);
      const c = new Client(ctx.app, poisoned);
      await c.register("rita", "rita@example.com");
      const r = await c.post("/auth/reset_password_request", { email: "rita@example.com" });
      assert.equal(r.statusCode, 302);
      const mail = await waitFor(() => sent[0]);
      assert.match(mail.text, /https:\/\/blog\.example\.com\/auth\/reset_password\/[\w.-]+/);
      assert.doesNotMatch(mail.text, /evil\.example/);
    });
  });

  describe("without PUBLIC_URL", () => {
    const ctx = appFor({ PORT: "5123" });
    it("falls back to http://localhost:<PORT>, not to the request's host", async () => {
      const sent = recordMail(ctx.app);
      const c = new Client(ctx.app, poisoned);
      await c.register("sam", "sam@example.com");
      await c.post("/auth/reset_password_request", { email: "sam@example.com" });
      const mail = await waitFor(() => sent[0]);
      assert.match(mail.text, /http:\/\/localhost:5123\/auth\/reset_password\//);
      assert.doesNotMatch(mail.text, /evil\.example/);
    });
  });
});

describe("admin error mails mask reset tokens in the URL", () => {
  const ctx = appFor({ ADMINS: "admin@example.com" });
  it("mails the failing URL with the token redacted", async () => {
    const sent = recordMail(ctx.app);
    ctx.app.get("/auth/reset_password/:token/boom", async () => {
      throw new Error("boom");
    });
    const r = await ctx.app.inject("/auth/reset_password/secret-token-value/boom");
    assert.equal(r.statusCode, 500);
    const mail = await waitFor(() => sent[0]);
    assert.match(mail.text, /GET \/auth\/reset_password\/\[redacted\]\/boom failed/);
    assert.doesNotMatch(mail.text, /secret-token-value/);
  });
});

describe("finding 2: next= is validated after normalisation", () => {
  const ctx = appFor();
  before(async () => {
    await new Client(ctx.app).register("nora");
  });
  const evil = [
    "/..//evil.example",
    "/.//evil.example",
    "/%2e%2e//evil.example",
    "/a/../..//evil.example/x",
    "/./\\evil.example",
    "/%5C%5Cevil.example",
    "/\t/evil.example",
    "//evil.example",
  ];
  it("login never redirects to another origin", async () => {
    for (const next of evil) {
      const r = await new Client(ctx.app).login("nora", undefined, { next });
      assert.equal(r.statusCode, 302);
      assert.equal(r.headers.location, "/", `next=${JSON.stringify(next)}`);
    }
    const ok = await new Client(ctx.app).login("nora", undefined, { next: "/a/../explore?x=1" });
    assert.equal(ok.headers.location, "/explore?x=1");
  });
  it("the language switch never redirects to another origin", async () => {
    for (const next of evil) {
      const r = await new Client(ctx.app).get(`/language/es?next=${encodeURIComponent(next)}`);
      assert.equal(r.statusCode, 302);
      assert.equal(r.headers.location, "/", `next=${JSON.stringify(next)}`);
    }
  });
});

describe("finding 3: throttling uses trusted client addresses, per IP and per account", () => {
  describe("defaults (no trusted proxy)", () => {
    const ctx = appFor({ AUTH_RATE_LIMIT: "3", AUTH_ACCOUNT_RATE_LIMIT: "1000" });
    it("ignores X-Forwarded-For: rotating it does not escape the per-IP limit", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const c = new Client(ctx.app, { "x-forwarded-for": `203.0.113.${i}` });
        statuses.push((await c.login("nobody", "wrong password")).statusCode);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
    });
    it("limits registrations per IP", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const c = new Client(ctx.app, {}, "198.51.100.7");
        statuses.push((await c.register(`reg${i}`)).statusCode);
      }
      assert.deepEqual(statuses, [302, 302, 302, 429]);
    });
  });

  describe("per account", () => {
    const ctx = appFor({ AUTH_RATE_LIMIT: "1000", AUTH_ACCOUNT_RATE_LIMIT: "3" });
    for (const [what, url, form] of [
      ["login", "/auth/login", { username: "victim", password: "wrong password" }],
      ["reset request", "/auth/reset_password_request", { email: "victim@example.com" }],
      [
        "registration",
        "/auth/register",
        {
          username: "newbie",
          email: "newbie@example.com",
          password: "short",
          password2: "short",
        },
      ],
    ] as const) {
      it(`limits ${what} attempts on one account from many addresses`, async () => {
        const statuses: number[] = [];
        let last;
        for (let i = 0; i < 4; i++) {
          const c = new Client(ctx.app, {}, `192.0.2.${10 + i}`);
          last = await c.post(url, form);
          statuses.push(last.statusCode);
        }
        assert.notEqual(statuses[2], 429);
        assert.equal(statuses[3], 429);
        assert.match(text(last!.body), /Too many attempts/);
        assert.ok(Number(last!.headers["retry-after"]) > 0);
      });
    }
  });

  describe("TRUSTED_PROXIES=1 (one proxy hop, e.g. the ALB)", () => {
    const ctx = appFor({
      AUTH_RATE_LIMIT: "3",
      AUTH_ACCOUNT_RATE_LIMIT: "1000",
      TRUSTED_PROXIES: "1",
    });
    it("takes the address the proxy saw; spoofed entries before it do not help", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const c = new Client(ctx.app, { "x-forwarded-for": `10.9.9.${i}, 203.0.113.50` });
        statuses.push((await c.login(`u${i}`, "wrong password")).statusCode);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      const other = new Client(ctx.app, { "x-forwarded-for": "203.0.113.51" });
      assert.equal((await other.login("u9", "wrong password")).statusCode, 401);
    });
  });
});

describe("finding 4: sessions can be revoked (session epoch)", () => {
  const ctx = appFor();
  it("logout ends a copied (stolen) session cookie", async () => {
    const a = await signedIn(ctx.app, "olga");
    const thief = new Client(ctx.app);
    for (const [k, v] of a.cookies) thief.cookies.set(k, v);
    assert.equal((await thief.get("/")).statusCode, 200);
    assert.equal((await a.post("/auth/logout")).statusCode, 302);
    const r = await thief.get("/");
    assert.equal(r.statusCode, 302);
    assert.match(String(r.headers.location), /^\/auth\/login/);
  });
  it("a password reset ends every other session", async () => {
    const a = await signedIn(ctx.app, "pete");
    const user = (await ctx.app.repo.userByUsername("pete"))!;
    const token = await signResetToken(ctx.app.appConfig.secretKey, user);
    const c = new Client(ctx.app);
    const r = await c.post(`/auth/reset_password/${token}`, {
      password: "brand new pw 1",
      password2: "brand new pw 1",
    });
    assert.equal(r.statusCode, 302);
    assert.equal((await a.get("/")).statusCode, 302);
    const again = new Client(ctx.app);
    assert.equal((await again.login("pete", "brand new pw 1")).statusCode, 302);
    assert.equal((await again.get("/")).statusCode, 200);
  });
});

describe("finding 5: password hashing cost and login timing", () => {
  const ctx = appFor();
  it("hashes with OWASP's scrypt parameters (N=2^17, r=8, p=1)", async () => {
    assert.match(await hashPassword("some password"), /^scrypt\$131072\$8\$1\$/);
  });
  it("re-hashes an old, cheaper hash on a successful login", async () => {
    await new Client(ctx.app).register("quinn");
    const user = (await ctx.app.repo.userByUsername("quinn"))!;
    const salt = randomBytes(16);
    const key = scryptSync("correct horse 1", salt, 32, { N: 16384, r: 8, p: 1 });
    const old = ["scrypt", 16384, 8, 1, salt.toString("base64"), key.toString("base64")].join("$");
    await ctx.app.repo.db("users").where({ id: user.id }).update({ password_hash: old });
    assert.equal((await new Client(ctx.app).login("quinn")).statusCode, 302);
    const after = (await ctx.app.repo.userByUsername("quinn"))!;
    assert.match(after.password_hash, /^scrypt\$131072\$8\$1\$/);
    assert.equal((await new Client(ctx.app).login("quinn")).statusCode, 302);
  });
  it("an unknown username costs as much as a wrong password", async () => {
    await new Client(ctx.app).register("rosa");
    const time = async (username: string) => {
      const c = new Client(ctx.app);
      await c.csrf();
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = process.hrtime.bigint();
        const r = await c.login(username, "wrong password");
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
        assert.equal(r.statusCode, 401);
      }
      return samples.sort((x, y) => x - y)[1]!;
    };
    const known = await time("rosa");
    const unknown = await time("nobody-at-all");
    const tooLong = await time("x".repeat(100));
    assert.ok(unknown > known * 0.5, `unknown ${unknown} ms vs known ${known} ms`);
    assert.ok(tooLong > known * 0.5, `long ${tooLong} ms vs known ${known} ms`);
  });
});

describe("finding 7: framework errors, control characters, 405", () => {
  const ctx = appFor();
  let port = 0;
  before(async () => {
    await ctx.app.listen({ port: 0, host: "127.0.0.1" });
    port = (ctx.app.server.address() as net.AddressInfo).port;
  });

  /** Sends raw bytes and returns the raw answer. */
  function raw(request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => s.write(request));
      let out = "";
      s.on("data", (d) => (out += d));
      s.on("end", () => resolve(out));
      s.on("close", () => resolve(out));
      s.on("error", reject);
      s.setTimeout(5000, () => s.destroy());
    });
  }

  function assertSecurePage(head: string, status: number) {
    assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), head.slice(0, 200));
    assert.match(head, /\r\ncontent-security-policy: [^\r]*default-src 'self'/i);
    assert.match(head, /\r\nx-content-type-options: nosniff/i);
    assert.match(head, /\r\nx-frame-options: SAMEORIGIN/i);
    assert.match(head, /\r\ncontent-type: text\/html/i);
  }

  it("431 from Node's parser: security headers and an HTML page", async () => {
    const res = await raw(
      `GET /explore HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20000)}\r\n\r\n`,
    );
    assertSecurePage(res, 431);
    assert.match(res, /<html/);
  });

  it("400 for a malformed request line: security headers and an HTML page", async () => {
    const res = await raw("GARBAGE\r\n\r\n");
    assertSecurePage(res, 400);
  });

  it("400 for bad URL encoding in the path, via the router", async () => {
    const res = await raw("GET /user/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertSecurePage(res, 400);
    assert.doesNotMatch(res, /FST_ERR|"statusCode"/);
  });

  it("414 for an over-long path parameter, via the router", async () => {
    const res = await raw(
      `GET /auth/reset_password/${"a".repeat(3000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    assertSecurePage(res, 414);
    assert.doesNotMatch(res, /FST_ERR|"statusCode"/);
  });

  it("answers unsupported methods with 405 and Allow", async () => {
    const put = await ctx.app.inject({ method: "PUT", url: "/explore" });
    assert.equal(put.statusCode, 405);
    assert.equal(put.headers.allow, "GET, HEAD");
    assert.match(String(put.headers["content-security-policy"]), /default-src 'self'/);
    const del = await ctx.app.inject({ method: "DELETE", url: "/auth/login" });
    assert.equal(del.statusCode, 405);
    assert.equal(del.headers.allow, "GET, HEAD, POST");
    const getLogout = await ctx.app.inject({ method: "GET", url: "/auth/logout" });
    assert.equal(getLogout.statusCode, 405);
    assert.equal(getLogout.headers.allow, "POST");
    const param = await ctx.app.inject({ method: "PATCH", url: "/user/someone" });
    assert.equal(param.statusCode, 405);
    assert.equal((await ctx.app.inject({ method: "PUT", url: "/no/such/page" })).statusCode, 404);
  });

  it("strips NUL, other control characters and bidi overrides from stored input", async () => {
    const c = await signedIn(ctx.app, "tess");
    const evil = "safe\u0000 text \u202Egnp.exe\u202C and \u2066iso\u2069 \u0007bell\u009b";
    assert.equal((await c.post("/", { post: evil })).statusCode, 302);
    const stored = await ctx.app.repo.db("posts").first("body");
    assert.equal(stored.body, "safe text gnp.exe and iso bell");
    const p = await c.post("/edit_profile", { username: "tess", about_me: "line1\r\nline2\u0000" });
    assert.equal(p.statusCode, 302);
    const user = (await ctx.app.repo.userByUsername("tess"))!;
    assert.equal(user.about_me, "line1\r\nline2");
    const page = (await c.get("/explore")).body;
    assert.doesNotMatch(page, /[\u0000\u202E\u2066]/);
    const bad = await new Client(ctx.app).register("bad\u0000name");
    assert.equal(bad.statusCode, 302);
    assert.ok(await ctx.app.repo.userByUsername("badname"));
  });
});
