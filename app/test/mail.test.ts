/**
 * Mail against a real SMTP server on loopback (TEST_SMTP_HOST/PORT, mails read from
 * TEST_SMTP_MAILDIR): the reset mail arrives and its link works; 500s mail the admins.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import type { Knex } from "knex";
import { Client, freshDatabase, makeApp, text } from "./helpers.js";
import { waitForMail } from "./mail-support.js";

const host = process.env.TEST_SMTP_HOST;
const port = process.env.TEST_SMTP_PORT ?? "2525";
const maildir = process.env.TEST_SMTP_MAILDIR;
const skip =
  host && maildir
    ? false
    : "TEST_SMTP_HOST/TEST_SMTP_MAILDIR not set (harness/services/smtp.sh start)";

describe("mail through a real SMTP server", { skip }, () => {
  const tag = randomBytes(4).toString("hex");
  const admin = `admin-${tag}@example.com`;
  let app: FastifyInstance;
  let database: { url: string; db: Knex };

  before(async () => {
    database = await freshDatabase();
    app = await makeApp(database, {
      MAIL_SERVER: host!,
      MAIL_PORT: port,
      MAIL_SENDER: "Microblog <no-reply@example.com>",
      ADMINS: admin,
      PUBLIC_URL: "http://microblog.test",
    });
    app.get("/boom", async () => {
      throw new Error(`boom-${tag}`);
    });
  });
  after(async () => {
    await app.close();
    await database.db.destroy();
  });

  it("sends a reset mail whose link resets the password", async () => {
    const email = `reset-${tag}@example.com`;
    const c = new Client(app);
    await c.register(`user${tag}`, email, "old password 1");
    const r = await c.post("/auth/reset_password_request", { email });
    assert.equal(r.statusCode, 302);
    const mail = await waitForMail(maildir!, email);
    assert.match(mail, /Subject: \[Microblog\] Reset Your Password/);
    assert.match(mail, /From: Microblog <no-reply@example\.com>/);
    const link = /http:\/\/microblog\.test(\/auth\/reset_password\/[A-Za-z0-9._-]+)/.exec(mail);
    assert.ok(link, "mail contains the reset link");
    const form = await c.get(link[1]!);
    assert.equal(form.statusCode, 200);
    assert.match(text(form.body), /Choose a new password/);
    const done = await c.post(link[1]!, {
      password: "new password 2",
      password2: "new password 2",
    });
    assert.equal(done.statusCode, 302);
    assert.equal((await new Client(app).login(`user${tag}`, "new password 2")).statusCode, 302);
    assert.equal((await new Client(app).login(`user${tag}`, "old password 1")).statusCode, 401);
    assert.equal((await c.get(link[1]!)).statusCode, 400, "a used link no longer works");
  });

  it("sends the reset mail in the user's language", async () => {
    const email = `es-${tag}@example.com`;
    const c = new Client(app, { "accept-language": "es" });
    await c.register(`es${tag}`, email, "old password 1");
    await c.post("/auth/reset_password_request", { email });
    const mail = await waitForMail(maildir!, email);
    assert.match(mail, /Para restablecer tu contraseña/);
  });

  it("mails the admins when a request fails with a 500", async () => {
    const r = await new Client(app).get("/boom");
    assert.equal(r.statusCode, 500);
    const mail = await waitForMail(maildir!, `boom-${tag}`);
    assert.match(mail, /Subject: Microblog Failure/);
    assert.match(mail, new RegExp(admin));
    assert.match(mail, /GET \/boom failed/);
  });
});
