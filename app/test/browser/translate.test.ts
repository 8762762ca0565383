/**
 * The Translate link in headless Debian Chromium (playwright-core), under the app's real CSP:
 * the script reveals the link, a click shows the translation from the local Translator stand-in
 * (or the error message), and without JavaScript the link stays hidden. Needs only Chromium.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { Knex } from "knex";
import type { Browser, BrowserContext } from "playwright-core";
import { chromiumMissing, launchChromium } from "./chromium.js";
import { freshDatabase, makeApp, signedIn } from "../helpers.js";
import { TranslatorStub } from "../translator-stub.js";

const KEY = "browser-test-key-0123456789";
const SPANISH = "Hola a todos, esta es mi primera publicación aquí";
const SPANISH_2 = "Mañana vamos a la playa con toda la familia";

const skip = chromiumMissing ?? false;

describe("Translate link in a browser", { skip }, () => {
  let stub: TranslatorStub;
  let app: FastifyInstance;
  let database: { url: string; db: Knex };
  let browser: Browser;
  let base = "";

  async function loggedIn(javaScriptEnabled: boolean): Promise<BrowserContext> {
    const ctx = await browser.newContext({ locale: "en-US", javaScriptEnabled });
    await ctx.route("**/*", (route) => {
      const host = new URL(route.request().url()).hostname;
      return host === "127.0.0.1" ? route.continue() : route.abort();
    });
    const page = await ctx.newPage();
    await page.goto(`${base}/auth/login`);
    await page.fill("#username", "bob");
    await page.fill("#password", "correct horse 1");
    await page.click("form.card button[type=submit]");
    await page.waitForURL(`${base}/`);
    await page.close();
    return ctx;
  }

  before(async () => {
    stub = await new TranslatorStub(KEY).start();
    database = await freshDatabase();
    app = await makeApp(database, { MS_TRANSLATOR_KEY: KEY, MS_TRANSLATOR_URL: stub.url });
    const alice = await signedIn(app, "alice");
    await alice.post("/", { post: SPANISH });
    await alice.post("/", { post: SPANISH_2 });
    await signedIn(app, "bob");
    await app.listen({ port: 0, host: "127.0.0.1" });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await database?.db.destroy();
    await stub?.close();
  });

  it("translates a post in place, and shows the error when the service fails", async () => {
    const ctx = await loggedIn(true);
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      // Blocked third-party requests (Gravatar) fail on purpose; only this app's count.
      if (m.type() === "error" && m.location().url.startsWith(base)) problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(String(e)));
    await page.goto(`${base}/explore`);
    const first = page.locator("article.post", { hasText: SPANISH });
    const second = page.locator("article.post", { hasText: SPANISH_2 });
    await first.getByRole("button", { name: "Translate" }).click();
    await first.locator(".translate .translation").waitFor();
    assert.equal(
      await first.locator(".translate .translation").textContent(),
      "Hello everyone, this is my first post here",
    );
    assert.equal(await first.locator(".translate .translation").getAttribute("lang"), "en");
    assert.equal(await first.locator(".translate button").count(), 0);
    assert.equal(stub.last.query.get("from"), "es");
    assert.deepEqual(JSON.parse(stub.last.rawBody), [{ Text: SPANISH }]);

    stub.replies.push({ status: 500, body: "" });
    await second.getByRole("button", { name: "Translate" }).click();
    await second.locator(".translate .error").waitFor();
    assert.equal(
      await second.locator(".translate .error").textContent(),
      "Error: the translation service failed.",
    );
    // The 503 itself is reported by Chromium as a failed resource; nothing else may fail.
    assert.deepEqual(
      problems.filter((p) => !/status of 503/.test(p)),
      [],
    );
    await ctx.close();
  });

  it("keeps the link hidden without JavaScript", async () => {
    const ctx = await loggedIn(false);
    const page = await ctx.newPage();
    await page.goto(`${base}/explore`);
    assert.equal(await page.locator("article.post .body").count(), 2);
    assert.equal(await page.locator(".translate").count(), 2);
    assert.equal(await page.locator(".translate button").first().isVisible(), false);
    await ctx.close();
  });
});
