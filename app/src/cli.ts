/**
 * Command line: `node dist/cli.js migrate` applies pending migrations (used by boot.sh);
 * `node dist/cli.js reindex` rebuilds the search index from the database (and clears the search
 * outbox rows it covers);
 * `node dist/cli.js unlock` clears a migration lock left behind by a crashed migration.
 * Exit codes: 0 ok, 1 failure (e.g. database unreachable), 2 bad usage or environment,
 * 3 the migration lock stayed held (MIGRATION_LOCK_TIMEOUT seconds).
 */
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase } from "./db/connection.js";
import { passwordSource } from "./db/secret-password.js";
import {
  LOCK_TABLE,
  MigrationLockError,
  migrateLatest,
  releaseMigrationLock,
} from "./db/migrations.js";
import { Repository } from "./db/repository.js";
import { SearchEngine } from "./search/engine.js";
import { rate, reindexProgress } from "./search/reindex.js";
import { SearchOutbox } from "./search/outbox.js";

/** Posts per `_bulk` request of a reindex. */
const REINDEX_BATCH = 2000;
const USAGE = "usage: node dist/cli.js <migrate|reindex|unlock>";
const COMMANDS = ["migrate", "reindex", "unlock"];

async function run(command: string | undefined): Promise<number> {
  if (command === undefined || !COMMANDS.includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const { db, target } = openDatabase(config.databaseUrl, passwordSource(config));
  try {
    if (command === "migrate") {
      const applied = await migrateLatest(db, {
        lockTimeoutMs: config.migrationLockTimeoutSeconds * 1000,
      });
      console.log(
        `migrate: ${target.describe}: ` +
          (applied.length ? `applied ${applied.join(", ")}` : "already up to date"),
      );
      return 0;
    }
    if (command === "unlock") {
      const was = await releaseMigrationLock(db);
      console.log(
        `unlock: ${target.describe}: ` +
          (was
            ? `released the migration lock (table ${LOCK_TABLE})`
            : `the migration lock (table ${LOCK_TABLE}) was not held`),
      );
      return 0;
    }
    const search = SearchEngine.fromConfig(config);
    if (!search.enabled) {
      console.error("reindex: ELASTICSEARCH_URL is not set, so search is disabled");
      return 2;
    }
    // Changes queued before the rebuild are covered by it; those made during it stay queued.
    const outbox = new SearchOutbox(db, search);
    const queued = await outbox.snapshot();
    const total = Number((await db("posts").count({ n: "*" }).first())?.n ?? 0);
    console.log(`reindex: ${total} posts to index into "${config.searchIndex}"`);
    const started = Date.now();
    const count = await search.rebuild(
      new Repository(db).allPosts(REINDEX_BATCH),
      reindexProgress(total),
    );
    const cleared = await outbox.clearSnapshot(queued);
    const secs = (Date.now() - started) / 1000;
    console.log(
      `reindex: indexed ${count} posts into "${config.searchIndex}" in ${secs.toFixed(1)}s ` +
        `(${rate(count, secs)} posts/s)` +
        (queued.length ? `; cleared ${cleared} of ${queued.length} search outbox rows` : ""),
    );
    return 0;
  } catch (err) {
    if (err instanceof MigrationLockError) {
      console.error(`${command}: ${err.message}`);
      return 3;
    }
    throw err;
  } finally {
    await db.destroy();
  }
}

run(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`${err instanceof ConfigError ? "microblog" : process.argv[2]}: ${message}`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
