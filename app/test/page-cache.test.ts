/**
 * The public-page micro-cache (explore, user pages, search): anonymous visitors only, per
 * language.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { Knex } from "knex";
import { Client, freshDatabase, makeApp, signedIn } from "./helpers.js";

describe("public page cache", () => {
  let app: FastifyInstance;
  let database: { url: string; db: Knex };

  before(async () => {
    database = await freshDatabase();
    app = await makeApp(database, { PAGE_CACHE_SECONDS: "60" });
  });
  after(async () => {
    await app.close();
    await database.db.destroy();
  });

  it("serves anonymous explore pages from the cache, never signed-in ones", async () => {
    const anon = new Client(app);
    const first = await anon.get("/explore");
    assert.equal(first.headers["x-page-cache"], undefined);
    const user = await signedIn(app, "alice");
    await user.post("/", { post: "fresh post" });
    const cached = await anon.get("/explore");
    assert.equal(cached.headers["x-page-cache"], "hit");
    assert.doesNotMatch(cached.body, /fresh post/);
    const own = await user.get("/explore");
    assert.equal(own.headers["x-page-cache"], undefined);
    assert.match(own.body, /fresh post/);
    assert.match(own.body, /Log out/);
    const es = await new Client(app, { "accept-language": "es" }).get("/explore");
    assert.equal(es.headers["x-page-cache"], undefined);
    assert.match(es.body, /fresh post/);
  });

  it("serves anonymous searches from the cache, per query, never signed-in ones", async () => {
    const anon = new Client(app);
    assert.equal((await anon.get("/search?q=zebra")).headers["x-page-cache"], undefined);
    assert.equal((await anon.get("/search?q=zebra")).headers["x-page-cache"], "hit");
    assert.equal((await anon.get("/search?q=okapi")).headers["x-page-cache"], undefined);
    const user = await signedIn(app, "searcher");
    await user.get("/search?q=zebra");
    assert.equal((await user.get("/search?q=zebra")).headers["x-page-cache"], undefined);
  });

  it("renders a page once when many anonymous requests arrive together", async () => {
    const res = await Promise.all(
      Array.from({ length: 10 }, () =>
        app.inject({ url: "/explore?page=1", headers: { "accept-language": "en" } }),
      ),
    );
    assert.ok(res.every((r) => r.statusCode === 200));
    const hits = res.filter((r) => r.headers["x-page-cache"] === "hit").length;
    assert.equal(hits, 9);
  });

  it("does not cache 404s or pages carrying flash messages", async () => {
    const anon = new Client(app);
    await anon.get("/user/nobody");
    assert.equal((await anon.get("/user/nobody")).statusCode, 404);
    await anon.register("bob");
    const page = await anon.get("/explore");
    assert.equal(page.headers["x-page-cache"], undefined);
  });
});
