/** A full reindex (`cli.js reindex`, and the app when its index is missing) and its progress lines. */
import type { Knex } from "knex";
import { Repository } from "../db/repository.js";
import type { RebuildProgress, SearchEngine } from "./engine.js";
import { SearchOutbox } from "./outbox.js";

/** Posts per `_bulk` request of a reindex. */
const REINDEX_BATCH = 2000;

/** A reindex prints a progress line at most this often (and after the last batch). */
const PROGRESS_EVERY_MS = 2000;

/** Whole items per second. */
export const rate = (n: number, secs: number): number => Math.round(n / Math.max(secs, 0.001));

/**
 * Progress printer of a reindex: "reindex: 120000/1000000 posts (12%), 23456 posts/s", at most
 * once per `everyMs` and always for the last batch.
 */
export function reindexProgress(
  total: number,
  print: (line: string) => void = console.log,
  everyMs = PROGRESS_EVERY_MS,
): (p: RebuildProgress) => void {
  let last = 0;
  return ({ indexed, elapsedMs }) => {
    if (elapsedMs - last < everyMs && indexed < total) return;
    last = elapsedMs;
    const pct = total > 0 ? ` (${Math.floor((100 * indexed) / total)}%)` : "";
    print(`reindex: ${indexed}/${total} posts${pct}, ${rate(indexed, elapsedMs / 1000)} posts/s`);
  };
}

/** What a reindex did. */
export interface ReindexResult {
  /** Posts in the database when it started, and posts indexed. */
  readonly total: number;
  readonly count: number;
  /** Search outbox rows the rebuild covered, and how many of them it cleared. */
  readonly queued: number;
  readonly cleared: number;
  readonly seconds: number;
}

/**
 * Rebuilds the index from every post in the database. Changes queued in the search outbox
 * before it are covered by it and cleared; those made during it stay queued for the drainer.
 */
export async function reindexAll(
  db: Knex,
  search: SearchEngine,
  onStart: (total: number) => ((p: RebuildProgress) => void) | undefined = () => undefined,
): Promise<ReindexResult> {
  const outbox = new SearchOutbox(db, search);
  const queued = await outbox.snapshot();
  const total = Number((await db("posts").count({ n: "*" }).first())?.n ?? 0);
  const started = Date.now();
  const count = await search.rebuild(new Repository(db).allPosts(REINDEX_BATCH), onStart(total));
  const cleared = await outbox.clearSnapshot(queued);
  return {
    total,
    count,
    queued: queued.length,
    cleared,
    seconds: (Date.now() - started) / 1000,
  };
}
