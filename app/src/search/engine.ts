/**
 * Full-text search over the REST subset common to Elasticsearch 8 and OpenSearch 2: create
 * index, index/delete a document, `_search` with `multi_match`, `_refresh`, `_bulk`.
 * With no URL configured every call is a no-op and search reports "disabled".
 * Writes that fail (engine down) are kept in a bounded queue and retried on the next write;
 * they never fail the request that caused them.
 */
import type { FastifyBaseLogger } from "fastify";

/** State reported by /readyz and used by the search page. */
export type SearchState = "disabled" | "up" | "down";

/** A searchable post. */
export interface SearchDoc {
  id: number;
  body: string;
  language?: string;
}

/** Raised when the engine cannot answer a query. */
export class SearchUnavailableError extends Error {
  override name = "SearchUnavailableError";
}

const MAX_PENDING = 10000;
const TIMEOUT_MS = 2000;

/** Search engine client. */
export class SearchEngine {
  /** Writes not yet applied because the engine was unreachable (id → doc, or null = delete). */
  private readonly pending = new Map<number, SearchDoc | null>();
  private indexReady = false;

  constructor(
    private readonly baseUrl: string,
    private readonly index: string,
    private readonly log?: FastifyBaseLogger,
  ) {}

  /** True when a search URL is configured. */
  get enabled(): boolean {
    return this.baseUrl !== "";
  }

  /** Number of queued writes waiting for the engine. */
  get pendingCount(): number {
    return this.pending.size;
  }

  private async call(method: string, path: string, body?: unknown, ndjson = false) {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { "content-type": ndjson ? "application/x-ndjson" : "application/json" },
      body: body === undefined ? undefined : ndjson ? String(body) : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      if (text) json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = {};
    }
    return { status: res.status, json };
  }

  /** Creates the index with its mapping when missing. */
  async ensureIndex(): Promise<void> {
    if (!this.enabled || this.indexReady) return;
    const head = await this.call("HEAD", `/${this.index}`);
    if (head.status === 404) {
      const res = await this.call("PUT", `/${this.index}`, {
        mappings: { properties: { body: { type: "text" }, language: { type: "keyword" } } },
      });
      const type = (res.json.error as { type?: string } | undefined)?.type;
      if (res.status >= 300 && type !== "resource_already_exists_exception") {
        throw new Error(`create index ${this.index}: HTTP ${res.status}`);
      }
    } else if (head.status >= 300) {
      throw new Error(`index ${this.index}: HTTP ${head.status}`);
    }
    this.indexReady = true;
  }

  /** Reports whether the engine answers. */
  async state(): Promise<SearchState> {
    if (!this.enabled) return "disabled";
    try {
      const res = await this.call("GET", "/_cluster/health");
      return res.status < 300 ? "up" : "down";
    } catch {
      return "down";
    }
  }

  private async write(id: number, doc: SearchDoc | null): Promise<void> {
    await this.ensureIndex();
    const res =
      doc === null
        ? await this.call("DELETE", `/${this.index}/_doc/${id}`)
        : await this.call("PUT", `/${this.index}/_doc/${id}`, {
            body: doc.body,
            language: doc.language ?? "",
          });
    if (res.status >= 300 && !(doc === null && res.status === 404)) {
      throw new Error(`HTTP ${res.status}`);
    }
  }

  /** Indexes (doc) or deletes (null) one post; never throws. Returns false when queued. */
  async apply(id: number, doc: SearchDoc | null): Promise<boolean> {
    if (!this.enabled) return true;
    try {
      await this.write(id, doc);
    } catch (err) {
      this.indexReady = false;
      if (this.pending.size < MAX_PENDING || this.pending.has(id)) this.pending.set(id, doc);
      this.log?.warn(
        { postId: id, err: String(err), pending: this.pending.size },
        "search engine unavailable; write queued for retry (run `reindex` to rebuild)",
      );
      return false;
    }
    await this.flushPending();
    return true;
  }

  /** Retries queued writes; stops at the first failure. */
  async flushPending(): Promise<void> {
    for (const [id, doc] of [...this.pending]) {
      try {
        await this.write(id, doc);
        this.pending.delete(id);
      } catch {
        return;
      }
    }
  }

  /** Runs a `multi_match` query; returns post ids in ranking order and the total hit count. */
  async query(text: string, page: number, per: number): Promise<{ ids: number[]; total: number }> {
    if (!this.enabled) return { ids: [], total: 0 };
    let res;
    try {
      res = await this.call("POST", `/${this.index}/_search`, {
        query: { multi_match: { query: text, fields: ["body"] } },
        from: (page - 1) * per,
        size: per,
        _source: false,
      });
    } catch (err) {
      throw new SearchUnavailableError(String(err));
    }
    if (res.status === 404) return { ids: [], total: 0 };
    if (res.status >= 300) throw new SearchUnavailableError(`HTTP ${res.status}`);
    const hits = res.json.hits as { total: { value: number } | number; hits: { _id: string }[] };
    const total = typeof hits.total === "number" ? hits.total : hits.total.value;
    return { ids: hits.hits.map((h) => Number(h._id)), total };
  }

  /** Makes recent writes visible to search (tests and reindex). */
  async refresh(): Promise<void> {
    if (this.enabled) await this.call("POST", `/${this.index}/_refresh`);
  }

  /** Drops and recreates the index, then bulk-loads batches of posts. Returns the count. */
  async rebuild(batches: AsyncIterable<SearchDoc[]>): Promise<number> {
    if (!this.enabled) throw new Error("ELASTICSEARCH_URL is not set: search is disabled");
    const del = await this.call("DELETE", `/${this.index}`);
    if (del.status >= 300 && del.status !== 404)
      throw new Error(`delete index: HTTP ${del.status}`);
    this.indexReady = false;
    await this.ensureIndex();
    let count = 0;
    for await (const batch of batches) {
      const lines = batch.flatMap((d) => [
        JSON.stringify({ index: { _index: this.index, _id: String(d.id) } }),
        JSON.stringify({ body: d.body, language: d.language ?? "" }),
      ]);
      const res = await this.call("POST", "/_bulk", lines.join("\n") + "\n", true);
      if (res.status >= 300 || res.json.errors === true) {
        throw new Error(`bulk index failed: HTTP ${res.status}`);
      }
      count += batch.length;
    }
    this.pending.clear();
    await this.refresh();
    return count;
  }
}
