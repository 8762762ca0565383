/**
 * Login and reset endpoints are rate-limited per client address (AUTH_RATE_LIMIT per minute);
 * security.test.ts covers registration, the per-account limit and TRUSTED_PROXIES.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { Knex } from "knex";
import { Client, freshDatabase, makeApp, text } from "./helpers.js";

describe("rate limits", () => {
  let app: FastifyInstance;
  let database: { url: string; db: Knex };

  before(async () => {
    database = await freshDatabase();
    app = await makeApp(database, { AUTH_RATE_LIMIT: "3" });
  });
  after(async () => {
    await app.close();
    await database.db.destroy();
  });

  for (const [url, form] of [
    ["/auth/login", { username: "x", password: "wrong password" }],
    ["/auth/reset_password_request", { email: "x@example.com" }],
  ] as const) {
    it(`answers 429 with a message after 3 attempts on ${url}`, async () => {
      const c = new Client(app);
      for (let i = 0; i < 3; i++) assert.notEqual((await c.post(url, form)).statusCode, 429);
      const r = await c.post(url, form);
      assert.equal(r.statusCode, 429);
      assert.match(text(r.body), /Too many attempts/);
      assert.ok(r.headers["retry-after"]);
    });
  }
});
