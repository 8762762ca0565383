/**
 * knex's migration lock table when instances start together: the race that leaves two rows (and
 * with them a lock nobody can take) is repaired, and concurrent first migrations on an empty
 * database all succeed. SQLite always; MariaDB when TEST_MYSQL_URL is set.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import knexFactory, { type Knex } from "knex";
import { parseDatabaseUrl } from "../src/db/connection.js";
import {
  ensureLockTable,
  LOCK_TABLE,
  migrateLatest,
  migrationSource,
} from "../src/db/migrations.js";
import { dropAllTables } from "./helpers.js";

const targets: [string, () => string][] = [
  [
    "sqlite",
    () =>
      `sqlite:///${path.join(fs.mkdtempSync(path.join(os.tmpdir(), "microblog-lock-")), "a.db")}`,
  ],
];
if (process.env.TEST_MYSQL_URL) targets.push(["mariadb", () => process.env.TEST_MYSQL_URL!]);

const open = (url: string): Knex => knexFactory(parseDatabaseUrl(url).knexConfig);

for (const [name, url] of targets) {
  describe(`migration lock table (${name})`, () => {
    it("repairs the two unlocked rows a start-up race leaves, then migrates", async () => {
      const db = open(url());
      try {
        await dropAllTables(db);
        // What two instances inserting at once leave behind (knex creates the table this way).
        await db.schema.createTable(LOCK_TABLE, (t) => {
          t.increments("index").primary();
          t.integer("is_locked");
        });
        await db(LOCK_TABLE).insert([{ is_locked: 0 }, { is_locked: 0 }]);
        // knex alone cannot take this lock: its UPDATE touches two rows.
        await assert.rejects(db.migrate.latest({ migrationSource }), /already locked/);
        const applied = await migrateLatest(db, { lockTimeoutMs: 2000, pollMs: 50 });
        assert.ok(applied.length > 0, "the migrations ran");
        assert.deepEqual(await db(LOCK_TABLE).select("index", "is_locked"), [
          { index: 1, is_locked: 0 },
        ]);
      } finally {
        await db.destroy();
      }
    });

    it("keeps one row however often it is ensured, and leaves a held lock alone", async () => {
      const db = open(url());
      try {
        await dropAllTables(db);
        await Promise.all([ensureLockTable(db), ensureLockTable(db), ensureLockTable(db)]);
        assert.equal((await db(LOCK_TABLE).select("*")).length, 1);
        await db(LOCK_TABLE).update({ is_locked: 1 });
        await ensureLockTable(db);
        assert.deepEqual(await db(LOCK_TABLE).select("index", "is_locked"), [
          { index: 1, is_locked: 1 },
        ]);
      } finally {
        await db.destroy();
      }
    });

    // Several app instances share a database only on MySQL (SQLite is one process's file).
    if (name !== "mariadb") return;
    it("three instances migrating an empty database at once all succeed", async () => {
      const dbUrl = url();
      const setup = open(dbUrl);
      await dropAllTables(setup);
      await setup.destroy();
      const dbs = [open(dbUrl), open(dbUrl), open(dbUrl)];
      try {
        const results = await Promise.allSettled(
          dbs.map((db) => migrateLatest(db, { lockTimeoutMs: 20_000, pollMs: 50 })),
        );
        // A table-creation race of knex's own may still fail one attempt (boot.sh retries it);
        // what must never happen is a lock that no instance can take.
        for (const r of results) {
          if (r.status === "rejected") assert.doesNotMatch(String(r.reason), /lock/i);
        }
        const again = await migrateLatest(dbs[0]!, { lockTimeoutMs: 2000, pollMs: 50 });
        assert.deepEqual(again, [], "everything applied");
        assert.equal((await dbs[0]!(LOCK_TABLE).select("*")).length, 1);
      } finally {
        await Promise.all(dbs.map((db) => db.destroy()));
      }
    });
  });
}
