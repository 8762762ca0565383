/**
 * Route tests through `inject`, shared by the SQLite and MariaDB runs: every page, and every bad
 * input answered with a clear message and a 4xx, never a 500.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { Knex } from "knex";
import { signResetToken } from "../src/auth/tokens.js";
import { Client, freshDatabase, makeApp, signedIn, testConfig, text } from "./helpers.js";

/** Defines the suite; `mysqlUrl` undefined means a temp SQLite file. */
export function defineRouteTests(label: string, mysqlUrl?: string): void {
  describe(`routes on ${label}`, () => {
    let app: FastifyInstance;
    let database: { url: string; db: Knex };
    let alice: Client;
    let bob: Client;

    before(async () => {
      database = await freshDatabase(mysqlUrl);
      app = await makeApp(database, { POSTS_PER_PAGE: "3" });
      app.get("/boom", async () => {
        throw new Error("secret internal detail");
      });
      alice = await signedIn(app, "alice");
      bob = await signedIn(app, "bob");
    });
    after(async () => {
      await app.close();
      await database.db.destroy();
    });

    it("serves /healthz and /readyz without login", async () => {
      const h = await app.inject("/healthz");
      assert.equal(h.statusCode, 200);
      assert.deepEqual(h.json(), { status: "ok" });
      const r = await app.inject("/readyz");
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), {
        status: "ok",
        database: "up",
        search: "disabled",
        search_backlog: { count: 0, oldest_age_seconds: null },
      });
      assert.equal(h.headers["set-cookie"], undefined);
    });

    it("redirects anonymous users from the home page to the login page with next", async () => {
      const r = await new Client(app).get("/");
      assert.equal(r.statusCode, 302);
      assert.equal(r.headers.location, "/auth/login?next=%2F");
    });

    it("registers a user and says so", async () => {
      const c = new Client(app);
      const r = await c.register("carol");
      assert.equal(r.statusCode, 302);
      assert.equal(r.headers.location, "/auth/login");
      const page = await c.get("/auth/login");
      assert.match(text(page.body), /Congratulations, you are now a registered user!/);
    });

    const badRegistrations: [string, Record<string, string>, number, RegExp][] = [
      ["all empty", {}, 400, /This field is required\./],
      ["bad username", { username: "a b", email: "x@example.com" }, 400, /Use 3 to 64 letters/],
      ["long username", { username: "u".repeat(65), email: "y@example.com" }, 400, /Use 3 to 64/],
      ["bad email", { username: "dave", email: "not-an-email" }, 400, /valid email address/],
      [
        "short password",
        { username: "dave", password: "short", password2: "short" },
        400,
        /8 to 128/,
      ],
      [
        "mismatch",
        { username: "dave", password: "longenough1", password2: "longenough2" },
        400,
        /do not match/,
      ],
      [
        "duplicate username",
        { username: "ALICE", email: "new@example.com" },
        409,
        /username is taken/,
      ],
      [
        "duplicate email",
        { username: "alice2", email: "Alice@example.com" },
        409,
        /already registered/,
      ],
    ];
    for (const [name, form, status, message] of badRegistrations) {
      it(`rejects registration: ${name} (${status})`, async () => {
        const full = {
          email: "dave@example.com",
          password: "longenough1",
          password2: "longenough1",
          ...form,
        };
        if (name === "all empty")
          for (const k of Object.keys(full)) delete (full as Record<string, string>)[k];
        const r = await new Client(app).post("/auth/register", full);
        assert.equal(r.statusCode, status);
        assert.match(text(r.body), message);
      });
    }

    it("answers a JSON body with wrong types with 400, not 500", async () => {
      const c = new Client(app);
      const token = await c.csrf();
      const r = await app.inject({
        method: "POST",
        url: "/auth/register",
        headers: {
          cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
          "content-type": "application/json",
        },
        payload: JSON.stringify({ _csrf: token, username: ["x"], email: { a: 1 }, password: 5 }),
      });
      assert.equal(r.statusCode, 400);
      assert.match(text(r.body), /This field is required/);
    });

    it("rejects forms without or with a forged CSRF token (403)", async () => {
      const c = new Client(app);
      const missing = await c.post(
        "/auth/login",
        { username: "alice", password: "x" },
        { csrf: false },
      );
      assert.equal(missing.statusCode, 403);
      assert.match(text(missing.body), /security token/);
      await c.csrf();
      const forged = await c.post("/auth/login", {
        username: "alice",
        password: "x",
        _csrf: "forged",
      });
      assert.equal(forged.statusCode, 403);
      const posted = await alice.post("/", { post: "no token" }, { csrf: false });
      assert.equal(posted.statusCode, 403);
    });

    it("rejects wrong, unknown and empty logins", async () => {
      const c = new Client(app);
      const wrong = await c.login("alice", "wrong password");
      assert.equal(wrong.statusCode, 401);
      assert.match(text(wrong.body), /Invalid username or password\./);
      const unknown = await c.login("nobody", "whatever1");
      assert.equal(unknown.statusCode, 401);
      const empty = await c.post("/auth/login", {});
      assert.equal(empty.statusCode, 400);
      assert.match(text(empty.body), /This field is required/);
      const long = await c.login("x".repeat(5000), "whatever1");
      assert.equal(long.statusCode, 401);
    });

    it("follows only local next paths after login", async () => {
      for (const [next, expected] of [
        ["/user/bob", "/user/bob"],
        ["//evil.example/x", "/"],
        ["https://evil.example/", "/"],
        ["/\\evil.example", "/"],
      ]) {
        const c = new Client(app);
        const r = await c.login("alice", undefined, { next: next! });
        assert.equal(r.statusCode, 302);
        assert.equal(r.headers.location, expected, `next=${next}`);
      }
    });

    it("sets a signed HttpOnly SameSite session cookie; remember me makes it persistent", async () => {
      const plain = await new Client(app).login("alice");
      const cookie = String(plain.headers["set-cookie"]);
      assert.match(cookie, /session=/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.doesNotMatch(cookie, /Max-Age/);
      const remembered = await new Client(app).login("alice", undefined, { remember_me: "y" });
      assert.match(String(remembered.headers["set-cookie"]), /Max-Age=2592000/);
    });

    it("logs out with POST (CSRF protected)", async () => {
      const c = await signedIn(app, "erin");
      const r = await c.post("/auth/logout");
      assert.equal(r.statusCode, 302);
      assert.equal((await c.get("/")).statusCode, 302);
    });

    it("posts, detects the language, and shows posts on home, profile and explore", async () => {
      const r = await alice.post("/", {
        post: "Hola a todos, esta es mi primera publicación aquí",
      });
      assert.equal(r.statusCode, 302);
      const home = await alice.get("/");
      assert.match(text(home.body), /Your post is now live!/);
      assert.match(home.body, /data-lang="spa"/);
      assert.match((await new Client(app).get("/explore")).body, /mi primera publicación/);
      assert.match((await alice.get("/user/alice")).body, /mi primera publicación/);
    });

    it("rejects empty and too-long posts, accepts exactly 140 characters", async () => {
      const empty = await alice.post("/", { post: "   " });
      assert.equal(empty.statusCode, 400);
      assert.match(text(empty.body), /This field is required/);
      const long = await alice.post("/", { post: "x".repeat(141) });
      assert.equal(long.statusCode, 400);
      assert.match(text(long.body), /at most 140 characters/);
      const exact = await alice.post("/", { post: "é".repeat(139) + "🙂" });
      assert.equal(exact.statusCode, 302);
    });

    it("escapes user content in templates", async () => {
      await bob.post("/", { post: "<script>alert(1)</script> & friends" });
      const page = await new Client(app).get("/explore");
      assert.doesNotMatch(page.body, /<script>alert/);
      assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; friends/);
    });

    it("follows and unfollows; the timeline shows followed users' posts newest first", async () => {
      await bob.post("/", { post: "bob's timeline post" });
      assert.doesNotMatch((await alice.get("/")).body, /bob&#39;s timeline post/);
      const f = await alice.post("/follow/bob");
      assert.equal(f.statusCode, 302);
      assert.equal(f.headers.location, "/user/bob");
      const home = await alice.get("/");
      assert.match(home.body, /bob&#39;s timeline post/);
      assert.match(text(home.body), /You are following bob!/);
      const profile = text((await alice.get("/user/bob")).body);
      assert.match(profile, /1 followers · 0 following/);
      assert.match(profile, /Unfollow/);
      assert.match(text((await alice.get("/user/alice")).body), /0 followers · 1 following/);
      await alice.post("/unfollow/bob");
      assert.doesNotMatch((await alice.get("/")).body, /bob&#39;s timeline post/);
    });

    it("refuses to follow oneself (400) or a missing user (404), and needs login", async () => {
      const self = await alice.post("/follow/alice");
      assert.equal(self.statusCode, 400);
      assert.match(text(self.body), /You cannot follow yourself!/);
      const missing = await alice.post("/follow/nobody");
      assert.equal(missing.statusCode, 404);
      assert.match(text(missing.body), /User not found/);
      const anon = await new Client(app).post("/follow/bob");
      assert.equal(anon.statusCode, 302);
    });

    it("shows a profile with avatar, about me, last seen; 404 for unknown users", async () => {
      const r = await alice.post("/edit_profile", {
        username: "alice",
        about_me: "I like <b>tea</b>",
      });
      assert.equal(r.statusCode, 302);
      const page = await new Client(app).get("/user/alice");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /gravatar\.com\/avatar\/[0-9a-f]{32}\?d=identicon&amp;s=128/);
      assert.match(page.body, /I like &lt;b&gt;tea&lt;\/b&gt;/);
      assert.match(text(page.body), /Last seen: (now|\d+ (second|minute)s? ago)/);
      const missing = await new Client(app).get("/user/nobody");
      assert.equal(missing.statusCode, 404);
      assert.match(text(missing.body), /User not found/);
    });

    it("validates the profile form", async () => {
      const long = await alice.post("/edit_profile", {
        username: "alice",
        about_me: "a".repeat(141),
      });
      assert.equal(long.statusCode, 400);
      assert.match(text(long.body), /at most 140/);
      const taken = await alice.post("/edit_profile", { username: "Bob", about_me: "" });
      assert.equal(taken.statusCode, 409);
      assert.match(text(taken.body), /username is taken/);
      const bad = await alice.post("/edit_profile", { username: "", about_me: "" });
      assert.equal(bad.statusCode, 400);
    });

    it("paginates every list with the configured page size", async () => {
      const c = await signedIn(app, "pager");
      for (let i = 1; i <= 7; i++) await c.post("/", { post: `pager post ${i}` });
      const p1 = await c.get("/user/pager");
      assert.equal((p1.body.match(/class="post"/g) ?? []).length, 3);
      assert.match(p1.body, /pager post 7/);
      // The "older" link carries page 2 and a keyset cursor after the last post shown.
      const next = /href="(\/user\/pager\?page=2&amp;before=\d+-\d+)"/.exec(p1.body)?.[1];
      assert.ok(next, "older-posts link with a cursor");
      const p2 = await c.get(next.replace(/&amp;/g, "&"));
      assert.deepEqual(
        [...p2.body.matchAll(/pager post (\d)/g)].map((m) => m[1]),
        ["4", "3", "2"],
      );
      assert.match(p2.body, /href="\/user\/pager\?page=1"/);
      const p3 = await c.get("/user/pager?page=3");
      assert.equal((p3.body.match(/class="post"/g) ?? []).length, 1);
      assert.match(p3.body, /pager post 1/);
      assert.doesNotMatch(p3.body, /rel="next"/);
      assert.match((await c.get("/?page=2")).body, /pager post 4/);
      assert.match((await c.get("/explore?page=1")).body, /rel="next"/);
      for (const bad of ["0", "abc", "-1", "99999999"]) {
        const r = await c.get(`/explore?page=${bad}`);
        assert.equal(r.statusCode, 400, bad);
        assert.match(text(r.body), /Invalid page number/);
      }
    });

    it("edits and deletes only one's own posts", async () => {
      await bob.post("/", { post: "bob will edit this" });
      const id = /\/post\/(\d+)\/edit/.exec((await bob.get("/user/bob")).body)![1];
      assert.equal((await alice.get(`/post/${id}/edit`)).statusCode, 403);
      assert.equal((await alice.post(`/post/${id}/delete`)).statusCode, 403);
      assert.equal((await bob.get("/post/999999/edit")).statusCode, 404);
      assert.equal((await bob.get("/post/abc/edit")).statusCode, 404);
      const tooLong = await bob.post(`/post/${id}/edit`, { post: "y".repeat(141) });
      assert.equal(tooLong.statusCode, 400);
      assert.equal(
        (await bob.post(`/post/${id}/edit`, { post: "bob edited this" })).statusCode,
        302,
      );
      assert.match((await bob.get("/user/bob")).body, /bob edited this/);
      assert.equal((await bob.post(`/post/${id}/delete`)).statusCode, 302);
      assert.doesNotMatch((await bob.get("/user/bob")).body, /bob edited this/);
    });

    it("answers the reset request the same whether or not the email exists", async () => {
      const known = await new Client(app).post("/auth/reset_password_request", {
        email: "alice@example.com",
      });
      const unknown = await new Client(app).post("/auth/reset_password_request", {
        email: "nobody@example.com",
      });
      assert.equal(known.statusCode, 302);
      assert.equal(unknown.statusCode, 302);
      assert.equal(known.headers.location, unknown.headers.location);
      const bad = await new Client(app).post("/auth/reset_password_request", { email: "nope" });
      assert.equal(bad.statusCode, 400);
      assert.match(text(bad.body), /valid email address/);
    });

    it("resets a password with a valid token; rejects forged, expired and used tokens", async () => {
      await signedIn(app, "frank");
      const user = await app.repo.userByUsername("frank");
      const token = await signResetToken(app.appConfig.secretKey, user!);
      const c = new Client(app);
      assert.equal((await c.get(`/auth/reset_password/${token}`)).statusCode, 200);
      const mismatch = await c.post(`/auth/reset_password/${token}`, {
        password: "newpassword1",
        password2: "other",
      });
      assert.equal(mismatch.statusCode, 400);
      assert.match(text(mismatch.body), /do not match/);
      const ok = await c.post(`/auth/reset_password/${token}`, {
        password: "newpassword1",
        password2: "newpassword1",
      });
      assert.equal(ok.statusCode, 302);
      assert.equal((await c.login("frank", "newpassword1")).statusCode, 302);
      const reused = await new Client(app).get(`/auth/reset_password/${token}`);
      assert.equal(reused.statusCode, 400);
      assert.match(text(reused.body), /invalid or has expired/);
      const other = testConfig({ SECRET_KEY: "another-secret-key-0123456789" }).secretKey;
      const forged = await signResetToken(other, user!);
      assert.equal((await new Client(app).get(`/auth/reset_password/${forged}`)).statusCode, 400);
      const fresh = (await app.repo.userByUsername("frank"))!;
      const old = await signResetToken(
        app.appConfig.secretKey,
        fresh,
        Math.floor(Date.now() / 1000) - 601,
      );
      const expired = await new Client(app).post(`/auth/reset_password/${old}`, {
        password: "x".repeat(9),
        password2: "x".repeat(9),
      });
      assert.equal(expired.statusCode, 400);
      assert.match(text(expired.body), /invalid or has expired/);
      assert.equal((await new Client(app).get("/auth/reset_password/garbage")).statusCode, 400);
    });

    it("renders 404 and 500 pages without internals", async () => {
      const nf = await new Client(app).get("/no/such/page");
      assert.equal(nf.statusCode, 404);
      assert.match(text(nf.body), /Page not found/);
      const boom = await new Client(app).get("/boom");
      assert.equal(boom.statusCode, 500);
      assert.match(text(boom.body), /An unexpected error has occurred/);
      assert.doesNotMatch(boom.body, /secret internal detail|at .*\.ts/);
    });

    it("speaks Spanish from Accept-Language or the language switch, with relative dates", async () => {
      const es = new Client(app, { "accept-language": "es-ES,es;q=0.9,en;q=0.5" });
      const page = await es.get("/explore");
      assert.equal(page.headers["content-language"], "es");
      assert.match(text(page.body), /Explorar/);
      assert.match(text(page.body), /hace \d+ (segundos?|minutos?)|ahora/);
      const en = new Client(app);
      assert.match(text((await en.get("/explore")).body), /Explore/);
      const sw = await en.get("/language/es?next=/explore");
      assert.equal(sw.statusCode, 302);
      assert.equal(sw.headers.location, "/explore");
      assert.match(text((await en.get("/explore")).body), /Explorar/);
      await en.get("/language/auto");
      assert.match(text((await en.get("/explore")).body), /Explore/);
      const bad = await en.get("/language/xx");
      assert.equal(bad.statusCode, 400);
      assert.match(text(bad.body), /Unsupported language/);
      const evil = await en.get("/language/en?next=//evil.example");
      assert.equal(evil.headers.location, "/");
    });

    it("search is off without ELASTICSEARCH_URL and says so", async () => {
      const r = await new Client(app).get("/search?q=hello");
      assert.equal(r.statusCode, 200);
      assert.match(text(r.body), /Search is not enabled/);
    });

    it("sends security headers", async () => {
      const r = await new Client(app).get("/explore");
      assert.match(String(r.headers["content-security-policy"]), /default-src 'self'/);
      assert.equal(r.headers["x-content-type-options"], "nosniff");
      assert.equal(r.headers["x-frame-options"], "SAMEORIGIN");
    });

    it("answers unsupported bodies with 4xx", async () => {
      const r = await app.inject({
        method: "POST",
        url: "/auth/login",
        headers: { "content-type": "application/xml" },
        payload: "<x/>",
      });
      assert.equal(r.statusCode, 415);
      const big = await app.inject({
        method: "POST",
        url: "/auth/login",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: "a=" + "x".repeat(70000),
      });
      assert.equal(big.statusCode, 413);
    });
  });
}
