/**
 * The durable search outbox against an in-memory engine that goes down and comes back (SQLite,
 * and MariaDB when TEST_MYSQL_URL is set): no post change made during an outage is lost,
 * whatever happens to the request that made it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { Knex } from "knex";
import {
  OUTBOX_TABLE,
  SearchOutbox,
  backoffMs,
  enqueueSearch,
  type OutboxRow,
} from "../src/search/outbox.js";
import { Client, freshDatabase, makeApp, signedIn, text } from "./helpers.js";
import { FakeSearchEngine } from "./search-fake.js";

async function waitFor(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The suite; `mysqlUrl` undefined means a temp SQLite file. */
function defineOutboxTests(label: string, mysqlUrl?: string): void {
  describe(`search outbox on ${label}, with an engine that fails, then recovers`, () => {
    let fake: FakeSearchEngine;
    let database: { url: string; db: Knex };
    let app: FastifyInstance;
    let alice: Client;
    const env = () => ({ ELASTICSEARCH_URL: fake.url, SEARCH_RETRY_INTERVAL: "1" });
    const extraApps: FastifyInstance[] = [];
    /** Another process on the same database: a replica, or this one after a restart. */
    const otherProcess = async (opts: Parameters<typeof makeApp>[2] = {}) => {
      const other = await makeApp(database, env(), opts);
      extraApps.push(other);
      return other;
    };

    const post = async (body: string): Promise<number> => {
      const r = await alice.post("/", { post: body });
      assert.equal(r.statusCode, 302);
      const row = await database.db("posts").where({ body }).orderBy("id", "desc").first("id");
      return Number(row.id);
    };
    const edit = async (id: number, body: string) =>
      assert.equal((await alice.post(`/post/${id}/edit`, { post: body })).statusCode, 302);
    const remove = async (id: number) =>
      assert.equal((await alice.post(`/post/${id}/delete`)).statusCode, 302);
    /** Post ids the app's search page shows for a word. */
    const searchIds = async (q: string) => {
      const r = await new Client(app).get(`/search?q=${encodeURIComponent(q)}`);
      assert.equal(r.statusCode, 200);
      return [...r.body.matchAll(/id="post-(\d+)"/g)]
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b);
    };
    const rows = async (): Promise<OutboxRow[]> =>
      database.db(OUTBOX_TABLE).orderBy("post_id").select();
    const readyz = async () => {
      const r = await app.inject("/readyz");
      assert.equal(r.statusCode, 200, "search trouble never makes the app unready");
      return r.json() as {
        search: string;
        search_backlog: { count: number; oldest_age_seconds: number | null };
      };
    };

    before(async () => {
      fake = await new FakeSearchEngine().start();
      database = await freshDatabase(mysqlUrl);
      app = await makeApp(database, env(), { searchOutbox: { maxBackoffMs: 2000 } });
      alice = await signedIn(app, "alice");
    });
    after(async () => {
      for (const a of extraApps) await a.close();
      await app.close();
      await database.db.destroy();
      await fake.close();
    });

    it("indexes at once while the engine is up and leaves no outbox row", async () => {
      const id = await post("hello outbox");
      assert.deepEqual(fake.find("hello"), [id]);
      assert.deepEqual(await rows(), []);
      assert.deepEqual((await readyz()).search_backlog, { count: 0, oldest_age_seconds: null });
    });

    it("writes the outbox row in the post's own transaction", async () => {
      const before = await database.db("posts").count({ n: "*" }).first();
      await database.db.schema.renameTable(OUTBOX_TABLE, "outbox_away");
      try {
        const r = await alice.post("/", { post: "must not exist without its outbox row" });
        assert.equal(r.statusCode, 500);
      } finally {
        await database.db.schema.renameTable("outbox_away", OUTBOX_TABLE);
      }
      const after = await database.db("posts").count({ n: "*" }).first();
      assert.equal(Number(after!.n), Number(before!.n), "the post insert was rolled back");
    });

    it("makes every post of an outage searchable after recovery, with no further write", async () => {
      fake.up = false;
      const ids: number[] = [];
      for (let i = 1; i <= 5; i++) {
        ids.push(await post(`outage kiwi number ${i}`));
        const home = text((await alice.get("/")).body);
        assert.match(home, /search could not index it yet/);
      }
      const during = await readyz();
      assert.equal(during.search, "down");
      assert.equal(during.search_backlog.count, 5);
      assert.equal(typeof during.search_backlog.oldest_age_seconds, "number");
      assert.ok((await rows()).every((r) => r.operation === "index" && r.attempts === 1));
      // The server's own drainer (SEARCH_RETRY_INTERVAL=1), in a process started for this test.
      const server = await otherProcess({ searchOutbox: { maxBackoffMs: 2000 } });
      server.searchOutbox.start();
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await rows()).length, 5, "nothing is lost while the engine stays down");
      fake.up = true;
      await waitFor("the outbox to drain", async () => (await rows()).length === 0);
      assert.deepEqual(await searchIds("kiwi"), ids);
      assert.deepEqual((await readyz()).search_backlog, { count: 0, oldest_age_seconds: null });
      await server.close();
    });

    it("ends edits and deletes made during an outage in the right final state", async () => {
      const a = await post("alpha first");
      const b = await post("bravo first");
      const c = await post("charlie first");
      fake.up = false;
      await edit(a, "alpha second");
      await edit(a, "alpha third");
      await remove(b);
      const d = await post("delta first");
      await edit(d, "delta second");
      const e = await post("echo first");
      await remove(e);
      const queued = await rows();
      assert.deepEqual(
        queued.map((r) => [r.post_id, r.operation, r.version]),
        [
          [a, "index", 2],
          [b, "delete", 1],
          [d, "index", 2],
          [e, "delete", 2],
        ],
      );
      fake.up = true;
      const pass = await app.searchOutbox.drainOnce();
      assert.deepEqual(pass, { done: 4, failed: false });
      assert.deepEqual(fake.docs.get(a)?.body, "alpha third");
      assert.equal(fake.docs.has(b), false);
      assert.deepEqual(fake.docs.get(c)?.body, "charlie first");
      assert.deepEqual(fake.docs.get(d)?.body, "delta second");
      assert.equal(fake.docs.has(e), false);
      assert.deepEqual(await searchIds("alpha"), [a]);
      assert.deepEqual(await searchIds("first"), [c]);
      assert.deepEqual(await searchIds("second"), [d]);
      assert.deepEqual(await rows(), []);
    });

    it("covers a crash between commit and index: a restarted process indexes the post", async (t) => {
      // The process dies right after the commit: the request's own attempt never runs.
      const tryNow = t.mock.method(app.searchOutbox, "tryNow", async () => false);
      const id = await post("crash lime");
      tryNow.mock.restore();
      assert.equal(fake.docs.has(id), false);
      assert.deepEqual(
        (await rows()).map((r) => [r.post_id, r.attempts]),
        [[id, 0]],
      );
      const restarted = await otherProcess();
      assert.deepEqual(await restarted.searchOutbox.drainOnce(), { done: 1, failed: false });
      assert.deepEqual(await searchIds("lime"), [id]);
      assert.deepEqual(await rows(), []);
    });

    it("covers a crash after the request claimed its row: taken over when the lease ends", async (t) => {
      // The process dies while its attempt holds the row's claim (lease 60 s by default).
      const outbox = app.searchOutbox;
      t.mock.method(outbox, "tryNow", async (postId: number) => {
        await outbox.claim(postId, false);
        return false;
      });
      const id = await post("crash mango");
      t.mock.restoreAll();
      const [row] = await rows();
      assert.ok(row?.claim_token);
      const replica = await otherProcess();
      assert.deepEqual(await replica.searchOutbox.drainOnce(), { done: 0, failed: false });
      assert.equal(fake.docs.has(id), false, "a live claim is respected");
      const later = await otherProcess({ searchOutbox: { now: () => Date.now() + 61_000 } });
      assert.deepEqual(await later.searchOutbox.drainOnce(), { done: 1, failed: false });
      assert.deepEqual(await searchIds("mango"), [id]);
      assert.deepEqual(await rows(), []);
    });

    it("lets two replicas drain the same backlog without writing any post twice", async () => {
      fake.up = false;
      const ids: number[] = [];
      for (let i = 1; i <= 6; i++) ids.push(await post(`replica papaya ${i}`));
      fake.up = true;
      fake.writes.clear();
      const [one, two] = [await otherProcess(), await otherProcess()];
      const [p1, p2] = await Promise.all([
        one.searchOutbox.drainOnce(),
        two.searchOutbox.drainOnce(),
      ]);
      assert.equal(p1.done + p2.done, 6);
      assert.deepEqual(
        ids.map((id) => fake.writes.get(id)),
        ids.map(() => 1),
      );
      assert.deepEqual(await searchIds("papaya"), ids);
      assert.deepEqual(await rows(), []);
    });

    it("keeps a change made while the drainer writes the post, and the latest text wins", async () => {
      fake.up = false;
      const id = await post("race quince old");
      fake.up = true;
      let concurrent: boolean | undefined;
      fake.onWrite = async (postId) => {
        if (postId !== id || concurrent !== undefined) return;
        fake.onWrite = null;
        // Another request edits the post while the drainer's write (old text) is in flight; its
        // own attempt finds the post claimed and leaves the change in the outbox.
        await app.repo.updatePost(id, "race quince new", "eng");
        concurrent = await app.searchOutbox.tryNow(id);
      };
      assert.deepEqual(await app.searchOutbox.drainOnce(), { done: 1, failed: false });
      assert.equal(concurrent, false);
      assert.equal(fake.docs.get(id)?.body, "race quince new");
      assert.equal(fake.writes.get(id), 2, "written once with the old text, then with the new");
      assert.deepEqual(await rows(), []);
    });

    it("backs off exponentially up to a cap while the engine stays down", async () => {
      assert.deepEqual(
        [1, 2, 3, 4, 5, 6, 40].map((n) => backoffMs(n, 5000, 60_000)),
        [5000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000],
      );
      fake.up = false;
      const id = await post("backoff fig");
      let clock = Date.now();
      const outbox = new SearchOutbox(database.db, app.searchEngine, {
        intervalMs: 1000,
        maxBackoffMs: 4000,
        now: () => clock,
      });
      const delays: number[] = [];
      for (let i = 0; i < 4; i++) {
        const before = (await rows())[0]!;
        clock = Number(before.next_attempt_at);
        assert.deepEqual(await outbox.drainOnce(), { done: 0, failed: true });
        const row = (await rows())[0]!;
        assert.equal(row.attempts, before.attempts + 1);
        delays.push(Number(row.next_attempt_at) - clock);
      }
      assert.deepEqual(delays, [2000, 4000, 4000, 4000]);
      assert.deepEqual(await app.searchOutbox.drainOnce(), { done: 0, failed: false }, "not due");
      // The engine returns; the next successful write makes every backed-off row due at once.
      fake.up = true;
      const other = await post("recovery grape");
      assert.deepEqual(await searchIds("grape"), [other]);
      assert.deepEqual(await app.searchOutbox.drainOnce(), { done: 1, failed: false });
      assert.deepEqual(await searchIds("fig"), [id]);
    });

    it("stops its drainer at once on shutdown, giving back the row it was writing", async () => {
      fake.up = false;
      await post("shutdown plum");
      fake.up = true;
      let release!: () => void;
      fake.gate = new Promise((r) => (release = r));
      let inFlight!: () => void;
      const reached = new Promise<void>((r) => (inFlight = r));
      fake.onWrite = () => inFlight();
      const server = await otherProcess();
      const attemptsBefore = (await rows())[0]!.attempts;
      server.searchOutbox.start();
      // The write is held by the gate; wait until the drainer is inside it.
      await Promise.race([reached, new Promise((r) => setTimeout(r, 5000))]);
      await new Promise((r) => setTimeout(r, 50));
      const t0 = Date.now();
      await server.close();
      const ms = Date.now() - t0;
      release();
      fake.gate = null;
      fake.onWrite = null;
      assert.ok(ms < 1500, `close took ${ms} ms`);
      const [row] = await rows();
      assert.ok(row, "the row stays for the next process");
      assert.equal(row.claim_token, null, "its claim was given back");
      assert.equal(row.attempts, attemptsBefore, "an aborted write is not a failed attempt");
      assert.deepEqual(await app.searchOutbox.drainOnce(), { done: 1, failed: false });
    });

    it("reindex clears the rows it covers and keeps those changed meanwhile", async () => {
      fake.up = false;
      const p = await post("reindex pear");
      const q = await post("reindex cherry");
      fake.up = true;
      const outbox = new SearchOutbox(database.db, app.searchEngine);
      const queued = await outbox.snapshot();
      assert.deepEqual(queued.map((r) => r.post_id).sort(), [p, q].sort());
      const count = await app.searchEngine.rebuild(app.repo.allPosts(2));
      // A change committed during the rebuild (after the snapshot).
      await enqueueSearch(database.db, q, "index");
      assert.equal(await outbox.clearSnapshot(queued), 1);
      assert.deepEqual(
        (await rows()).map((r) => r.post_id),
        [q],
      );
      const total = await database.db("posts").count({ n: "*" }).first();
      assert.equal(count, Number(total!.n));
      assert.deepEqual(await searchIds("pear"), [p]);
      assert.deepEqual(await app.searchOutbox.drainOnce(), { done: 1, failed: false });
    });
  });
}

defineOutboxTests("SQLite");
const mysqlUrl = process.env.TEST_MYSQL_URL;
if (mysqlUrl) defineOutboxTests(`MariaDB (${mysqlUrl.replace(/:[^:@/]*@/, ":***@")})`, mysqlUrl);
else {
  describe("search outbox on MariaDB", () => {
    it(
      "needs a database",
      { skip: "TEST_MYSQL_URL not set (harness/services/mariadb.sh start)" },
      () => {},
    );
  });
}
