/**
 * A local stand-in for Microsoft Translator Text API v3, following its documented request and
 * response shapes: `POST /translate?api-version=3.0&from=xx&to=yy` with the key in
 * `Ocp-Apim-Subscription-Key` (and `Ocp-Apim-Subscription-Region` for a regional resource), a
 * JSON body `[{"Text": "..."}]`, answered by `[{"translations":[{"text":"...","to":"yy"}]}]`,
 * and errors as `{"error":{"code":NNNNNN,"message":"..."}}` with the matching HTTP status.
 * Every request is recorded; tests may queue canned answers (errors, garbage, delays).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A request the stub received. */
export interface StubRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
}

/** A canned answer, used instead of the default behaviour for one request. */
export interface StubReply {
  status: number;
  /** Sent as is (a string) or as JSON. */
  body: unknown;
  contentType?: string;
  /** Wait this long before answering (to provoke client timeouts). */
  delayMs?: number;
}

/** Translator's error answer. */
export function translatorError(status: number, code: number, message: string): StubReply {
  return { status, body: { error: { code, message } } };
}

/** Words the stub "translates"; anything else comes back as `[to] text`. */
const DICTIONARY: Record<string, string> = {
  "es>en:Hola a todos, esta es mi primera publicación aquí":
    "Hello everyone, this is my first post here",
  "en>es:Good morning everyone, the weather is lovely today":
    "Buenos días a todos, hoy hace un tiempo precioso",
};

const LANGUAGES = new Set(["en", "es", "fr", "de", "it", "pt", "zh-Hans", "ja", "ru", "ar"]);

/** Stub server. */
export class TranslatorStub {
  readonly requests: StubRequest[] = [];
  readonly replies: StubReply[] = [];
  private server: http.Server | null = null;
  url = "";

  constructor(
    /** The only key accepted. */
    readonly key: string,
    /** When set, the region header must carry this value (a regional resource). */
    readonly region = "",
  ) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      let raw = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (raw += chunk));
      req.on("end", () => {
        const u = new URL(req.url ?? "/", "http://stub.invalid");
        const record: StubRequest = {
          method: req.method ?? "",
          path: u.pathname,
          query: u.searchParams,
          headers: req.headers,
          rawBody: raw,
        };
        this.requests.push(record);
        const reply = this.replies.shift() ?? this.answer(record);
        const send = () => {
          if (res.destroyed) return;
          const body = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
          res.writeHead(reply.status, {
            "content-type": reply.contentType ?? "application/json; charset=utf-8",
            "x-requestid": "stub-request",
          });
          res.end(body);
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = null;
  }

  /** The last request received. */
  get last(): StubRequest {
    const r = this.requests[this.requests.length - 1];
    if (!r) throw new Error("the Translator stub received no request");
    return r;
  }

  /** What the real service does for a request (the documented subset this app uses). */
  private answer(r: StubRequest): StubReply {
    if (r.method !== "POST" || r.path !== "/translate") {
      return translatorError(404, 404001, "The requested resource was not found.");
    }
    if (r.query.get("api-version") !== "3.0") {
      return translatorError(400, 400021, "The API version parameter is missing or invalid.");
    }
    if (r.headers["ocp-apim-subscription-key"] !== this.key) {
      return translatorError(
        401,
        401000,
        "The request is not authorized because credentials are missing or invalid.",
      );
    }
    if (this.region && r.headers["ocp-apim-subscription-region"] !== this.region) {
      return translatorError(
        401,
        401000,
        "The request is not authorized because credentials are missing or invalid.",
      );
    }
    const to = r.query.getAll("to");
    if (to.length !== 1 || !LANGUAGES.has(to[0]!)) {
      return translatorError(400, 400036, "The target language is not valid.");
    }
    const from = r.query.get("from");
    if (from !== null && !LANGUAGES.has(from)) {
      return translatorError(400, 400035, "The source language is not valid.");
    }
    if (!/^application\/json/.test(r.headers["content-type"] ?? "")) {
      return translatorError(415, 415000, "The Content-Type header is missing or invalid.");
    }
    let items: unknown;
    try {
      items = JSON.parse(r.rawBody);
    } catch {
      return translatorError(400, 400074, "The body of the request is not valid JSON.");
    }
    if (
      !Array.isArray(items) ||
      items.length === 0 ||
      !items.every((i) => typeof (i as { Text?: unknown })?.Text === "string")
    ) {
      return translatorError(400, 400005, "An input text is missing or invalid.");
    }
    const body = (items as { Text: string }[]).map((i) => ({
      translations: [
        {
          text: DICTIONARY[`${from}>${to[0]}:${i.Text}`] ?? `[${to[0]}] ${i.Text}`,
          to: to[0],
        },
      ],
    }));
    return { status: 200, body };
  }
}
