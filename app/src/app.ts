/**
 * Builds the Microblog Fastify app (plugins, hooks, routes) without listening, so tests can drive
 * it with `inject`. `server.ts` listens; `cli.ts` migrates and reindexes.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import fastifyAccepts from "@fastify/accepts";
import fastifyCookie from "@fastify/cookie";
import fastifyCsrf from "@fastify/csrf-protection";
import fastifyFormbody from "@fastify/formbody";
import fastifyHelmet from "@fastify/helmet";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySecureSession from "@fastify/secure-session";
import fastifyStatic from "@fastify/static";
import fastifyView from "@fastify/view";
import type { Knex } from "knex";
import nunjucks from "nunjucks";
import { APP_ROOT, type Config } from "./config.js";
import { openDatabase } from "./db/connection.js";
import { passwordSource } from "./db/secret-password.js";
import { Repository, type User } from "./db/repository.js";
import { errorHandler, notFoundHandler } from "./errors.js";
import {
  RawErrorPages,
  clientErrorHandler,
  frameworkErrorHandler,
  helmetOptions,
  register405Routes,
  trackRouteMethods,
} from "./framework-errors.js";
import { absoluteTime, relativeTime, translator, type Locale, type Translate } from "./i18n.js";
import { Mailer } from "./mail/mailer.js";
import { OneLineRequestLog } from "./request-log.js";
import { PageCache, endPublicCache } from "./page-cache.js";
import { decoratePage, loadLocale, loadUser, type Flash } from "./request-context.js";
import { authRoutes } from "./routes/auth.js";
import { healthRoutes } from "./routes/health.js";
import { mainRoutes } from "./routes/main.js";
import { postRoutes } from "./routes/posts.js";
import { translateRoutes } from "./routes/translate.js";
import { translationSource } from "./language.js";
import { SearchEngine } from "./search/engine.js";
import { SearchOutbox, type OutboxOptions } from "./search/outbox.js";
import { Translator } from "./translator.js";

declare module "@fastify/secure-session" {
  interface SessionData {
    userId: number;
    /** The user's session_epoch when this session was created. */
    epoch: number;
    remember: boolean;
    exp: number;
    flash: Flash[];
  }
}

declare module "fastify" {
  interface FastifyInstance {
    appConfig: Config;
    repo: Repository;
    searchEngine: SearchEngine;
    /** Durable queue of search index updates and its background drainer. */
    searchOutbox: SearchOutbox;
    mailer: Mailer;
    pageCache: PageCache;
    translator: Translator;
  }
  interface FastifyRequest {
    user: User | null;
    locale: Locale;
    t: Translate;
  }
  interface FastifyReply {
    /** Set by servePublicCache when the page being rendered may be cached. */
    pageCacheKey: string | null;
    /** Renders a template with the common context (user, t, csrf, flash) and a status. */
    page(template: string, data?: Record<string, unknown>, status?: number): FastifyReply;
  }
}

/** Optional collaborators, for tests (a shared knex instance, a logger setting). */
export interface BuildOptions {
  db?: Knex;
  logger?: FastifyServerOptions["logger"];
  /** Time limit of a Translator call in ms (default 5000). */
  translatorTimeoutMs?: number;
  /** Search outbox tuning beyond SEARCH_RETRY_INTERVAL (tests: lease, backoff cap, clock). */
  searchOutbox?: Omit<OutboxOptions, "intervalMs">;
}

/** Gravatar URL for an email (identicon when the address has no picture). */
export function avatarUrl(email: string, size: number): string {
  const hash = createHash("md5").update(email.trim().toLowerCase()).digest("hex");
  return `https://www.gravatar.com/avatar/${hash}?d=identicon&s=${size}`;
}

function sessionKey(secret: string): Buffer {
  return createHash("sha256").update(`microblog/session:${secret}`).digest();
}

/** Fastify's trustProxy from TRUSTED_PROXIES: a hop count trusts that many hops nearest to us. */
function trustProxy(
  t: Config["trustedProxies"],
): boolean | string[] | ((a: string, hop: number) => boolean) {
  if (typeof t === "number") return (_address, hop) => hop < t;
  return t;
}

/** Builds the app. The caller owns `listen` and `close`. */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  // Answers for errors that never reach a route (parser, router): same headers, HTML pages.
  const rawPages = new RawErrorPages(config.cookieSecure);
  const app: FastifyInstance = Fastify({
    logger: opts.logger ?? { level: config.logLevel },
    clientErrorHandler: clientErrorHandler(
      () => rawPages,
      () => app.log,
    ),
    frameworkErrors: frameworkErrorHandler(() => rawPages),
    logController: new OneLineRequestLog(),
    bodyLimit: 64 * 1024,
    // Client addresses (rate limits, logs) come from X-Forwarded-For only through the
    // configured proxy hops; by default the socket's address is the client.
    trustProxy: trustProxy(config.trustedProxies),
    // Reset tokens travel in the path; the default 100-character limit would cut them.
    routerOptions: { maxParamLength: 2048 },
    return503OnClosing: true,
    // A client may take at most this long to send a whole request (slow-loris bound).
    requestTimeout: 30_000,
  });
  const db = opts.db ?? openDatabase(config.databaseUrl, passwordSource(config)).db;
  app.decorate("appConfig", config);
  const searchEngine = SearchEngine.fromConfig(config);
  app.decorate("repo", new Repository(db, { searchOutbox: searchEngine.enabled }));
  app.decorate("searchEngine", searchEngine);
  app.decorate(
    "searchOutbox",
    new SearchOutbox(
      db,
      searchEngine,
      { ...opts.searchOutbox, intervalMs: config.searchRetryIntervalSeconds * 1000 },
      app.log,
    ),
  );
  app.decorate("mailer", new Mailer(config.mail));
  app.decorate("pageCache", new PageCache(config.pageCacheSeconds * 1000));
  app.decorate(
    "translator",
    new Translator({ ...config.translator, timeoutMs: opts.translatorTimeoutMs }),
  );
  app.decorateReply("pageCacheKey", null);
  app.addHook("onClose", async () => {
    app.mailer.close();
    if (!opts.db) await db.destroy();
  });

  const routeMethods = trackRouteMethods(app);
  await app.register(fastifyHelmet, helmetOptions(config.cookieSecure));
  await app.register(fastifyFormbody);
  await app.register(fastifyCookie);
  await app.register(fastifySecureSession, {
    key: sessionKey(config.secretKey),
    cookieName: "session",
    expiry: 30 * 24 * 3600,
    cookie: { path: "/", httpOnly: true, sameSite: "lax", secure: config.cookieSecure },
  });
  await app.register(fastifyCsrf, { sessionPlugin: "@fastify/secure-session" });
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyAccepts);
  await app.register(fastifyStatic, {
    root: path.join(APP_ROOT, "public"),
    prefix: "/static/",
    maxAge: "1d",
  });
  await app.register(fastifyView, {
    engine: { nunjucks },
    root: path.join(APP_ROOT, "views"),
    production: config.env !== "development",
    options: {
      autoescape: true,
      trimBlocks: true,
      lstripBlocks: true,
      throwOnUndefined: false,
      onConfigure: (env: nunjucks.Environment) => {
        env.addGlobal("avatar", avatarUrl);
        env.addGlobal("ago", relativeTime);
        env.addGlobal("when", absoluteTime);
        env.addGlobal("translator", translator);
        env.addGlobal("translation_source", translationSource);
      },
    },
  });

  app.addHook("onRequest", loadLocale);
  app.addHook("onRequest", loadUser);
  app.addHook("preHandler", (req, reply, done) => {
    const notAllowed = (req.routeOptions.config as { methodNotAllowed?: boolean }).methodNotAllowed;
    if (req.method === "POST" && !notAllowed) app.csrfProtection(req, reply, done);
    else done();
  });
  app.addHook("onResponse", endPublicCache);
  // Graceful drain: once close() starts, answers to requests that were in flight end their
  // keep-alive connection, and idle connections are closed as they appear; otherwise each
  // such socket would hold close() open until its keep-alive timeout (72 s).
  let draining: NodeJS.Timeout | undefined;
  app.addHook("preClose", (done) => {
    draining = setInterval(() => app.server.closeIdleConnections?.(), 100);
    draining.unref();
    done();
  });
  app.addHook("onSend", async (req, reply) => {
    if (draining && req.raw.httpVersionMajor === 1) reply.header("connection", "close");
  });
  app.addHook("onClose", async () => clearInterval(draining));
  // The search outbox drainer (started by server.ts) stops first and waits at most a second:
  // whatever it had not done stays in the outbox for the next process.
  app.addHook("preClose", async () => app.searchOutbox.stop());
  decoratePage(app);
  app.setErrorHandler(errorHandler(rawPages.headers));
  app.setNotFoundHandler(notFoundHandler(rawPages.headers));

  await app.register(healthRoutes);
  await app.register(authRoutes, { prefix: "/auth" });
  await app.register(mainRoutes);
  await app.register(postRoutes);
  await app.register(translateRoutes);
  await app.register(async (scope) => register405Routes(scope, routeMethods));
  return app;
}
