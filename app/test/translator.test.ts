/**
 * The Microsoft Translator client against a local server that follows Translator v3's documented
 * request and response shapes (test/translator-stub.ts), the language mapping, and the
 * MS_TRANSLATOR_* configuration.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { ConfigError, DEFAULT_TRANSLATOR_URL, loadConfig } from "../src/config.js";
import { translationSource, translatorLanguage } from "../src/language.js";
import { TranslationError, Translator } from "../src/translator.js";
import { TranslatorStub, translatorError } from "./translator-stub.js";

const KEY = "stub-key-0123456789abcdef";
const REGION = "westeurope";

/** Asserts that `p` rejects with a TranslationError matching `check`, and never shows the key. */
async function rejectsWith(
  p: Promise<unknown>,
  check: { message: RegExp; status?: number; code?: number },
) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof TranslationError, `not a TranslationError: ${String(err)}`);
    assert.match(err.message, check.message);
    assert.equal(err.status, check.status);
    assert.equal(err.code, check.code);
    assert.doesNotMatch(`${err.message} ${err.stack} ${JSON.stringify(err)}`, new RegExp(KEY));
    return true;
  });
}

describe("Translator client", () => {
  let stub: TranslatorStub;
  let translator: Translator;

  before(async () => {
    stub = await new TranslatorStub(KEY, REGION).start();
    translator = new Translator({ key: KEY, region: REGION, url: stub.url, timeoutMs: 300 });
  });
  after(async () => {
    await stub.close();
  });
  beforeEach(() => {
    stub.requests.length = 0;
    stub.replies.length = 0;
  });

  it("sends the documented v3 request and returns the translation", async () => {
    const text = await translator.translate(
      "Hola a todos, esta es mi primera publicación aquí",
      "es",
      "en",
    );
    assert.equal(text, "Hello everyone, this is my first post here");
    assert.equal(stub.requests.length, 1);
    const r = stub.last;
    assert.equal(r.method, "POST");
    assert.equal(r.path, "/translate");
    assert.deepEqual(
      [...r.query],
      [
        ["api-version", "3.0"],
        ["from", "es"],
        ["to", "en"],
      ],
    );
    assert.equal(r.headers["ocp-apim-subscription-key"], KEY);
    assert.equal(r.headers["ocp-apim-subscription-region"], REGION);
    assert.match(r.headers["content-type"] ?? "", /^application\/json/);
    assert.match(String(r.headers["x-clienttraceid"]), /^[0-9a-f-]{36}$/);
    assert.deepEqual(JSON.parse(r.rawBody), [
      { Text: "Hola a todos, esta es mi primera publicación aquí" },
    ]);
  });

  it("keeps non-ASCII text and code points intact both ways", async () => {
    const text = "¿Qué tal? 🙂 «citas» & <b>no html</b>";
    assert.equal(await translator.translate(text, "es", "en"), `[en] ${text}`);
    assert.deepEqual(JSON.parse(stub.last.rawBody), [{ Text: text }]);
  });

  it("sends no region header for a global resource, and accepts a base URL with a path", async () => {
    const global = await new TranslatorStub(KEY).start();
    try {
      const t = new Translator({ key: KEY, region: "", url: `${global.url}/`, timeoutMs: 300 });
      assert.equal(await t.translate("Bonjour", "fr", "en"), "[en] Bonjour");
      assert.equal(global.last.headers["ocp-apim-subscription-region"], undefined);
      assert.equal(global.last.path, "/translate");
    } finally {
      await global.close();
    }
  });

  it("turns a 401 error answer into a TranslationError with Translator's code", async () => {
    const wrong = new Translator({ key: "wrong-key", region: REGION, url: stub.url });
    await rejectsWith(wrong.translate("Hola amigos", "es", "en"), {
      message: /^HTTP 401: 401000 The request is not authorized/,
      status: 401,
      code: 401000,
    });
    const noRegion = new Translator({ key: KEY, region: "", url: stub.url });
    await rejectsWith(noRegion.translate("Hola amigos", "es", "en"), {
      message: /^HTTP 401: 401000/,
      status: 401,
      code: 401000,
    });
  });

  it("reports 400, 403, 429 and 500 answers", async () => {
    stub.replies.push(
      translatorError(400, 400035, "The source language is not valid."),
      translatorError(
        403,
        403001,
        "The operation is not allowed because the free quota is used up.",
      ),
      translatorError(
        429,
        429001,
        "The server rejected the request because the client has exceeded request limits.",
      ),
      { status: 500, body: "Internal Server Error", contentType: "text/plain" },
      { status: 503, body: "" },
    );
    const cases: [number, number | undefined, RegExp][] = [
      [400, 400035, /^HTTP 400: 400035 The source language/],
      [403, 403001, /^HTTP 403: 403001/],
      [429, 429001, /^HTTP 429: 429001 The server rejected/],
      [500, undefined, /^HTTP 500$/],
      [503, undefined, /^HTTP 503$/],
    ];
    for (const [status, code, message] of cases) {
      await rejectsWith(translator.translate("Hola amigos", "es", "en"), { message, status, code });
    }
  });

  it("rejects malformed answers with status 200", async () => {
    for (const body of [
      "not json",
      "{}",
      "[]",
      [{ translations: [] }],
      [{ translations: [{ to: "en" }] }],
      { translations: [{ text: "x" }] },
    ]) {
      stub.replies.push({ status: 200, body });
      await rejectsWith(translator.translate("Hola amigos", "es", "en"), {
        message: /^malformed answer$/,
        status: 200,
      });
    }
  });

  it("gives up after the timeout", async () => {
    stub.replies.push({
      status: 200,
      body: [{ translations: [{ text: "late", to: "en" }] }],
      delayMs: 2000,
    });
    const t0 = Date.now();
    await rejectsWith(translator.translate("Hola amigos", "es", "en"), {
      message: /^no answer within 300 ms$/,
    });
    assert.ok(Date.now() - t0 < 1500);
  });

  it("reports an unreachable service", async () => {
    const down = new Translator({
      key: KEY,
      region: "",
      url: "http://127.0.0.1:9",
      timeoutMs: 2000,
    });
    await rejectsWith(down.translate("Hola amigos", "es", "en"), { message: /^request failed/ });
  });

  it("refuses to translate without a key, and does not expose the key", async () => {
    const off = new Translator({ key: "", region: "", url: stub.url });
    assert.equal(off.enabled, false);
    await rejectsWith(off.translate("Hola amigos", "es", "en"), { message: /not configured/ });
    assert.equal(stub.requests.length, 0);
    assert.equal(translator.enabled, true);
    assert.doesNotMatch(JSON.stringify(translator), new RegExp(KEY));
    assert.doesNotMatch(Object.keys(translator).join(","), /key/i);
  });
});

describe("translation languages", () => {
  it("maps detected (franc) codes and Translator codes to Translator codes", () => {
    assert.equal(translatorLanguage("spa"), "es");
    assert.equal(translatorLanguage("eng"), "en");
    assert.equal(translatorLanguage("cmn"), "zh-Hans");
    assert.equal(translatorLanguage("es"), "es");
    assert.equal(translatorLanguage("zh-Hans"), "zh-Hans");
    for (const bad of ["", "und", "xx", "srp", "toString", "__proto__", 5, null, undefined]) {
      assert.equal(translatorLanguage(bad), null, String(bad));
    }
  });

  it("offers a translation only for a known language other than the reader's", () => {
    assert.equal(translationSource("spa", "en"), "es");
    assert.equal(translationSource("eng", "es"), "en");
    assert.equal(translationSource("fra", "es"), "fr");
    assert.equal(translationSource("spa", "es"), "");
    assert.equal(translationSource("eng", "en"), "");
    assert.equal(translationSource("", "en"), "");
    assert.equal(translationSource("srp", "en"), "");
  });
});

describe("MS_TRANSLATOR_* configuration", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "microblog-translator-"));
  const keyFile = path.join(dir, "key");
  fs.writeFileSync(keyFile, `${KEY}\n`);

  it("is off by default, with Microsoft's global endpoint", () => {
    const c = loadConfig({});
    assert.deepEqual(c.translator, { key: "", region: "", url: DEFAULT_TRANSLATOR_URL });
    assert.equal(DEFAULT_TRANSLATOR_URL, "https://api.cognitive.microsofttranslator.com");
  });

  it("reads the key, region and URL", () => {
    const c = loadConfig({
      MS_TRANSLATOR_KEY: KEY,
      MS_TRANSLATOR_REGION: REGION,
      MS_TRANSLATOR_URL: "http://127.0.0.1:8080/",
    });
    assert.deepEqual(c.translator, { key: KEY, region: REGION, url: "http://127.0.0.1:8080" });
  });

  it("reads the key from MS_TRANSLATOR_KEY_FILE", () => {
    assert.equal(loadConfig({ MS_TRANSLATOR_KEY_FILE: keyFile }).translator.key, KEY);
  });

  const bad: [Record<string, string>, RegExp][] = [
    [
      { MS_TRANSLATOR_KEY: KEY, MS_TRANSLATOR_KEY_FILE: keyFile },
      /MS_TRANSLATOR_KEY and MS_TRANSLATOR_KEY_FILE are both set/,
    ],
    [
      { MS_TRANSLATOR_KEY_FILE: path.join(dir, "missing") },
      /MS_TRANSLATOR_KEY_FILE=".*missing": cannot read the file \(ENOENT\)/,
    ],
    [{ MS_TRANSLATOR_KEY_FILE: dir }, /MS_TRANSLATOR_KEY_FILE=.*cannot read the file \(EISDIR\)/],
    [{ MS_TRANSLATOR_KEY: `${KEY} x` }, /MS_TRANSLATOR_KEY=\[hidden\]: must be printable ASCII/],
    [{ MS_TRANSLATOR_REGION: "west europe" }, /MS_TRANSLATOR_REGION="west europe"/],
    [{ MS_TRANSLATOR_URL: "api.cognitive.microsofttranslator.com" }, /MS_TRANSLATOR_URL=.*http/],
  ];
  for (const [env, message] of bad) {
    it(`rejects ${JSON.stringify(env).replace(dir, "<tmp>").replace(KEY, "<key>")} naming the variable`, () => {
      assert.throws(
        () => loadConfig(env),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.message, message);
          assert.doesNotMatch(e.message, new RegExp(KEY));
          return true;
        },
      );
    });
  }

  it("rejects a key file that holds more than one key-like word, without echoing it", () => {
    const two = path.join(dir, "two");
    fs.writeFileSync(two, `${KEY}\nsecond line`);
    assert.throws(
      () => loadConfig({ MS_TRANSLATOR_KEY_FILE: two }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /MS_TRANSLATOR_KEY_FILE=.*must hold one key/.test(e.message) &&
        !e.message.includes(KEY),
    );
  });
});
