/**
 * Command line: `node dist/cli.js migrate` applies pending migrations (used by boot.sh);
 * `node dist/cli.js reindex` rebuilds the search index from the database.
 * Exit codes: 0 ok, 1 failure (e.g. database unreachable), 2 bad usage or environment.
 */
import { ConfigError, loadConfig } from "./config.js";
import { openDatabase } from "./db/connection.js";
import { migrateLatest } from "./db/migrations.js";
import { Repository } from "./db/repository.js";
import { SearchEngine } from "./search/engine.js";

const USAGE = "usage: node dist/cli.js <migrate|reindex>";

async function run(command: string | undefined): Promise<number> {
  if (command !== "migrate" && command !== "reindex") {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const { db, target } = openDatabase(config.databaseUrl);
  try {
    if (command === "migrate") {
      const applied = await migrateLatest(db);
      console.log(
        `migrate: ${target.describe}: ` +
          (applied.length ? `applied ${applied.join(", ")}` : "already up to date"),
      );
      return 0;
    }
    const search = new SearchEngine(config.searchUrl, config.searchIndex);
    if (!search.enabled) {
      console.error("reindex: ELASTICSEARCH_URL is not set, so search is disabled");
      return 2;
    }
    const count = await search.rebuild(new Repository(db).allPosts());
    console.log(`reindex: indexed ${count} posts into "${config.searchIndex}"`);
    return 0;
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
