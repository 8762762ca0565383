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
import { SearchEngine } from "./search/engine.js";
import { rate, reindexAll, reindexProgress } from "./search/reindex.js";

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
    const r = await reindexAll(db, search, (total) => {
      console.log(`reindex: ${total} posts to index into "${config.searchIndex}"`);
      return reindexProgress(total);
    });
    console.log(
      `reindex: indexed ${r.count} posts into "${config.searchIndex}" in ${r.seconds.toFixed(1)}s ` +
        `(${rate(r.count, r.seconds)} posts/s)` +
        (r.queued ? `; cleared ${r.cleared} of ${r.queued} search outbox rows` : ""),
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
