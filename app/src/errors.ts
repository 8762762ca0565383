/**
 * Error pages: 4xx show a clear, translated message; 5xx show a generic page (no stack trace)
 * and, when mail is configured, email the admins (at most one mail per minute).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ensureSecurityHeaders } from "./framework-errors.js";
import { translator } from "./i18n.js";
import { redactUrl } from "./request-log.js";

/** An error meant for the user: its message is shown as is, with its status code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

let lastAdminMail = 0;

function userMessage(err: FastifyError, req: FastifyRequest): string {
  const t = req.t ?? ((k: string) => k);
  if (err instanceof HttpError) return err.message;
  if (err.code?.startsWith("FST_CSRF")) return t("error.csrf");
  if (err.statusCode === 429) return t("error.rate_limited");
  if (err.statusCode === 413) return t("error.too_large");
  if (err.statusCode === 415) return t("error.unsupported_type");
  return t("error.bad_request");
}

function notifyAdmins(req: FastifyRequest, err: Error): void {
  const { mailer, appConfig } = req.server;
  if (!mailer.enabled || appConfig.admins.length === 0) return;
  const now = Date.now();
  if (now - lastAdminMail < 60_000) return;
  lastAdminMail = now;
  const text = [
    `${req.method} ${redactUrl(req.url)} failed (request ${req.id}) at ${new Date(now).toISOString()}`,
    "",
    err.stack ?? String(err),
  ].join("\n");
  mailer
    .send({ to: [...appConfig.admins], subject: "Microblog Failure", text })
    .catch((e: unknown) => req.log.warn({ err: String(e) }, "could not mail the admins"));
}

/** Fastify error handler; `headers` are the security headers, set when still missing. */
export function errorHandler(headers: Record<string, string>) {
  return function (err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
    ensureSecurityHeaders(reply, headers);
    // Errors raised before the locale hook ran still get a (default-language) HTML page.
    if (!req.t) {
      req.locale = "en";
      req.t = translator("en");
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, "request failed");
      notifyAdmins(req, err);
      return reply.page("errors/500.njk", { status: 500 }, 500);
    }
    req.log.info({ status, code: err.code }, err.message);
    return reply.page("errors/4xx.njk", { status, message: userMessage(err, req) }, status);
  };
}

/**
 * Error handler of JSON endpoints (/translate): the same statuses and messages as the pages,
 * as `{"error": "..."}`.
 */
export function jsonErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
  const t = req.t ?? ((k: string) => k);
  reply.header("cache-control", "no-store");
  if (status >= 500) {
    req.log.error({ err }, "request failed");
    notifyAdmins(req, err);
    return reply.code(500).send({ error: t("error.500_title") });
  }
  req.log.info({ status, code: err.code }, err.message);
  return reply.code(status).send({ error: userMessage(err, req) });
}

/** 404 page. */
export function notFoundHandler(headers: Record<string, string>) {
  return function (req: FastifyRequest, reply: FastifyReply) {
    ensureSecurityHeaders(reply, headers);
    if (!req.t) {
      req.locale = "en";
      req.t = translator("en");
    }
    return reply.page("errors/4xx.njk", { status: 404, message: req.t("error.not_found") }, 404);
  };
}
