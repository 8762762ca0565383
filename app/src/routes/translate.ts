/**
 * `POST /translate` (JSON in, JSON out), called by public/translate.js from a post's Translate
 * link: `{"text", "source_language", "dest_language"}` → 200 `{"text"}`. Needs a signed-in user
 * and a CSRF token (the `X-CSRF-Token` header, or `_csrf` in the body). Bad input is a 4xx with
 * `{"error"}`; a missing configuration or any failure of the translation service is a 503 with
 * a translated message, never a 500.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { jsonErrorHandler } from "../errors.js";
import { MAX_POST, charLength, field } from "../forms.js";
import { isLocale } from "../i18n.js";
import { translatorLanguage } from "../language.js";
import { TranslationError } from "../translator.js";

/** Longest text accepted, in characters: posts never exceed it. */
export const MAX_TRANSLATE = MAX_POST;
/** Translations per signed-in user (or per client address) and minute. */
export const TRANSLATE_RATE_LIMIT = 60;

function fail(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).header("cache-control", "no-store").send({ error: message });
}

/** preHandler: a JSON 401 instead of the pages' redirect to the login page. */
async function requireLoginJson(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!req.user) return fail(reply, 401, req.t("flash.login_required"));
}

/** The translate route. */
export async function translateRoutes(app: FastifyInstance): Promise<void> {
  app.post(
    "/translate",
    {
      errorHandler: jsonErrorHandler,
      preHandler: requireLoginJson,
      config: {
        rateLimit: {
          max: TRANSLATE_RATE_LIMIT,
          timeWindow: "1 minute",
          keyGenerator: (req: FastifyRequest) => (req.user ? `user:${req.user.id}` : req.ip),
        },
      },
    },
    async (req, reply) => {
      const t = req.t;
      const text = field(req.body, "text");
      const from = translatorLanguage(field(req.body, "source_language"));
      const to = field(req.body, "dest_language");
      if (text === "") return fail(reply, 400, t("translate.missing_text"));
      if (charLength(text) > MAX_TRANSLATE) {
        return fail(reply, 400, t("form.too_long", { max: MAX_TRANSLATE }));
      }
      if (from === null || !isLocale(to) || from === to) {
        return fail(reply, 400, t("error.bad_language"));
      }
      if (!app.translator.enabled) {
        req.log.warn("translation requested but MS_TRANSLATOR_KEY is not set");
        return fail(reply, 503, t("translate.failed"));
      }
      try {
        const translated = await app.translator.translate(text, from, to);
        return reply.header("cache-control", "no-store").send({ text: translated });
      } catch (err) {
        const detail =
          err instanceof TranslationError
            ? { err: err.message, status: err.status, code: err.code }
            : { err: String(err) };
        req.log.warn({ ...detail, from, to }, "translation service failed");
        return fail(reply, 503, t("translate.failed"));
      }
    },
  );
}
