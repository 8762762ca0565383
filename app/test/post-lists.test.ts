/**
 * Post lists at the repository level, on SQLite and (with TEST_MYSQL_URL) MariaDB: migration
 * 004's indexes, keyset ("older posts") pages that match the offset pages, timelines through
 * both of their plans (per-author merge and the filtered walk beyond TIMELINE_FANOUT authors),
 * and profile counts. Also the reindex: bulk batches with progress, refreshes restored.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Knex } from "knex";
import {
  parseCursor,
  Repository,
  TIMELINE_FANOUT,
  type Cursor,
  type Page,
  type PostView,
} from "../src/db/repository.js";
import { migrationSource } from "../src/db/migrations.js";
import { SearchEngine } from "../src/search/engine.js";
import { reindexProgress } from "../src/search/reindex.js";
import { freshDatabase } from "./helpers.js";
import { FakeSearchEngine } from "./search-fake.js";

const PER = 4;

/** Index names of `posts` and the columns of each, in order. */
async function postIndexes(db: Knex): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (db.client.config.client === "mysql2") {
    const [rows] = (await db.raw("SHOW INDEX FROM posts")) as [
      { Key_name: string; Column_name: string; Seq_in_index: number }[],
    ];
    for (const r of [...rows].sort((a, b) => a.Seq_in_index - b.Seq_in_index)) {
      out.set(r.Key_name, [...(out.get(r.Key_name) ?? []), r.Column_name]);
    }
  } else {
    const list = (await db.raw("PRAGMA index_list(posts)")) as { name: string }[];
    for (const { name } of list) {
      const cols = (await db.raw(`PRAGMA index_info("${name}")`)) as { name: string }[];
      out.set(
        name,
        cols.map((c) => c.name),
      );
    }
  }
  return out;
}

function suite(label: string, mysqlUrl?: string) {
  describe(`post lists on ${label}`, () => {
    let database: { url: string; db: Knex };
    let repo: Repository;
    const users: number[] = [];

    before(async () => {
      database = await freshDatabase(mysqlUrl);
      repo = new Repository(database.db);
      const t0 = 1_700_000_000_000;
      for (let i = 0; i < TIMELINE_FANOUT + 2; i++) {
        users.push(
          await repo.createUser({ username: `u${i}`, email: `u${i}@x.test`, passwordHash: "x" }),
        );
      }
      // Posts by u0..u4, several sharing one created_at (ties are broken by id).
      const rows = Array.from({ length: 30 }, (_, k) => ({
        body: `post ${k}`,
        language: "eng",
        user_id: users[k % 5]!,
        created_at: t0 + Math.floor(k / 3) * 1000,
      }));
      await database.db.batchInsert("posts", rows, 10);
      // u0 follows u1 and u2; u(last) follows every other user (beyond TIMELINE_FANOUT).
      await repo.follow(users[0]!, users[1]!);
      await repo.follow(users[0]!, users[2]!);
      const many = users.at(-1)!;
      const follows = users.slice(0, -1).map((u) => ({ follower_id: many, followed_id: u }));
      await database.db.batchInsert("followers", follows, 50);
    });
    after(async () => database.db.destroy());

    it("migration 004 leaves (created_at, id) and (user_id, created_at, id) indexes", async () => {
      assert.ok((await migrationSource.getMigrations([])).includes("004_post_list_indexes"));
      const idx = await postIndexes(database.db);
      assert.deepEqual(idx.get("posts_created_at_id_index"), ["created_at", "id"]);
      assert.deepEqual(idx.get("posts_user_id_created_at_id_index"), [
        "user_id",
        "created_at",
        "id",
      ]);
      assert.equal(idx.has("posts_created_at_index"), false);
      assert.equal(idx.has("posts_user_id_created_at_index"), false);
    });

    /** Walks every page through the "older" cursors; checks each against the offset page. */
    async function walk(
      list: (page: number, before?: Cursor) => Promise<Page<PostView>>,
    ): Promise<number[]> {
      const seen: number[] = [];
      let page = 1;
      let cursor: Cursor | undefined;
      for (;;) {
        const keyset = await list(page, cursor);
        const offset = await list(page);
        assert.deepEqual(
          keyset.items.map((p) => p.id),
          offset.items.map((p) => p.id),
          `page ${page}`,
        );
        assert.equal(keyset.hasNext, offset.hasNext);
        assert.equal(keyset.hasPrev, page > 1);
        seen.push(...keyset.items.map((p) => p.id));
        if (!keyset.hasNext) {
          assert.equal(keyset.before, undefined);
          return seen;
        }
        cursor = parseCursor(keyset.before!)!;
        assert.ok(cursor, keyset.before);
        page++;
      }
    }

    /** Ids of the given posts in newest-first order, straight from the table. */
    async function expected(where: (q: Knex.QueryBuilder) => Knex.QueryBuilder) {
      const rows: { id: number }[] = await where(database.db("posts"))
        .orderBy([
          { column: "created_at", order: "desc" },
          { column: "id", order: "desc" },
        ])
        .select("id");
      return rows.map((r) => r.id);
    }

    it("explore pages through every post newest first, by cursor as by page number", async () => {
      const ids = await walk((page, b) => repo.explore(page, PER, b));
      assert.deepEqual(ids, await expected((q) => q));
      const first = await repo.explore(1, PER);
      assert.equal(first.items[0]!.username, "u4");
    });

    it("a user's pages hold only their posts", async () => {
      const ids = await walk((page, b) => repo.postsOf(users[3]!, page, PER, b));
      assert.deepEqual(ids, await expected((q) => q.where("user_id", users[3]!)));
      assert.equal(ids.length, 6);
    });

    it("a timeline merges the user's and the followed users' posts", async () => {
      const ids = await walk((page, b) => repo.timeline(users[0]!, page, PER, b));
      const authors = users.slice(0, 3);
      assert.deepEqual(ids, await expected((q) => q.whereIn("user_id", authors)));
      assert.equal(ids.length, 18);
    });

    it("a timeline over more than TIMELINE_FANOUT authors gives the same order", async () => {
      const ids = await walk((page, b) => repo.timeline(users.at(-1)!, page, PER, b));
      assert.deepEqual(ids, await expected((q) => q));
    });

    it("a timeline of someone who follows nobody and never posted is empty", async () => {
      const page = await repo.timeline(users[7]!, 1, PER);
      assert.deepEqual(page.items, []);
      assert.equal(page.hasNext, false);
    });

    it("counts followers, following and whether the viewer follows, in one query", async () => {
      const queries: string[] = [];
      const listen = (q: { sql: string }) => queries.push(q.sql);
      database.db.on("query", listen);
      try {
        assert.deepEqual(await repo.profileCounts(users[1]!, users[0]!), {
          followers: 2,
          following: 0,
          followedByViewer: true,
        });
      } finally {
        database.db.off("query", listen);
      }
      assert.equal(queries.length, 1);
      assert.deepEqual(await repo.profileCounts(users[0]!, users[3]!), {
        followers: 1,
        following: 2,
        followedByViewer: false,
      });
      assert.equal((await repo.profileCounts(users[0]!, users[0]!)).followedByViewer, false);
      assert.equal((await repo.profileCounts(users[0]!, null)).followedByViewer, false);
    });
  });
}

describe("keyset cursors", () => {
  it("parse only <created_at>-<id>", () => {
    assert.deepEqual(parseCursor("1700000000000-42"), { createdAt: 1_700_000_000_000, id: 42 });
    for (const bad of ["", "1-", "-1", "a-1", "1-2-3", "1.5-2", "1 -2", "9".repeat(16) + "-1"]) {
      assert.equal(parseCursor(bad), null, bad);
    }
  });
});

suite("SQLite");
if (process.env.TEST_MYSQL_URL) suite("MariaDB", process.env.TEST_MYSQL_URL);

describe("reindex", () => {
  let fake: FakeSearchEngine;
  let database: { url: string; db: Knex };
  before(async () => {
    fake = await new FakeSearchEngine().start();
    database = await freshDatabase();
    const repo = new Repository(database.db);
    const u = await repo.createUser({ username: "r", email: "r@x.test", passwordHash: "x" });
    for (let i = 0; i < 7; i++) await repo.createPost(u, `reindex ${i}`, "eng");
  });
  after(async () => {
    await fake.close();
    await database.db.destroy();
  });

  it("bulk-loads every batch, reports progress after each, restores refreshes", async () => {
    const engine = new SearchEngine(fake.url, "posts");
    const progress: number[] = [];
    const count = await engine.rebuild(new Repository(database.db).allPosts(3), (p) => {
      assert.equal(fake.refreshInterval, "-1", "refreshes are off while loading");
      assert.ok(p.elapsedMs >= 0);
      progress.push(p.indexed);
    });
    assert.equal(count, 7);
    assert.deepEqual(progress, [3, 6, 7]);
    assert.equal(fake.docs.size, 7);
    assert.equal(fake.refreshInterval, null, "the engine's default refresh interval is back");
  });

  it("prints progress at most once per interval, always the last line, with the rate", () => {
    const lines: string[] = [];
    const print = reindexProgress(1000, (l) => lines.push(l), 2000);
    print({ indexed: 100, elapsedMs: 500 });
    print({ indexed: 400, elapsedMs: 2000 });
    print({ indexed: 500, elapsedMs: 2500 });
    print({ indexed: 1000, elapsedMs: 3000 });
    assert.deepEqual(lines, [
      "reindex: 400/1000 posts (40%), 200 posts/s",
      "reindex: 1000/1000 posts (100%), 333 posts/s",
    ]);
  });
});
