/**
 * Durable search outbox. Every post change (create, edit, delete) writes, in the same database
 * transaction, a row of `search_outbox` naming the post; the row goes away only once the search
 * engine holds the post's current state. So a search engine that is down, slow or unreachable
 * when a user posts delays the index update but never loses it, even across restarts.
 *
 * - One row per post (`post_id` is the key): a second change before the first is indexed bumps
 *   the row's `version` and keeps its `enqueued_at` (the age of the oldest unindexed change).
 * - Whoever processes a row (the request right after its commit, or the background drainer)
 *   re-reads the post from the database and writes that state: an index write is idempotent and
 *   the latest text wins; a post that no longer exists is deleted from the index.
 * - Replicas: a processor first claims the row with a conditional UPDATE (`claim_token`,
 *   `claimed_until` = a lease), which succeeds in exactly one replica, so at most one process
 *   writes a given post to the engine at a time; an older state can thus never land after a newer
 *   one. The row is deleted only when its `version` is unchanged since the claim; a change that
 *   came in meanwhile keeps the row and is processed again. A replica that dies holding a claim
 *   delays that post until the lease ends; then any replica takes it over.
 * - Failures: the row stays, `attempts` grows and `next_attempt_at` backs off exponentially
 *   (retry interval × 2^(attempts−1), capped). A drainer pass stops at its first failure, so an
 *   engine that is down costs one failed call per pass. Once a write succeeds again, every
 *   backed-off row becomes due at once.
 */
import { randomUUID } from "node:crypto";
import type { FastifyBaseLogger } from "fastify";
import type { Knex } from "knex";
import type { SearchDoc, SearchEngine } from "./engine.js";

/** The outbox table. */
export const OUTBOX_TABLE = "search_outbox";

/** What the change that queued the row was (informational: processing reads the post). */
export type OutboxOperation = "index" | "delete";

/** A row of the outbox. */
export interface OutboxRow {
  post_id: number;
  operation: OutboxOperation;
  version: number;
  enqueued_at: number;
  attempts: number;
  next_attempt_at: number;
  claimed_until: number | null;
  claim_token: string | null;
}

/** Backlog as /readyz reports it. */
export interface OutboxBacklog {
  /** Posts whose index entry is not known to be current. */
  count: number;
  /** Age in seconds of the oldest unindexed change (null when the outbox is empty). */
  oldest_age_seconds: number | null;
}

/** Tuning; only the interval comes from the environment (SEARCH_RETRY_INTERVAL). */
export interface OutboxOptions {
  /** Milliseconds between drainer passes, and the first retry delay (default 5000). */
  intervalMs?: number;
  /** Upper bound of a row's retry delay (default 60000). */
  maxBackoffMs?: number;
  /** Rows read per query in a pass (default 100). */
  batchSize?: number;
  /** How long a claim protects a row from other processors (default 60000). */
  leaseMs?: number;
  /** How long `stop()` waits for an in-flight pass (default 1000). */
  stopWaitMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Records, inside the caller's transaction, that the search entry of `postId` must be brought
 * up to date. A row already waiting for the post gets a new version and becomes due now.
 */
export async function enqueueSearch(
  trx: Knex | Knex.Transaction,
  postId: number,
  operation: OutboxOperation,
  now = Date.now(),
): Promise<void> {
  await trx(OUTBOX_TABLE)
    .insert({
      post_id: postId,
      operation,
      version: 1,
      enqueued_at: now,
      attempts: 0,
      next_attempt_at: now,
    })
    .onConflict("post_id")
    .merge({
      operation,
      version: trx.raw("?? + 1", [`${OUTBOX_TABLE}.version`]),
      next_attempt_at: now,
    });
}

/** Retry delay after the given number of failed attempts (≥ 1): interval × 2^(n−1), capped. */
export function backoffMs(attempts: number, intervalMs: number, maxMs: number): number {
  const exp = Math.min(Math.max(attempts, 1) - 1, 30);
  return Math.min(maxMs, intervalMs * 2 ** exp);
}

interface Claim {
  postId: number;
  token: string;
  version: number;
  attempts: number;
}

type Outcome = "done" | "busy" | "failed";

/** The outbox and its background drainer. */
export class SearchOutbox {
  readonly intervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly stopWaitMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private started = false;
  private stopping = false;
  private readonly stopController = new AbortController();
  /**
   * Not known to be up (at start, and after a failed write): the next successful write, or a
   * drainer pass that finds the engine answering, makes every backed-off row due.
   */
  private engineDown = true;

  constructor(
    private readonly db: Knex,
    private readonly engine: SearchEngine,
    opts: OutboxOptions = {},
    private readonly log?: FastifyBaseLogger,
  ) {
    this.intervalMs = opts.intervalMs ?? 5000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 60_000;
    this.batchSize = opts.batchSize ?? 100;
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.stopWaitMs = opts.stopWaitMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** True when a search engine is configured (otherwise nothing is queued or drained). */
  get enabled(): boolean {
    return this.engine.enabled;
  }

  /** Number of waiting posts and the age of the oldest change. */
  async backlog(): Promise<OutboxBacklog> {
    const row = (await this.db(OUTBOX_TABLE)
      .count({ n: "*" })
      .min({ oldest: "enqueued_at" })
      .first()) as { n: number | string; oldest: number | string | null } | undefined;
    const count = Number(row?.n ?? 0);
    const oldest = row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest);
    return {
      count,
      oldest_age_seconds:
        count === 0 || oldest === null
          ? null
          : Math.max(0, Math.round((this.now() - oldest) / 1000)),
    };
  }

  /**
   * Called by a request right after it committed a change of `postId`: brings the engine up to
   * date now. Never throws. Returns false when the change is still waiting in the outbox (engine
   * unreachable, or another process is working on the post); the drainer then takes over.
   */
  async tryNow(postId: number): Promise<boolean> {
    if (!this.enabled) return true;
    try {
      const claim = await this.claim(postId, false);
      if (!claim) {
        const row = await this.db(OUTBOX_TABLE).where("post_id", postId).first("post_id");
        return row === undefined;
      }
      const outcome = await this.process(claim);
      if (outcome === "failed") {
        this.log?.warn(
          { postId },
          "search engine unavailable; the change waits in the search outbox for retry",
        );
      }
      return outcome === "done";
    } catch (err) {
      this.log?.warn({ postId, err: String(err) }, "search outbox: immediate update failed");
      return false;
    }
  }

  /**
   * Claims the row of `postId` for this process: succeeds for exactly one caller while nobody
   * else holds an unexpired claim (and, for the drainer, only if the row is due).
   */
  async claim(postId: number, dueOnly: boolean): Promise<Claim | null> {
    const now = this.now();
    const token = randomUUID();
    const q = this.db(OUTBOX_TABLE)
      .where("post_id", postId)
      .where((w) => w.whereNull("claimed_until").orWhere("claimed_until", "<", now));
    if (dueOnly) q.where("next_attempt_at", "<=", now);
    const n = await q.update({ claimed_until: now + this.leaseMs, claim_token: token });
    if (Number(n) === 0) return null;
    const row = await this.db(OUTBOX_TABLE)
      .where({ post_id: postId, claim_token: token })
      .first("version", "attempts");
    if (!row) return null;
    return { postId, token, version: Number(row.version), attempts: Number(row.attempts) };
  }

  /** Writes the post's current state to the engine and settles the claimed row. */
  private async process(claim: Claim, signal?: AbortSignal): Promise<Outcome> {
    for (let round = 1; ; round++) {
      try {
        const post = (await this.db("posts")
          .where("id", claim.postId)
          .first("id", "body", "language")) as SearchDoc | undefined;
        await this.engine.write(claim.postId, post ?? null, signal);
      } catch (err) {
        const aborted = signal?.aborted === true;
        await this.release(claim, !aborted);
        if (aborted) return "busy";
        this.engineDown = true;
        this.log?.debug({ postId: claim.postId, err: String(err) }, "search outbox: write failed");
        return "failed";
      }
      await this.engineUp();
      const deleted = await this.db(OUTBOX_TABLE)
        .where({ post_id: claim.postId, claim_token: claim.token, version: claim.version })
        .delete();
      if (Number(deleted) > 0) return "done";
      // The post changed while we wrote (the version moved on): write it again, a few times.
      const row = await this.db(OUTBOX_TABLE)
        .where({ post_id: claim.postId, claim_token: claim.token })
        .first("version");
      if (!row) return "done"; // the row is gone (e.g. a reindex took it): nothing left to do
      if (round >= 3) {
        await this.release(claim, false);
        return "busy";
      }
      claim.version = Number(row.version);
    }
  }

  /** Gives the row back; after a failure it counts the attempt and backs off. */
  private async release(claim: Claim, failed: boolean): Promise<void> {
    const update: Record<string, unknown> = { claimed_until: null, claim_token: null };
    if (failed) {
      const attempts = claim.attempts + 1;
      update.attempts = attempts;
      update.next_attempt_at = this.now() + backoffMs(attempts, this.intervalMs, this.maxBackoffMs);
    }
    await this.db(OUTBOX_TABLE)
      .where({ post_id: claim.postId, claim_token: claim.token })
      .update(update);
  }

  /** After an outage: the engine answers again, so every backed-off row is due now. */
  private async engineUp(): Promise<void> {
    if (!this.engineDown) return;
    this.engineDown = false;
    const now = this.now();
    const n = await this.db(OUTBOX_TABLE)
      .where("next_attempt_at", ">", now)
      .whereNull("claim_token")
      .update({ next_attempt_at: now });
    if (Number(n) > 0) {
      this.log?.info(
        { rescheduled: Number(n) },
        "search engine answers again; draining the outbox",
      );
    }
    if (this.started && !this.stopping && this.running === undefined) this.schedule(0);
  }

  /**
   * One drainer pass: processes due rows, oldest first, batch after batch, until none is due,
   * a write fails (the engine is probably down: the rest waits for the next pass) or the drainer
   * stops. Returns the number of posts brought up to date and whether a write failed.
   */
  async drainOnce(): Promise<{ done: number; failed: boolean }> {
    let done = 0;
    const signal = this.stopController.signal;
    for (;;) {
      if (this.stopping) return { done, failed: false };
      const now = this.now();
      const rows: { post_id: number }[] = await this.db(OUTBOX_TABLE)
        .where("next_attempt_at", "<=", now)
        .where((w) => w.whereNull("claimed_until").orWhere("claimed_until", "<", now))
        .orderBy([
          { column: "next_attempt_at", order: "asc" },
          { column: "enqueued_at", order: "asc" },
          { column: "post_id", order: "asc" },
        ])
        .limit(this.batchSize)
        .select("post_id");
      if (rows.length === 0 && this.engineDown && done === 0) {
        // Rows may be waiting out their backoff: if the engine answers again, they are due now.
        const waiting = await this.db(OUTBOX_TABLE).first("post_id");
        if (!waiting || (await this.engine.state(signal)) !== "up") return { done, failed: false };
        await this.engineUp();
        continue;
      }
      let progressed = 0;
      for (const { post_id } of rows) {
        if (this.stopping) return { done, failed: false };
        const claim = await this.claim(Number(post_id), true);
        if (!claim) continue; // another process has it, or it was just done
        const outcome = await this.process(claim, signal);
        if (outcome === "failed") return { done, failed: true };
        if (outcome === "done") {
          done++;
          progressed++;
        }
      }
      if (rows.length < this.batchSize || progressed === 0) return { done, failed: false };
    }
  }

  /** Starts the background drainer (a no-op when search is disabled or already started). */
  start(): void {
    if (!this.enabled || this.started || this.stopping) return;
    this.started = true;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.stopping || this.running) return;
    const pass = this.drainOnce().then(
      ({ done, failed }) => {
        if (done > 0 || failed) {
          this.log?.info({ indexed: done, failed }, "search outbox: drainer pass");
        }
      },
      (err: unknown) => this.log?.warn({ err: String(err) }, "search outbox: drainer pass failed"),
    );
    this.running = pass;
    await pass;
    this.running = undefined;
    if (!this.stopping && this.timer === undefined) this.schedule(this.intervalMs);
  }

  /**
   * Stops the drainer: no new pass starts, an engine call in flight is aborted (its row is given
   * back untouched), and the pass is awaited for at most `stopWaitMs`; anything still running
   * then is left to the claim's lease. Requests' own immediate attempts are not affected.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopController.abort();
    if (!this.running) return;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      this.running,
      new Promise((resolve) => {
        t = setTimeout(resolve, this.stopWaitMs);
      }),
    ]);
    clearTimeout(t);
  }

  /** The rows waiting now (post and version), taken before a full reindex. */
  async snapshot(): Promise<{ post_id: number; version: number }[]> {
    if (!(await this.db.schema.hasTable(OUTBOX_TABLE))) return [];
    const rows: { post_id: number; version: number }[] = await this.db(OUTBOX_TABLE).select(
      "post_id",
      "version",
    );
    return rows.map((r) => ({ post_id: Number(r.post_id), version: Number(r.version) }));
  }

  /**
   * After a full reindex: deletes the rows of `snapshot` that did not change since (the reindex
   * read their posts later, so it holds their state) and that nobody is processing. Rows of
   * changes made during the reindex stay for the drainer. Returns the number deleted.
   */
  async clearSnapshot(snapshot: { post_id: number; version: number }[]): Promise<number> {
    let cleared = 0;
    for (let i = 0; i < snapshot.length; i += 200) {
      const chunk = snapshot.slice(i, i + 200);
      const n = await this.db(OUTBOX_TABLE)
        .whereNull("claim_token")
        .where((w) => {
          for (const r of chunk) w.orWhere((x) => x.where(r));
        })
        .delete();
      cleared += Number(n);
    }
    return cleared;
  }
}
