/**
 * The search index is derived data: when the engine holds no index while the database holds
 * posts (a new engine, a lost volume, `searchEngine` switched), the app rebuilds it on its own at
 * start instead of serving empty results until someone runs `reindex`. One instance rebuilds at
 * a time (a MySQL named lock; SQLite serves one process); an existing index is left alone, so an
 * ordinary restart costs one HEAD request.
 */
import type { Knex } from "knex";
import type { SearchEngine } from "./engine.js";
import { rate, reindexAll } from "./reindex.js";

/** What {@link rebuildMissingIndex} found or did. */
export type HealResult =
  | "disabled" // no search engine configured
  | "present" // the index exists: nothing to do
  | "no posts" // no index, but nothing to put in it (the first post creates it)
  | "rebuilt" // no index: rebuilt from every post
  | "busy" // another instance holds the rebuild lock (and is rebuilding it)
  | "unreachable"; // the engine did not answer within the wait

/** Name of the MySQL lock a rebuild holds. */
export const REBUILD_LOCK = "microblog-search-rebuild";

interface HealOptions {
  readonly db: Knex;
  readonly search: SearchEngine;
  readonly log: { info(msg: string): void; warn(msg: string): void };
  /** How long to wait for the engine to answer (it may start after the app), and how often to ask. */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

/** Waits for the engine, then rebuilds the index if it is missing and there are posts. */
export async function rebuildMissingIndex(o: HealOptions): Promise<HealResult> {
  if (!o.search.enabled) return "disabled";
  const deadline = Date.now() + (o.waitMs ?? 600_000);
  let exists: boolean;
  for (;;) {
    try {
      exists = await o.search.indexExists();
      break;
    } catch {
      if (Date.now() >= deadline) return "unreachable";
      await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
    }
  }
  if (exists) return "present";
  const posts = Number((await o.db("posts").count({ n: "*" }).first())?.n ?? 0);
  if (posts === 0) return "no posts";
  return withRebuildLock(o.db, async () => {
    // Another instance may have rebuilt it while this one waited for the engine.
    if (await o.search.indexExists()) return "present";
    o.log.warn(`search: no index while the database holds ${posts} posts; rebuilding it`);
    const r = await reindexAll(o.db, o.search);
    o.log.info(
      `search: rebuilt the index with ${r.count} posts in ${r.seconds.toFixed(1)}s ` +
        `(${rate(r.count, r.seconds)} posts/s)`,
    );
    return "rebuilt";
  });
}

/**
 * Runs `fn` holding the rebuild lock, or answers "busy" when another instance holds it. On
 * MySQL the lock belongs to one pooled connection, pinned by a transaction that runs no other
 * statement; SQLite has one writer process, so no lock is needed.
 */
async function withRebuildLock(db: Knex, fn: () => Promise<HealResult>): Promise<HealResult> {
  if (db.client.config.client !== "mysql2") return fn();
  return db.transaction(async (trx) => {
    const [rows] = (await trx.raw("SELECT GET_LOCK(?, 0) AS got", [REBUILD_LOCK])) as [
      { got: number | null }[],
    ];
    if (rows[0]?.got !== 1) return "busy";
    try {
      return await fn();
    } finally {
      await trx.raw("SELECT RELEASE_LOCK(?)", [REBUILD_LOCK]);
    }
  });
}
