/**
 * Microsoft Translator (Text API v3) client: one `POST {base}/translate?api-version=3.0&from=&to=`
 * with body `[{"Text": "..."}]`, answered by `[{"translations":[{"text":"...","to":"es"}]}]`.
 * Failures (HTTP error, `{"error":{"code","message"}}` bodies, malformed answers, timeouts,
 * network errors) all become a TranslationError. The key is sent in `Ocp-Apim-Subscription-Key`
 * only: it is kept in a private field and never appears in errors or logs.
 */
import { randomUUID } from "node:crypto";

/** Default time limit of one translation call, in milliseconds. */
export const TRANSLATE_TIMEOUT_MS = 5000;

/** Why a translation failed (for logs; users get a generic message). */
export class TranslationError extends Error {
  override name = "TranslationError";
  constructor(
    message: string,
    /** HTTP status of the service's answer, when there was one. */
    readonly status?: number,
    /** Translator's numeric error code (e.g. 401000), when its answer had one. */
    readonly code?: number,
  ) {
    super(message);
  }
}

/** Connection settings. An empty key means translation is not configured. */
export interface TranslatorOptions {
  key: string;
  /** Azure region of a regional or multi-service resource; "" for a global resource. */
  region: string;
  /** Base URL without a trailing slash, e.g. https://api.cognitive.microsofttranslator.com */
  url: string;
  timeoutMs?: number;
}

/** Longest part of a service error message kept in a TranslationError. */
const MAX_DETAIL = 200;

function describeError(json: unknown): { code?: number; message: string } {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error !== "object" || error === null) return { message: "" };
  const code = typeof error.code === "number" ? error.code : undefined;
  const message = typeof error.message === "string" ? error.message.slice(0, MAX_DETAIL) : "";
  return { code, message };
}

/** Translator client. */
export class Translator {
  readonly #key: string;
  private readonly region: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(opts: TranslatorOptions) {
    this.#key = opts.key;
    this.region = opts.region;
    this.baseUrl = opts.url.replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs ?? TRANSLATE_TIMEOUT_MS;
  }

  /** True when a key is configured. */
  get enabled(): boolean {
    return this.#key !== "";
  }

  /**
   * Translates plain text from one Translator language code to another. Throws
   * TranslationError on any failure, including when no key is configured.
   */
  async translate(text: string, from: string, to: string): Promise<string> {
    if (!this.enabled) throw new TranslationError("translation is not configured");
    const url = new URL(`${this.baseUrl}/translate`);
    url.searchParams.set("api-version", "3.0");
    url.searchParams.set("from", from);
    url.searchParams.set("to", to);
    const headers: Record<string, string> = {
      "Ocp-Apim-Subscription-Key": this.#key,
      "Content-Type": "application/json; charset=UTF-8",
      Accept: "application/json",
      "X-ClientTraceId": randomUUID(),
    };
    if (this.region) headers["Ocp-Apim-Subscription-Region"] = this.region;

    let status: number;
    let body: string;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify([{ Text: text }]),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: "error",
      });
      status = res.status;
      body = await res.text();
    } catch (err) {
      const name = (err as { name?: string } | null)?.name;
      if (name === "TimeoutError" || name === "AbortError") {
        throw new TranslationError(`no answer within ${this.timeoutMs} ms`);
      }
      const cause = (err as { cause?: { code?: string } } | null)?.cause?.code;
      throw new TranslationError(`request failed${cause ? ` (${cause})` : ""}`);
    }

    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    if (status < 200 || status >= 300) {
      const { code, message } = describeError(json);
      const detail = [code, message].filter((x) => x !== undefined && x !== "").join(" ");
      throw new TranslationError(`HTTP ${status}${detail ? `: ${detail}` : ""}`, status, code);
    }
    const translated = (json as { translations?: { text?: unknown }[] }[] | undefined)?.[0]
      ?.translations?.[0]?.text;
    if (!Array.isArray(json) || typeof translated !== "string") {
      throw new TranslationError("malformed answer", status);
    }
    return translated;
  }
}
