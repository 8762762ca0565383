/**
 * The Translate feature through `inject`: the link on posts in another language than the
 * reader's (only when translation is configured, only for signed-in readers), and
 * `POST /translate` (CSRF, login, 200 / 4xx / 503 as JSON, never a 500), against a local
 * Translator v3 stand-in.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { Knex } from "knex";
import { Client, freshDatabase, makeApp, signedIn } from "./helpers.js";
import { TranslatorStub, translatorError } from "./translator-stub.js";

const KEY = "route-test-key-9f8e7d6c5b4a";
const REGION = "westeurope";
const SPANISH = "Hola a todos, esta es mi primera publicación aquí";
const ENGLISH = "Good morning everyone, the weather is lovely today";
const FAILED_EN = "Error: the translation service failed.";
const FAILED_ES = "Error: el servicio de traducción ha fallado.";

type CsrfMode = "header" | "body" | "none" | { token: string };

/** POSTs JSON to /translate the way public/translate.js does (CSRF token in X-CSRF-Token). */
async function translate(
  c: Client,
  body: unknown,
  csrf: CsrfMode = "header",
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {
    ...c.headers,
    "content-type": "application/json",
    accept: "application/json",
  };
  let payload = body;
  if (csrf === "header") headers["x-csrf-token"] = await c.csrf();
  else if (csrf === "body") payload = { ...(body as object), _csrf: await c.csrf() };
  else if (csrf !== "none") headers["x-csrf-token"] = csrf.token;
  headers.cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  return c.app.inject({
    method: "POST",
    url: "/translate",
    headers,
    payload: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
}

/** The Translate boxes of a page: post id → attributes. */
function boxes(html: string): Map<number, { from: string; to: string; hidden: boolean }> {
  const out = new Map<number, { from: string; to: string; hidden: boolean }>();
  const re =
    /<div class="translate" id="post-(\d+)-translation"( hidden)? data-from="([^"]*)" data-to="([^"]*)"/g;
  for (const m of html.matchAll(re)) {
    out.set(Number(m[1]), { hidden: m[2] !== undefined, from: m[3]!, to: m[4]! });
  }
  return out;
}

function assertJsonError(r: LightMyRequestResponse, status: number, message: RegExp | string) {
  assert.equal(r.statusCode, status, r.body);
  assert.match(String(r.headers["content-type"]), /^application\/json/);
  const json = r.json() as { error?: unknown; text?: unknown };
  assert.equal(json.text, undefined);
  if (typeof message === "string") assert.equal(json.error, message);
  else assert.match(String(json.error), message);
}

describe("translate", () => {
  let stub: TranslatorStub;
  let database: { url: string; db: Knex };
  let app: FastifyInstance;
  let off: FastifyInstance;
  let alice: Client;
  let bob: Client;
  let spanishId = 0;
  let englishId = 0;
  let shortId = 0;
  const logs: string[] = [];

  before(async () => {
    stub = await new TranslatorStub(KEY, REGION).start();
    database = await freshDatabase();
    app = await makeApp(
      database,
      { MS_TRANSLATOR_KEY: KEY, MS_TRANSLATOR_REGION: REGION, MS_TRANSLATOR_URL: stub.url },
      {
        translatorTimeoutMs: 300,
        logger: { level: "info", stream: { write: (line: string) => void logs.push(line) } },
      },
    );
    off = await makeApp(database);
    alice = await signedIn(app, "alice");
    bob = await signedIn(app, "bob");
    bob.headers["accept-language"] = "es-ES,es;q=0.9";
    for (const post of [SPANISH, ENGLISH, "ok"]) {
      assert.equal((await alice.post("/", { post })).statusCode, 302);
    }
    const rows: { id: number; body: string; language: string }[] = await database
      .db("posts")
      .select("id", "body", "language");
    const id = (body: string) => rows.find((r) => r.body === body)!.id;
    [spanishId, englishId, shortId] = [id(SPANISH), id(ENGLISH), id("ok")];
    assert.deepEqual(
      rows.map((r) => r.language),
      ["spa", "eng", ""],
    );
  });
  after(async () => {
    await app.close();
    await off.close();
    await database.db.destroy();
    await stub.close();
  });
  beforeEach(() => {
    stub.requests.length = 0;
    stub.replies.length = 0;
  });

  describe("the Translate link", () => {
    it("shows on posts in another language than the reader's, hidden until the script runs", async () => {
      const page = (await alice.get("/")).body;
      assert.deepEqual([...boxes(page)], [[spanishId, { from: "es", to: "en", hidden: true }]]);
      assert.match(
        page,
        new RegExp(
          `id="post-${spanishId}-translation"[^>]*>\\s*<button type="button" class="link">Translate</button>`,
        ),
      );
      const es = (await bob.get("/explore")).body;
      assert.deepEqual([...boxes(es)], [[englishId, { from: "en", to: "es", hidden: true }]]);
      assert.match(es, />Traducir<\/button>/);
      assert.ok(!boxes(es).has(shortId));
    });

    it("loads one same-origin script carrying the CSRF token and messages, no inline script", async () => {
      const r = await alice.get("/user/alice");
      const scripts = [...r.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      assert.equal(scripts.length, 1);
      assert.match(
        scripts[0]!,
        /^<script src="\/static\/translate\.js" defer data-csrf="[^"]+" data-busy="Translating…" data-failed="Error: the translation service failed\." data-unreachable="[^"]+">$/,
      );
      assert.doesNotMatch(r.body, /<script>|\son(click|load)=/);
      const csp = String(r.headers["content-security-policy"]);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /script-src-attr 'none'/);
      const js = await alice.get("/static/translate.js");
      assert.equal(js.statusCode, 200);
      assert.match(String(js.headers["content-type"]), /javascript/);
      assert.match(js.body, /X-CSRF-Token/);
      assert.match(js.body, /textContent = message/);
      assert.doesNotMatch(js.body, /innerHTML/);
    });

    it("is absent for anonymous readers", async () => {
      const page = (await new Client(app).get("/explore")).body;
      assert.match(page, new RegExp(SPANISH));
      assert.equal(boxes(page).size, 0);
      assert.doesNotMatch(page, /translate\.js/);
    });

    it("is absent when translation is not configured", async () => {
      const carol = await signedIn(off, "carol");
      const page = (await carol.get("/explore")).body;
      assert.match(page, new RegExp(SPANISH));
      assert.doesNotMatch(page, /class="translate"|translate\.js/);
    });
  });

  describe("POST /translate", () => {
    const request = { text: SPANISH, source_language: "spa", dest_language: "en" };

    it("translates with the CSRF token in the X-CSRF-Token header", async () => {
      const r = await translate(alice, request);
      assert.equal(r.statusCode, 200, r.body);
      assert.match(String(r.headers["content-type"]), /^application\/json/);
      assert.equal(r.headers["cache-control"], "no-store");
      assert.deepEqual(r.json(), { text: "Hello everyone, this is my first post here" });
      assert.equal(stub.requests.length, 1);
      const sent = stub.last;
      assert.equal(sent.path, "/translate");
      assert.equal(sent.query.get("api-version"), "3.0");
      assert.equal(sent.query.get("from"), "es");
      assert.equal(sent.query.get("to"), "en");
      assert.equal(sent.headers["ocp-apim-subscription-key"], KEY);
      assert.equal(sent.headers["ocp-apim-subscription-region"], REGION);
      assert.deepEqual(JSON.parse(sent.rawBody), [{ Text: SPANISH }]);
      assert.doesNotMatch(r.body, new RegExp(KEY));
    });

    it("accepts the token as _csrf in the body and Translator codes as the source", async () => {
      const r = await translate(
        bob,
        { text: ENGLISH, source_language: "en", dest_language: "es" },
        "body",
      );
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), { text: "Buenos días a todos, hoy hace un tiempo precioso" });
      assert.equal(stub.last.query.get("from"), "en");
      assert.equal(stub.last.query.get("to"), "es");
    });

    it("requires a valid CSRF token (403 JSON)", async () => {
      assertJsonError(await translate(alice, request, "none"), 403, /security token/);
      assertJsonError(await translate(alice, request, { token: "forged" }), 403, /security token/);
      assert.equal(stub.requests.length, 0);
    });

    it("requires a login (401 JSON)", async () => {
      const anon = new Client(app);
      assertJsonError(await translate(anon, request), 401, "Please log in to access this page.");
      assertJsonError(await translate(anon, request, "none"), 403, /security token/);
      assert.equal(stub.requests.length, 0);
    });

    const bad: [string, unknown, RegExp][] = [
      ["no fields", {}, /^Nothing to translate\.$/],
      ["blank text", { ...request, text: "   " }, /^Nothing to translate\.$/],
      ["text not a string", { ...request, text: ["Hola"] }, /^Nothing to translate\.$/],
      [
        "text too long",
        { ...request, text: "a".repeat(141) },
        /^Too long: at most 140 characters\.$/,
      ],
      ["unknown source", { ...request, source_language: "xx" }, /^Unsupported language\.$/],
      ["undetected source", { ...request, source_language: "" }, /^Unsupported language\.$/],
      [
        "prototype key source",
        { ...request, source_language: "__proto__" },
        /^Unsupported language\.$/,
      ],
      ["unsupported destination", { ...request, dest_language: "fr" }, /^Unsupported language\.$/],
      [
        "missing destination",
        { text: SPANISH, source_language: "spa" },
        /^Unsupported language\.$/,
      ],
      ["same languages", { ...request, dest_language: "es" }, /^Unsupported language\.$/],
      ["a JSON array", [request], /^Nothing to translate\.$/],
    ];
    for (const [name, body, message] of bad) {
      it(`rejects bad input: ${name} (400 JSON)`, async () => {
        assertJsonError(await translate(alice, body), 400, message);
        assert.equal(stub.requests.length, 0);
      });
    }

    it("accepts exactly 140 characters", async () => {
      const r = await translate(alice, { ...request, text: "é".repeat(139) + "🙂" });
      assert.equal(r.statusCode, 200, r.body);
    });

    it("answers malformed JSON and oversized bodies with a 4xx JSON error", async () => {
      assertJsonError(await translate(alice, "{not json"), 400, /could not be understood/);
      const big = await translate(alice, { ...request, text: "x".repeat(70_000) });
      assertJsonError(big, 413, /too large/);
    });

    it("says so in Spanish for a Spanish reader", async () => {
      assertJsonError(await translate(bob, {}), 400, /^No hay nada que traducir\.$/);
    });

    const failures: [string, () => void, RegExp][] = [
      [
        "401 with Translator's error JSON",
        () =>
          stub.replies.push(
            translatorError(
              401,
              401000,
              "The request is not authorized because credentials are missing or invalid.",
            ),
          ),
        /HTTP 401: 401000/,
      ],
      [
        "403 quota exceeded",
        () => stub.replies.push(translatorError(403, 403001, "The free quota is used up.")),
        /HTTP 403: 403001/,
      ],
      [
        "429 too many requests",
        () =>
          stub.replies.push(
            translatorError(
              429,
              429001,
              "The server rejected the request because the client has exceeded request limits.",
            ),
          ),
        /HTTP 429: 429001/,
      ],
      [
        "500 with a non-JSON body",
        () => stub.replies.push({ status: 500, body: "oops", contentType: "text/plain" }),
        /HTTP 500/,
      ],
      [
        "200 with malformed JSON",
        () => stub.replies.push({ status: 200, body: '[{"translations": [' }),
        /malformed answer/,
      ],
      [
        "200 with the wrong shape",
        () => stub.replies.push({ status: 200, body: { text: "not an array" } }),
        /malformed answer/,
      ],
      [
        "a timeout",
        () =>
          stub.replies.push({
            status: 200,
            body: [{ translations: [{ text: "late", to: "en" }] }],
            delayMs: 2000,
          }),
        /no answer within 300 ms/,
      ],
    ];
    for (const [name, arrange, logged] of failures) {
      it(`answers 503 JSON when the service fails: ${name}`, async () => {
        arrange();
        logs.length = 0;
        const r = await translate(alice, request);
        assertJsonError(r, 503, FAILED_EN);
        assert.equal(stub.requests.length, 1);
        const failure = logs.find((l) => l.includes("translation service failed"));
        assert.ok(failure, "the failure is logged");
        assert.match(failure, logged);
        assert.doesNotMatch(logs.join("\n"), new RegExp(KEY));
        assert.doesNotMatch(r.body, new RegExp(KEY));
      });
    }

    it("answers 503 JSON in the reader's language", async () => {
      stub.replies.push({ status: 500, body: "" });
      const r = await translate(bob, {
        text: ENGLISH,
        source_language: "eng",
        dest_language: "es",
      });
      assertJsonError(r, 503, FAILED_ES);
    });

    it("answers 503 JSON when translation is not configured", async () => {
      const carol = await signedIn(off, "carol2");
      assertJsonError(await translate(carol, request), 503, FAILED_EN);
      const es = await signedIn(off, "carol3");
      es.headers["accept-language"] = "es";
      assertJsonError(
        await translate(es, { ...request, dest_language: "es", source_language: "eng" }),
        503,
        FAILED_ES,
      );
      assert.equal(stub.requests.length, 0);
    });

    it("limits translations per user and minute (429 JSON)", async () => {
      const erin = await signedIn(app, "erin");
      const token = await erin.csrf();
      for (let i = 0; i < 60; i++) {
        assert.equal((await translate(erin, {}, { token })).statusCode, 400);
      }
      assertJsonError(await translate(erin, request, { token }), 429, /Too many attempts/);
      assert.equal((await translate(alice, request)).statusCode, 200);
    });

    it("answers 503 JSON when the service is unreachable", async () => {
      const down = await makeApp(database, {
        MS_TRANSLATOR_KEY: KEY,
        MS_TRANSLATOR_URL: "http://127.0.0.1:9",
      });
      try {
        const dave = await signedIn(down, "dave");
        assertJsonError(await translate(dave, request), 503, FAILED_EN);
      } finally {
        await down.close();
      }
    });
  });
});
