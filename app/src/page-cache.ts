/**
 * Micro-cache for public pages seen by anonymous visitors (explore, user profiles): the rendered
 * HTML is reused for PAGE_CACHE_SECONDS per URL and language. Signed-in users, pages with flash
 * messages and non-200 answers are never cached, so nobody sees someone else's session data;
 * anonymous visitors may see a page up to that many seconds old. 0 turns it off.
 */
import type { FastifyReply, FastifyRequest } from "fastify";

const MAX_ENTRIES = 1000;

interface Entry {
  html: string;
  expires: number;
}

/** A bounded map of rendered pages with expiry. */
export class PageCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttlMs: number) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** Cache key of an anonymous request, or null when the request must not use the cache. */
  key(req: FastifyRequest): string | null {
    if (!this.enabled || req.method !== "GET" || req.user) return null;
    if (req.session?.get("flash")) return null;
    return `${req.locale}|${req.url}`;
  }

  get(key: string): string | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.html;
  }

  set(key: string, html: string): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { html, expires: Date.now() + this.ttlMs });
  }
}

/** Route preHandler: answers from the cache when it can; marks the request cacheable. */
export async function servePublicCache(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const cache = req.server.pageCache;
  const key = cache.key(req);
  if (key === null) return;
  const html = cache.get(key);
  if (html !== undefined) {
    reply.header("x-page-cache", "hit");
    return reply.code(200).type("text/html; charset=utf-8").send(html);
  }
  reply.pageCacheKey = key;
}
