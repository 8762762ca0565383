/**
 * One error path for what never reaches a route: errors from Node's HTTP parser (431 headers
 * too large, 400 malformed request, 408 timeout) and from Fastify's router (400 bad URL
 * encoding, 414 over-long path parameter). They get the same security headers as every other
 * answer and the same HTML error page (rendered once, in English: no request was parsed),
 * instead of Fastify's raw JSON. Unsupported methods on known paths answer 405 with `Allow`.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import path from "node:path";
import helmet from "helmet";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import nunjucks from "nunjucks";
import { APP_ROOT } from "./config.js";
import { translator } from "./i18n.js";

/** helmet's options, shared by the @fastify/helmet plugin and the raw error answers. */
export function helmetOptions(hsts: boolean) {
  return {
    contentSecurityPolicy: {
      directives: {
        "img-src": ["'self'", "data:", "https://www.gravatar.com", "https://secure.gravatar.com"],
        "upgrade-insecure-requests": null,
      },
    },
    strictTransportSecurity: hsts,
  };
}

/** The headers helmet sets on every answer, computed once. */
export function securityHeaders(hsts: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  const middleware = helmet(helmetOptions(hsts)) as unknown as (
    req: object,
    res: object,
    next: (err?: unknown) => void,
  ) => void;
  middleware({ headers: {} }, res, (err) => {
    if (err) throw err;
  });
  return headers;
}

const MESSAGES: Record<number, string> = {
  400: "error.bad_request",
  408: "error.timeout",
  413: "error.too_large",
  414: "error.uri_too_long",
  431: "error.headers_too_large",
};

/** Pre-rendered English error pages for the statuses answered without a parsed request. */
export class RawErrorPages {
  private readonly pages = new Map<number, string>();
  readonly headers: Record<string, string>;

  constructor(hsts: boolean) {
    this.headers = securityHeaders(hsts);
    const env = new nunjucks.Environment(
      new nunjucks.FileSystemLoader(path.join(APP_ROOT, "views")),
      { autoescape: true, trimBlocks: true, lstripBlocks: true },
    );
    const t = translator("en");
    for (const [status, key] of Object.entries(MESSAGES)) {
      const html = env.render("errors/4xx.njk", {
        t,
        locale: "en",
        current_user: null,
        search_enabled: false,
        flashes: [],
        csrf: () => "",
        path: "/",
        status: Number(status),
        message: t(key),
      });
      this.pages.set(Number(status), html);
    }
  }

  /** The page for a status (400's page for statuses not pre-rendered). */
  page(status: number): { status: number; html: string } {
    const html = this.pages.get(status);
    return html ? { status, html } : { status: 400, html: this.pages.get(400)! };
  }

  /** A complete raw HTTP/1.1 answer, for the socket-level handler. */
  raw(status: number): string {
    const { status: code, html } = this.page(status);
    const headers = {
      ...this.headers,
      "content-type": "text/html; charset=utf-8",
      "content-language": "en",
      "content-length": String(Buffer.byteLength(html)),
      "cache-control": "no-store",
      connection: "close",
    };
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
    return `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\n${lines.join("\r\n")}\r\n\r\n${html}`;
  }
}

/** Fastify `clientErrorHandler`: errors Node's HTTP parser raises before any request exists. */
export function clientErrorHandler(pages: () => RawErrorPages, log: () => FastifyInstance["log"]) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    const status =
      err.code === "HPE_HEADER_OVERFLOW"
        ? 431
        : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? 408
          : 400;
    log().info({ status, code: err.code }, "client error");
    if (socket.writable) socket.end(pages().raw(status));
    else socket.destroy();
  };
}

/** Fastify `frameworkErrors`: router errors (bad URL encoding, over-long parameters). */
export function frameworkErrorHandler(pages: () => RawErrorPages) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    // 4xx for any bad input; the router has no other errors that could be the server's fault.
    const wanted =
      err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
    const { status, html } = pages().page(wanted);
    req.log.info({ status, code: err.code }, "framework error");
    void reply
      .code(status)
      .headers(pages().headers)
      .header("content-type", "text/html; charset=utf-8")
      .header("content-language", "en")
      .send(html);
  };
}

/** Sets the security headers that are not set yet (for errors raised before helmet's hook). */
export function ensureSecurityHeaders(reply: FastifyReply, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!reply.hasHeader(name)) reply.header(name, value);
  }
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/**
 * Records the methods of every route; `register405Routes` then answers the other methods on the
 * same paths with 405 and `Allow` (Fastify's router would answer 404).
 */
export function trackRouteMethods(app: FastifyInstance): Map<string, Set<string>> {
  const byUrl = new Map<string, Set<string>>();
  app.addHook("onRoute", (route) => {
    if (route.config && (route.config as { methodNotAllowed?: boolean }).methodNotAllowed) return;
    const set = byUrl.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) set.add(m.toUpperCase());
    byUrl.set(route.url, set);
  });
  return byUrl;
}

/** Registers the 405 routes for every path recorded so far. */
export function register405Routes(app: FastifyInstance, byUrl: Map<string, Set<string>>): void {
  for (const [url, allowed] of [...byUrl]) {
    const missing = METHODS.filter((m) => !allowed.has(m));
    if (missing.length === 0) continue;
    const allow = METHODS.filter((m) => allowed.has(m)).join(", ");
    app.route({
      method: missing,
      url,
      config: { methodNotAllowed: true },
      handler: async (req, reply) =>
        reply
          .header("allow", allow)
          .page("errors/4xx.njk", { status: 405, message: req.t("error.method_not_allowed") }, 405),
    });
  }
}
