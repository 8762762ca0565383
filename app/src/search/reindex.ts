/** Progress lines of `cli.js reindex`. */
import type { RebuildProgress } from "./engine.js";

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
