/**
 * Micro-cache for public pages seen by anonymous visitors (explore, user profiles, search): the
 * rendered HTML is reused for PAGE_CACHE_SECONDS per URL and language. Signed-in users, pages with flash
 * messages and non-200 answers are never cached, so nobody sees someone else's session data;
 * anonymous visitors may see a page up to that many seconds old. 0 turns it off.
 */
import type { FastifyReply, FastifyRequest } from "fastify";

const MAX_ENTRIES = 1000;

interface Entry {
  html: string;
  expires: number;
}

/**
 * A bounded map of rendered pages with expiry. While one request renders a page, others for the
 * same key wait for it instead of rendering it again (no stampede when an entry expires).
 */
export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<
    string,
    { wait: Promise<string | undefined>; done: (html?: string) => void }
  >();

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

  /** The render in progress for a key, if any (resolves undefined when it was not cacheable). */
  pending(key: string): Promise<string | undefined> | undefined {
    return this.inflight.get(key)?.wait;
  }

  /** Marks a key as being rendered by the current request. */
  begin(key: string): void {
    let done: (html?: string) => void = () => {};
    const wait = new Promise<string | undefined>((resolve) => (done = resolve));
    this.inflight.set(key, { wait, done });
  }

  /** Ends a render: stores the page when there is one and wakes the waiting requests. */
  finish(key: string, html?: string): void {
    if (html !== undefined) this.set(key, html);
    const flight = this.inflight.get(key);
    this.inflight.delete(key);
    flight?.done(html);
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
  let html = cache.get(key);
  if (html === undefined) {
    const wait = cache.pending(key);
    if (!wait) {
      // No await before begin(): requests arriving in the same tick must see the render.
      cache.begin(key);
      reply.pageCacheKey = key;
      return;
    }
    html = await wait;
  }
  if (html === undefined) return; // the render we waited for was not cacheable: render anew
  reply.header("x-page-cache", "hit");
  return reply.code(200).type("text/html; charset=utf-8").send(html);
}

/** onResponse: releases requests that waited on a render that ended without a cacheable page. */
export async function endPublicCache(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (reply.pageCacheKey !== null) req.server.pageCache.finish(reply.pageCacheKey);
}
