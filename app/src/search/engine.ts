/**
 * Full-text search over the REST subset common to Elasticsearch 8 and OpenSearch 2: create
 * index, index/delete a document, `_search` with `multi_match`, `_refresh`, `_bulk`.
 * With no URL configured every call is a no-op and search reports "disabled".
 * Writes throw when the engine is unreachable; the durable outbox (outbox.ts) records every
 * post change in the database and retries until the engine has it.
 */
import http from "node:http";
import https from "node:https";
import type { Config } from "../config.js";
import { CredentialSource, openSearchSigner, type RequestSigner } from "./sigv4.js";

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

const TIMEOUT_MS = 2000;
/**
 * Kept-alive connections to the engine, shared by every SearchEngine of the process; idle ones
 * close after 4 s, before a server that drops idle connections at 5 s would (a reused socket
 * the server has just closed fails the request).
 */
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, timeout: 4000 });
/** A `_bulk` request of a few thousand posts may take longer than a page's query. */
const BULK_TIMEOUT_MS = 60_000;

/** Search engine client. */
export class SearchEngine {
  private indexReady = false;

  constructor(
    private readonly baseUrl: string,
    private readonly index: string,
    /** Signs each request (Amazon OpenSearch Service with an IAM access policy). */
    private readonly signer?: RequestSigner,
  ) {}

  /** The engine of a configuration: SigV4-signed when SEARCH_AWS_REGION is set. */
  static fromConfig(
    config: Pick<Config, "searchUrl" | "searchIndex" | "searchAwsRegion" | "awsCredentials">,
  ): SearchEngine {
    const signer =
      config.searchAwsRegion === ""
        ? undefined
        : openSearchSigner(config.searchAwsRegion, new CredentialSource(config.awsCredentials));
    return new SearchEngine(config.searchUrl, config.searchIndex, signer);
  }

  /** True when a search URL is configured. */
  get enabled(): boolean {
    return this.baseUrl !== "";
  }

  /**
   * One request to the engine over a kept-alive connection (node:http/https: a query through
   * the global fetch cost about twice the app CPU of the rest of the search page). Rejects on a
   * network error, when `timeoutMs` passes or when `signal` aborts.
   */
  private async call(
    method: string,
    path: string,
    body?: unknown,
    ndjson = false,
    signal?: AbortSignal,
    timeoutMs = TIMEOUT_MS,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const url = new URL(`${this.baseUrl}${path}`);
    const payload =
      body === undefined ? undefined : Buffer.from(ndjson ? String(body) : JSON.stringify(body));
    const headers: Record<string, string | number> = {
      "content-type": ndjson ? "application/x-ndjson" : "application/json",
    };
    if (payload) headers["content-length"] = payload.length;
    if (this.signer !== undefined) {
      const signed = await this.signer(method, url, payload?.toString("utf8") ?? "");
      // node:http sets Host itself, from the URL that was signed.
      for (const [k, v] of Object.entries(signed)) if (k !== "host") headers[k] = v;
    }
    const secure = url.protocol === "https:";
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(
        url,
        {
          method,
          headers,
          agent: secure ? httpsAgent : httpAgent,
          auth: url.username
            ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
            : undefined,
          signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", fail);
          res.on("end", () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString("utf8");
            let json: Record<string, unknown> = {};
            try {
              if (text) json = JSON.parse(text) as Record<string, unknown>;
            } catch {
              json = {};
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
        },
      );
      function fail(err: Error) {
        clearTimeout(timer);
        reject(err);
      }
      const timer = setTimeout(
        () => req.destroy(new Error(`search engine: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      req.on("error", fail);
      req.end(payload);
    });
  }

  /** Creates the index with its mapping when missing. */
  async ensureIndex(signal?: AbortSignal): Promise<void> {
    if (!this.enabled || this.indexReady) return;
    const head = await this.call("HEAD", `/${this.index}`, undefined, false, signal);
    if (head.status === 404) {
      const mappings = {
        mappings: { properties: { body: { type: "text" }, language: { type: "keyword" } } },
      };
      const res = await this.call("PUT", `/${this.index}`, mappings, false, signal);
      const type = (res.json.error as { type?: string } | undefined)?.type;
      if (res.status >= 300 && type !== "resource_already_exists_exception") {
        throw new Error(`create index ${this.index}: HTTP ${res.status}`);
      }
    } else if (head.status >= 300) {
      throw new Error(`index ${this.index}: HTTP ${head.status}`);
    }
    this.indexReady = true;
  }

  /** Whether the index exists; throws when the engine does not answer. */
  async indexExists(signal?: AbortSignal): Promise<boolean> {
    const head = await this.call("HEAD", `/${this.index}`, undefined, false, signal);
    if (head.status === 200) return true;
    if (head.status === 404) return false;
    throw new Error(`index ${this.index}: HTTP ${head.status}`);
  }

  /** Reports whether the engine answers. */
  async state(signal?: AbortSignal): Promise<SearchState> {
    if (!this.enabled) return "disabled";
    try {
      const res = await this.call("GET", "/_cluster/health", undefined, false, signal);
      return res.status < 300 ? "up" : "down";
    } catch {
      return "down";
    }
  }

  /**
   * Indexes (doc) or deletes (null) one post. Throws when the engine is unreachable or refuses
   * the write; deleting a post the index does not hold is not an error. Idempotent.
   */
  async write(id: number, doc: SearchDoc | null, signal?: AbortSignal): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.ensureIndex(signal);
      const path = `/${this.index}/_doc/${id}`;
      const res =
        doc === null
          ? await this.call("DELETE", path, undefined, false, signal)
          : await this.call(
              "PUT",
              path,
              { body: doc.body, language: doc.language ?? "" },
              false,
              signal,
            );
      if (res.status >= 300 && !(doc === null && res.status === 404)) {
        throw new Error(`HTTP ${res.status}`);
      }
    } catch (err) {
      this.indexReady = false;
      throw err;
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

  /**
   * Drops and recreates the index, then bulk-loads batches of posts (one `_bulk` request per
   * batch; the next batch is read from the database while the engine indexes the current one).
   * Periodic refreshes are off during the load and restored after it. `onProgress` hears after
   * every batch how many posts are in and since when. Returns the count.
   */
  async rebuild(
    batches: AsyncIterable<SearchDoc[]>,
    onProgress?: (p: RebuildProgress) => void,
  ): Promise<number> {
    if (!this.enabled) throw new Error("ELASTICSEARCH_URL is not set: search is disabled");
    const del = await this.call("DELETE", `/${this.index}`);
    if (del.status >= 300 && del.status !== 404)
      throw new Error(`delete index: HTTP ${del.status}`);
    this.indexReady = false;
    await this.ensureIndex();
    await this.setRefreshInterval("-1");
    const started = Date.now();
    let count = 0;
    const it = batches[Symbol.asyncIterator]();
    let next = it.next();
    for (;;) {
      const step = await next;
      if (step.done) break;
      const batch = step.value;
      next = it.next();
      // A rejected read must not go unhandled while the bulk request below is in flight.
      next.catch(() => undefined);
      const lines = batch.flatMap((d) => [
        JSON.stringify({ index: { _index: this.index, _id: String(d.id) } }),
        JSON.stringify({ body: d.body, language: d.language ?? "" }),
      ]);
      const res = await this.call(
        "POST",
        "/_bulk",
        lines.join("\n") + "\n",
        true,
        undefined,
        BULK_TIMEOUT_MS,
      );
      if (res.status >= 300 || res.json.errors === true) {
        throw new Error(`bulk index failed: HTTP ${res.status}`);
      }
      count += batch.length;
      onProgress?.({ indexed: count, elapsedMs: Date.now() - started });
    }
    await this.setRefreshInterval(null);
    await this.refresh();
    return count;
  }

  /** Sets the index's refresh interval (null: the engine's default). */
  private async setRefreshInterval(value: string | null): Promise<void> {
    const res = await this.call("PUT", `/${this.index}/_settings`, {
      index: { refresh_interval: value },
    });
    if (res.status >= 300) throw new Error(`index settings: HTTP ${res.status}`);
  }
}

/** Where a rebuild is: posts indexed so far and milliseconds since the first batch started. */
export interface RebuildProgress {
  indexed: number;
  elapsedMs: number;
}
