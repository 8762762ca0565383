/**
 * Browser journey in headless Debian Chromium (playwright-core): two users register, post,
 * follow, see the timeline, search, switch language, and reset a password through the link in
 * the mail the real SMTP server received. The app listens on a free loopback port; every request
 * that is not to 127.0.0.1 (e.g. Gravatar) is blocked.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Knex } from "knex";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { chromiumMissing, launchChromium } from "./chromium.js";
import { freshDatabase, makeApp } from "../helpers.js";
import { waitForMail } from "../mail-support.js";

const smtpHost = process.env.TEST_SMTP_HOST;
const maildir = process.env.TEST_SMTP_MAILDIR;
const searchUrl = process.env.TEST_SEARCH_URL;
const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test-results");

const skip = chromiumMissing
  ? chromiumMissing
  : !smtpHost || !maildir
    ? "TEST_SMTP_HOST/TEST_SMTP_MAILDIR not set (the journey resets a password by mail)"
    : false;

describe("browser journey", { skip }, () => {
  let app: FastifyInstance;
  let database: { url: string; db: Knex };
  let browser: Browser;
  let base = "";
  const tag = Date.now().toString(36);
  const alice = {
    name: `alice${tag}`,
    email: `alice-${tag}@example.com`,
    password: "alice password 1",
  };
  const bob = { name: `bob${tag}`, email: `bob-${tag}@example.com`, password: "bob password 1" };

  async function newContext(locale = "en-US"): Promise<BrowserContext> {
    const ctx = await browser.newContext({ locale });
    await ctx.route("**/*", (route) => {
      const host = new URL(route.request().url()).hostname;
      return host === "127.0.0.1" ? route.continue() : route.abort();
    });
    return ctx;
  }

  async function register(page: Page, u: typeof alice) {
    await page.goto(`${base}/auth/register`);
    await page.fill("#username", u.name);
    await page.fill("#email", u.email);
    await page.fill("#password", u.password);
    await page.fill("#password2", u.password);
    await page.click("form.card button[type=submit]");
    await page.waitForURL(`${base}/auth/login`);
    assert.match((await page.textContent("main")) ?? "", /you are now a registered user/);
  }

  async function login(page: Page, u: typeof alice, password = u.password) {
    await page.goto(`${base}/auth/login`);
    await page.fill("#username", u.name);
    await page.fill("#password", password);
    await page.check("input[name=remember_me]");
    await page.click("form.card button[type=submit]");
    await page.waitForURL(`${base}/`);
  }

  before(async () => {
    database = await freshDatabase();
    const env: Record<string, string> = {
      MAIL_SERVER: smtpHost!,
      MAIL_PORT: process.env.TEST_SMTP_PORT ?? "2525",
    };
    if (searchUrl)
      Object.assign(env, { ELASTICSEARCH_URL: searchUrl, SEARCH_INDEX: `journey-${tag}` });
    // Reset links come from PUBLIC_URL only (never from the request), so the port is chosen
    // before the app is built.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    base = `http://127.0.0.1:${port}`;
    app = await makeApp(database, { ...env, PUBLIC_URL: base });
    await app.listen({ port, host: "127.0.0.1" });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (searchUrl) await fetch(`${searchUrl}/journey-${tag}`, { method: "DELETE" }).catch(() => {});
    await app?.close();
    await database?.db.destroy();
  });

  it("registers, posts, follows, reads the timeline, searches, switches language, resets", async () => {
    const a = await (await newContext()).newPage();
    const b = await (await newContext()).newPage();
    await register(a, alice);
    await register(b, bob);

    await login(a, alice);
    await a.fill("#post", "Penguins are marching across the ice today");
    await a.click("form.card button[type=submit]");
    await a.waitForURL(`${base}/`);
    assert.match((await a.textContent("main")) ?? "", /Your post is now live!/);

    await login(b, bob);
    await b.fill("#post", "Bob says hello to everyone");
    await b.click("form.card button[type=submit]");
    await b.waitForURL(`${base}/`);
    assert.doesNotMatch((await b.textContent("main")) ?? "", /Penguins are marching/);
    await b.goto(`${base}/user/${alice.name}`);
    await b.getByRole("button", { name: "Follow", exact: true }).click();
    await b.getByRole("button", { name: "Unfollow", exact: true }).waitFor();
    assert.match((await b.textContent(".counts")) ?? "", /1 followers/);
    await b.goto(`${base}/`);
    const timeline = await b.locator("article.post .body").allTextContents();
    assert.deepEqual(timeline, [
      "Bob says hello to everyone",
      "Penguins are marching across the ice today",
    ]);
    fs.mkdirSync(OUT, { recursive: true });
    await b.screenshot({ path: path.join(OUT, "journey-timeline.png"), fullPage: true });

    if (searchUrl) {
      let found = false;
      for (let i = 0; i < 20 && !found; i++) {
        await b.fill("nav input[name=q]", "penguins");
        await b.press("nav input[name=q]", "Enter");
        await b.waitForURL(/\/search\?q=penguins/);
        found = /Penguins are marching/.test((await b.textContent("main")) ?? "");
        if (!found) await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(found, "search finds alice's post");
    }

    await b.click("footer a[lang=es]");
    await b.waitForLoadState();
    assert.match((await b.textContent("nav")) ?? "", /Explorar/);
    const es = await (await newContext("es-ES")).newPage();
    await es.goto(`${base}/explore`);
    assert.match((await es.textContent("h1")) ?? "", /Explorar/);
    assert.match((await es.textContent("article.post time")) ?? "", /hace|ahora/);

    const c = await (await newContext()).newPage();
    await c.goto(`${base}/auth/login`);
    await c.click("text=Click to reset it");
    await c.fill("#email", alice.email);
    await c.click("form.card button[type=submit]");
    await c.waitForURL(`${base}/auth/login`);
    assert.match((await c.textContent("main")) ?? "", /Check your email/);
    const mail = await waitForMail(maildir!, alice.email);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/auth\/reset_password\/[A-Za-z0-9._-]+)/.exec(mail);
    assert.ok(link, "reset mail carries a link to this app");
    await c.goto(link[1]!);
    await c.fill("#password", "brand new password");
    await c.fill("#password2", "brand new password");
    await c.click("form.card button[type=submit]");
    await c.waitForURL(`${base}/auth/login`);
    assert.match((await c.textContent("main")) ?? "", /Your password has been reset/);
    await login(c, alice, "brand new password");
    assert.match((await c.textContent("h1")) ?? "", new RegExp(`Hi, ${alice.name}!`));
    await c.screenshot({ path: path.join(OUT, "journey-after-reset.png"), fullPage: true });
  });
});
