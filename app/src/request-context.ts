/** Per-request context: locale, signed-in user, flash messages and the page renderer. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { LOCALES, isLocale, translator, type Locale } from "./i18n.js";

/** A flash message shown once on the next page. */
export interface Flash {
  kind: "info" | "error";
  text: string;
}

/** How long a "remember me" session lasts. */
export const REMEMBER_SECONDS = 30 * 24 * 3600;
/** How long a session without "remember me" stays valid (the cookie also ends with the browser). */
export const SESSION_SECONDS = 24 * 3600;
/** last_seen is written at most this often per user, to keep reads cheap. */
const LAST_SEEN_EVERY_MS = 60_000;

const translators = new Map(LOCALES.map((l) => [l, translator(l)]));

function skipContext(url: string): boolean {
  return url.startsWith("/static/") || url === "/healthz" || url === "/readyz";
}

/** onRequest: picks the locale from the `lang` cookie, else Accept-Language, else English. */
export async function loadLocale(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const cookie = req.cookies.lang;
  let locale: Locale = "en";
  if (isLocale(cookie)) locale = cookie;
  else {
    const best = req.languages([...LOCALES]);
    if (isLocale(best)) locale = best;
  }
  req.locale = locale;
  req.t = translators.get(locale)!;
  reply.header("content-language", locale);
  reply.header("vary", "Accept-Language, Cookie");
}

/** onRequest: loads the signed-in user from the session; expires short sessions. */
export async function loadUser(this: FastifyInstance, req: FastifyRequest): Promise<void> {
  req.user = null;
  if (skipContext(req.url)) return;
  const session = req.session;
  const userId = session.get("userId");
  if (typeof userId !== "number") return;
  const exp = session.get("exp");
  if (typeof exp === "number" && Date.now() > exp) {
    session.delete();
    return;
  }
  if (session.get("remember")) session.options({ maxAge: REMEMBER_SECONDS });
  const user = await this.repo.userById(userId);
  // A session from an older epoch was ended by a logout or a password change; sessions with no
  // epoch predate revocation and are ended too (one extra login after the upgrade).
  if (!user || session.get("epoch") !== Number(user.session_epoch)) {
    session.delete();
    return;
  }
  req.user = user;
  const now = Date.now();
  if (now - Number(user.last_seen) > LAST_SEEN_EVERY_MS) {
    user.last_seen = now;
    await this.repo.touchLastSeen(user.id, now);
  }
}

/** Queues a message for the next rendered page. */
export function flash(req: FastifyRequest, text: string, kind: Flash["kind"] = "info"): void {
  const list = req.session.get("flash") ?? [];
  req.session.set("flash", [...list, { kind, text }]);
}

const LOCAL_BASE = "http://local.invalid";

/**
 * True for a string that, as is, is a path on this site: one leading `/`, no backslash (raw or
 * percent-encoded: some proxies decode it), no control characters.
 */
function isLocalPath(p: string): boolean {
  return (
    p.startsWith("/") &&
    !p.startsWith("//") &&
    !p.includes("\\") &&
    !/%5c/i.test(p) &&
    !/[\u0000-\u001f\u007f]/.test(p)
  );
}

/**
 * Returns `next` when it is a path on this site, else the fallback (never an external URL).
 * The check runs both before and after URL normalisation: `/..//evil.example` is a local path
 * as written but normalises to the protocol-relative `//evil.example`.
 */
export function safeNext(next: unknown, fallback = "/"): string {
  if (typeof next !== "string" || !isLocalPath(next)) return fallback;
  try {
    const u = new URL(next, LOCAL_BASE);
    if (u.origin !== LOCAL_BASE) return fallback;
    const result = u.pathname + u.search;
    // Re-parse the result too, so what the browser resolves is what was checked.
    if (!isLocalPath(result) || new URL(result, LOCAL_BASE).origin !== LOCAL_BASE) return fallback;
    return result;
  } catch {
    return fallback;
  }
}

/** preHandler for pages that need a signed-in user: redirects to the login page. */
export async function requireLogin(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.user) return;
  flash(req, req.t("flash.login_required"));
  const next = encodeURIComponent(safeNext(req.url));
  return reply.redirect(`/auth/login?next=${next}`);
}

/** Adds `reply.page(template, data, status)`. */
export function decoratePage(app: FastifyInstance): void {
  app.decorateReply(
    "page",
    function (
      this: FastifyReply,
      template: string,
      data: Record<string, unknown> = {},
      status = 200,
    ) {
      const req = this.request;
      const messages = req.session?.get("flash");
      if (messages) req.session.set("flash", undefined);
      // One token per page: every form on it may share it (tokens stay valid for the session).
      let token: string | undefined;
      const ctx = {
        t: req.t,
        locale: req.locale,
        current_user: req.user,
        search_enabled: app.searchEngine.enabled,
        // Translate links only for signed-in readers: /translate needs a login, and anonymous
        // pages (which the page cache may share) stay free of them.
        translate_enabled: app.translator.enabled && Boolean(req.user),
        flashes: messages ?? [],
        csrf: () => (token ??= this.generateCsrf()),
        path: req.url,
        ...data,
      };
      this.code(status).type("text/html; charset=utf-8");
      const cacheKey = this.pageCacheKey;
      if (cacheKey === null || status !== 200 || messages) {
        return this.view(template, ctx) as unknown as FastifyReply;
      }
      return this.viewAsync(template, ctx).then((html) => {
        app.pageCache.finish(cacheKey, html);
        this.pageCacheKey = null;
        return this.send(html);
      }) as unknown as FastifyReply;
    },
  );
}
