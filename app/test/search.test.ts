/**
 * Search against a real engine (OpenSearch 2 or Elasticsearch 8) named by TEST_SEARCH_URL, in a
 * throw-away index; the search outbox catching up on that engine after an outage; plus the
 * behaviour with the engine down (always runs: nothing listens on :9).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { Knex } from "knex";
import { Repository } from "../src/db/repository.js";
import { SearchEngine } from "../src/search/engine.js";
import { REBUILD_LOCK, rebuildMissingIndex } from "../src/search/heal.js";
import { Client, freshDatabase, makeApp, signedIn, text } from "./helpers.js";
import { PortSwitch } from "./search-fake.js";

const url = process.env.TEST_SEARCH_URL?.replace(/\/+$/, "");

describe(
  "search with a real engine",
  { skip: url ? false : "TEST_SEARCH_URL not set (harness/services/opensearch.sh start)" },
  () => {
    const index = `test-posts-${randomBytes(4).toString("hex")}`;
    let app: FastifyInstance;
    let database: { url: string; db: Knex };
    let alice: Client;

    const ids = async (q: string, page = 1) => {
      const r = await new Client(app).get(`/search?q=${encodeURIComponent(q)}&page=${page}`);
      assert.equal(r.statusCode, 200);
      return {
        body: r.body,
        ids: [...r.body.matchAll(/id="post-(\d+)"/g)].map((m) => Number(m[1])),
      };
    };

    before(async () => {
      database = await freshDatabase();
      app = await makeApp(database, {
        ELASTICSEARCH_URL: url!,
        SEARCH_INDEX: index,
        POSTS_PER_PAGE: "2",
      });
      alice = await signedIn(app, "alice");
    });
    after(async () => {
      await fetch(`${url}/${index}`, { method: "DELETE" });
      await app.close();
      await database.db.destroy();
    });

    it("reports the engine as up in /readyz", async () => {
      const r = await app.inject("/readyz");
      assert.equal(r.json().search, "up");
    });

    it("indexes new posts and returns them in the engine's ranking, paginated", async () => {
      for (const body of [
        "penguins penguins penguins on the ice",
        "a single penguin walks by",
        "nothing about birds here",
        "penguins and more penguins swim",
      ]) {
        assert.equal((await alice.post("/", { post: body })).statusCode, 302);
      }
      await app.searchEngine.refresh();
      const p1 = await ids("penguins");
      assert.match(text(p1.body), /2 results for “penguins”/);
      assert.equal(p1.ids.length, 2);
      const posts = await Promise.all(p1.ids.map((id) => app.repo.postById(id)));
      assert.ok(posts.every((p) => /penguins/.test(p!.body)));
      assert.doesNotMatch(p1.body, /rel="next"/);
      // The engine's own order for the same query, straight from its REST API.
      const raw = await fetch(`${url}/${index}/_search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: { multi_match: { query: "penguins", fields: ["body"] } } }),
      }).then((r) => r.json() as Promise<{ hits: { hits: { _id: string }[] } }>);
      assert.deepEqual(
        p1.ids,
        raw.hits.hits.map((h) => Number(h._id)),
      );
      const birds = await ids("walks birds");
      assert.equal(birds.ids.length, 2);
      assert.match(birds.body, /rel="next"|2 results/);
    });

    it("paginates search results", async () => {
      for (let i = 0; i < 3; i++) await alice.post("/", { post: `zebra number ${i}` });
      await app.searchEngine.refresh();
      const p1 = await ids("zebra");
      assert.equal(p1.ids.length, 2);
      assert.match(p1.body, /href="\/search\?q=zebra&amp;page=2"/);
      const p2 = await ids("zebra", 2);
      assert.equal(p2.ids.length, 1);
      assert.ok(!p1.ids.includes(p2.ids[0]!));
    });

    it("reindexes edited posts and drops deleted ones", async () => {
      await alice.post("/", { post: "temporary walrus" });
      await app.searchEngine.refresh();
      const [id] = (await ids("walrus")).ids;
      assert.ok(id);
      await alice.post(`/post/${id}/edit`, { post: "renamed narwhal" });
      await app.searchEngine.refresh();
      assert.deepEqual((await ids("walrus")).ids, []);
      assert.deepEqual((await ids("narwhal")).ids, [id]);
      await alice.post(`/post/${id}/delete`);
      await app.searchEngine.refresh();
      assert.deepEqual((await ids("narwhal")).ids, []);
    });

    it("rebuilds the index from the database (reindex)", async () => {
      await fetch(`${url}/${index}`, { method: "DELETE" });
      const engine = new SearchEngine(url!, index);
      const count = await engine.rebuild(new Repository(database.db).allPosts(2));
      const total = await database.db("posts").count({ n: "*" }).first();
      assert.equal(count, Number(total!.n));
      assert.equal((await ids("zebra")).ids.length, 2);
    });
  },
);

describe(
  "search outbox catching up on a real engine",
  { skip: url ? false : "TEST_SEARCH_URL not set (harness/services/opensearch.sh start)" },
  () => {
    const index = `test-outbox-${randomBytes(4).toString("hex")}`;
    let app: FastifyInstance;
    let database: { url: string; db: Knex };
    let engine: PortSwitch;

    before(async () => {
      database = await freshDatabase();
      // The app's engine URL is a closed port: the engine is down as far as the app can tell.
      engine = await PortSwitch.closedPort();
      app = await makeApp(database, {
        ELASTICSEARCH_URL: engine.url,
        SEARCH_INDEX: index,
        SEARCH_RETRY_INTERVAL: "1",
      });
    });
    after(async () => {
      await fetch(`${url}/${index}`, { method: "DELETE" });
      await app.close();
      await engine.close();
      await database.db.destroy();
    });

    it("finds every post made while the engine was unreachable, with no further write", async () => {
      const alice = await signedIn(app, "alice");
      const ids: number[] = [];
      for (const body of ["otter one", "otter two", "otter three", "otter four", "otter five"]) {
        const r = await alice.post("/", { post: body });
        assert.equal(r.statusCode, 302);
        assert.match(text((await alice.get("/")).body), /search could not index it yet/);
        const row = await database.db("posts").where({ body }).first("id");
        ids.push(Number(row.id));
      }
      assert.equal(
        (await alice.post(`/post/${ids[1]}/edit`, { post: "beaver two" })).statusCode,
        302,
      );
      assert.equal((await alice.post(`/post/${ids[2]}/delete`)).statusCode, 302);
      const down = (await app.inject("/readyz")).json();
      assert.equal(down.search, "down");
      assert.equal(down.search_backlog.count, 5);

      app.searchOutbox.start();
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal((await app.searchOutbox.backlog()).count, 5, "kept while unreachable");
      // The engine comes back at the same address: the port now leads to the real engine.
      await engine.forwardTo(url!);
      const deadline = Date.now() + 20_000;
      while ((await app.searchOutbox.backlog()).count > 0) {
        assert.ok(Date.now() < deadline, "the outbox did not drain within 20 s");
        await new Promise((r) => setTimeout(r, 100));
      }
      await fetch(`${url}/${index}/_refresh`, { method: "POST" });
      const found = async (q: string) => {
        const res = await fetch(`${url}/${index}/_search`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: { match: { body: q } }, size: 100 }),
        });
        const json = (await res.json()) as { hits: { hits: { _id: string }[] } };
        return json.hits.hits.map((h) => Number(h._id)).sort((a, b) => a - b);
      };
      assert.deepEqual(await found("otter"), [ids[0], ids[3], ids[4]]);
      assert.deepEqual(await found("beaver"), [ids[1]]);
      // And through the app's own search page.
      const page = await new Client(app).get("/search?q=otter%20beaver");
      assert.equal(page.statusCode, 200);
      const shown = [...page.body.matchAll(/id="post-(\d+)"/g)].map((m) => Number(m[1]));
      assert.deepEqual(
        shown.sort((a, b) => a - b),
        [ids[0], ids[1], ids[3], ids[4]],
      );
      const up = (await app.inject("/readyz")).json();
      assert.equal(up.search, "up");
      assert.deepEqual(up.search_backlog, { count: 0, oldest_age_seconds: null });
    });
  },
);

describe("search with the engine down", () => {
  let app: FastifyInstance;
  let database: { url: string; db: Knex };

  before(async () => {
    database = await freshDatabase();
    app = await makeApp(database, { ELASTICSEARCH_URL: "http://127.0.0.1:9" });
  });
  after(async () => {
    await app.close();
    await database.db.destroy();
  });

  it("still accepts posts, keeps the index write in the outbox and says so", async () => {
    const c = await signedIn(app, "alice");
    const r = await c.post("/", { post: "posted while search is down" });
    assert.equal(r.statusCode, 302);
    const home = text((await c.get("/")).body);
    assert.match(home, /Your post is now live!/);
    assert.match(home, /search could not index it yet/);
    assert.equal((await app.searchOutbox.backlog()).count, 1);
    assert.match((await c.get("/explore")).body, /posted while search is down/);
  });

  it("answers the search page with 503 and a clear message", async () => {
    const r = await new Client(app).get("/search?q=anything");
    assert.equal(r.statusCode, 503);
    assert.match(text(r.body), /Search is temporarily unavailable/);
  });

  it("reports search down in /readyz while the app stays ready", async () => {
    const r = await app.inject("/readyz");
    assert.equal(r.statusCode, 200);
    const body = r.json();
    assert.equal(body.status, "ok");
    assert.equal(body.database, "up");
    assert.equal(body.search, "down");
    assert.equal(body.search_backlog.count, 1);
    assert.equal(typeof body.search_backlog.oldest_age_seconds, "number");
  });
});

describe(
  "a missing index is rebuilt at start (a new engine, a lost volume, searchEngine switched)",
  { skip: url ? false : "TEST_SEARCH_URL not set (harness/services/opensearch.sh start)" },
  () => {
    const quiet = { info: () => {}, warn: () => {} };
    const seeded = async (mysqlUrl?: string) => {
      const database = await freshDatabase(mysqlUrl);
      const repo = new Repository(database.db);
      const user = await repo.createUser({ username: "heal", email: "h@x.io", passwordHash: "x" });
      for (let i = 0; i < 5; i++) await repo.createPost(user, `heron number ${i}`, "en");
      return database;
    };

    it("rebuilds it from every post, once, and leaves an existing index alone", async () => {
      const index = `test-heal-${randomBytes(4).toString("hex")}`;
      const database = await seeded();
      const search = new SearchEngine(url!, index);
      try {
        const first = await rebuildMissingIndex({ db: database.db, search, log: quiet });
        assert.equal(first, "rebuilt");
        await search.refresh();
        assert.equal((await search.query("heron", 1, 10)).total, 5);
        assert.equal(await rebuildMissingIndex({ db: database.db, search, log: quiet }), "present");
      } finally {
        await fetch(`${url}/${index}`, { method: "DELETE" });
        await database.db.destroy();
      }
    });

    it("creates nothing when there are no posts", async () => {
      const index = `test-heal-${randomBytes(4).toString("hex")}`;
      const database = await freshDatabase();
      const search = new SearchEngine(url!, index);
      try {
        assert.equal(
          await rebuildMissingIndex({ db: database.db, search, log: quiet }),
          "no posts",
        );
        assert.equal(await search.indexExists(), false);
      } finally {
        await database.db.destroy();
      }
    });

    it(
      "leaves the rebuild to the instance holding the lock (MariaDB)",
      { skip: process.env.TEST_MYSQL_URL ? false : "TEST_MYSQL_URL not set" },
      async () => {
        const index = `test-heal-${randomBytes(4).toString("hex")}`;
        const database = await seeded(process.env.TEST_MYSQL_URL);
        const search = new SearchEngine(url!, index);
        try {
          await database.db.transaction(async (other) => {
            await other.raw("SELECT GET_LOCK(?, 0)", [REBUILD_LOCK]);
            assert.equal(
              await rebuildMissingIndex({ db: database.db, search, log: quiet }),
              "busy",
            );
            await other.raw("SELECT RELEASE_LOCK(?)", [REBUILD_LOCK]);
          });
          assert.equal(
            await rebuildMissingIndex({ db: database.db, search, log: quiet }),
            "rebuilt",
          );
        } finally {
          await fetch(`${url}/${index}`, { method: "DELETE" });
          await database.db.destroy();
        }
      },
    );
  },
);

describe("a missing index with the engine down", () => {
  it("gives up after the wait without touching anything", async () => {
    const engine = await PortSwitch.closedPort();
    const database = await freshDatabase();
    try {
      const search = new SearchEngine(engine.url, "posts");
      const log = { info: () => {}, warn: () => {} };
      const r = await rebuildMissingIndex({
        db: database.db,
        search,
        log,
        waitMs: 300,
        pollMs: 50,
      });
      assert.equal(r, "unreachable");
    } finally {
      await engine.close();
      await database.db.destroy();
    }
  });
});
