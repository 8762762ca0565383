/** Register, log in (remember me), log out, and password reset by email. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hashPassword, needsRehash, verifyPassword } from "../auth/password.js";
import { Throttle } from "../auth/throttle.js";
import { signResetToken, tokenMatchesUser, verifyResetToken } from "../auth/tokens.js";
import { checkEmail, checkNewPassword, checkUsername, field, type FieldErrors } from "../forms.js";
import { HttpError } from "../errors.js";
import { REMEMBER_SECONDS, SESSION_SECONDS, flash, safeNext } from "../request-context.js";
import { linkBase } from "../config.js";
import type { User } from "../db/repository.js";

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === "ER_DUP_ENTRY" || /UNIQUE constraint failed/.test(e.message ?? "");
}

/** Auth routes, mounted under /auth. */
export async function authRoutes(app: FastifyInstance): Promise<void> {
  // Per client address (the socket's, or the one the trusted proxies report)...
  const limited = {
    config: { rateLimit: { max: app.appConfig.authRateLimit, timeWindow: "1 minute" } },
  };
  // ...and per account, counted before any other check so that guesses spread over many
  // addresses are capped too. (The price: an attacker can make one account wait a minute.)
  const accounts = new Throttle(app.appConfig.authAccountRateLimit, 60_000);
  const limitAccount = (req: FastifyRequest, reply: FastifyReply, ...keys: string[]) => {
    for (const key of keys) {
      if (key.endsWith(":")) continue;
      const wait = accounts.hit(key.toLowerCase());
      if (wait > 0) {
        reply.header("retry-after", String(wait));
        throw new HttpError(429, req.t("error.rate_limited"));
      }
    }
  };

  app.get("/login", async (req, reply) => {
    if (req.user) return reply.redirect("/");
    return reply.page("auth/login.njk", {
      form: {},
      errors: {},
      next: safeNext(field(req.query, "next"), ""),
    });
  });

  app.post("/login", limited, async (req, reply) => {
    if (req.user) return reply.redirect("/");
    const t = req.t;
    const username = field(req.body, "username");
    const password = field(req.body, "password", false);
    const remember = field(req.body, "remember_me") !== "";
    const next = safeNext(field(req.body, "next") || field(req.query, "next"));
    limitAccount(req, reply, `login:${username.slice(0, 128)}`);
    const errors: FieldErrors = {};
    if (username === "") errors.username = t("form.required");
    if (password === "") errors.password = t("form.required");
    const form = { username, remember_me: remember };
    if (Object.keys(errors).length > 0) {
      return reply.page("auth/login.njk", { form, errors, next }, 400);
    }
    const user = username.length <= 64 ? await app.repo.userByUsername(username) : undefined;
    // Unknown users are checked against a dummy hash: the answer takes as long either way.
    const ok = await verifyPassword(password, user?.password_hash);
    if (!user || !ok) {
      const error = t("auth.invalid_credentials");
      return reply.page("auth/login.njk", { form, errors: {}, error, next }, 401);
    }
    if (needsRehash(user.password_hash)) {
      await app.repo.rehashPassword(user.id, await hashPassword(password));
    }
    logIn(req, user, remember);
    return reply.redirect(next);
  });

  // Logging out ends every session of the user, including copies of this cookie.
  app.post("/logout", async (req, reply) => {
    if (req.user) await app.repo.endSessions(req.user.id);
    req.session.delete();
    return reply.redirect("/auth/login");
  });

  app.get("/register", async (req, reply) => {
    if (req.user) return reply.redirect("/");
    return reply.page("auth/register.njk", { form: {}, errors: {} });
  });

  app.post("/register", limited, async (req, reply) => {
    if (req.user) return reply.redirect("/");
    const t = req.t;
    const form = { username: field(req.body, "username"), email: field(req.body, "email") };
    limitAccount(
      req,
      reply,
      `register-user:${form.username.slice(0, 128)}`,
      `register-email:${form.email.slice(0, 128)}`,
    );
    const password = field(req.body, "password", false);
    const errors: FieldErrors = {};
    checkUsername(t, form.username, errors);
    checkEmail(t, form.email, errors);
    checkNewPassword(t, password, field(req.body, "password2", false), errors);
    if (Object.keys(errors).length > 0) {
      return reply.page("auth/register.njk", { form, errors }, 400);
    }
    if (await app.repo.usernameTaken(form.username)) errors.username = t("form.username_taken");
    if (await app.repo.userByEmail(form.email)) errors.email = t("form.email_taken");
    if (Object.keys(errors).length > 0) {
      return reply.page("auth/register.njk", { form, errors }, 409);
    }
    try {
      const passwordHash = await hashPassword(password);
      await app.repo.createUser({ username: form.username, email: form.email, passwordHash });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      errors.username = t("form.username_or_email_taken");
      return reply.page("auth/register.njk", { form, errors }, 409);
    }
    flash(req, t("flash.registered"));
    return reply.redirect("/auth/login");
  });

  app.get("/reset_password_request", async (req, reply) => {
    if (req.user) return reply.redirect("/");
    return reply.page("auth/reset_request.njk", { form: {}, errors: {} });
  });

  app.post("/reset_password_request", limited, async (req, reply) => {
    if (req.user) return reply.redirect("/");
    const email = field(req.body, "email");
    limitAccount(req, reply, `reset:${email.slice(0, 128)}`);
    const errors: FieldErrors = {};
    checkEmail(req.t, email, errors);
    if (Object.keys(errors).length > 0) {
      return reply.page("auth/reset_request.njk", { form: { email }, errors }, 400);
    }
    const user = await app.repo.userByEmail(email);
    // Mail goes out in the background so the answer (and its timing) is the same either way.
    if (user) void sendResetMail(req, user);
    flash(req, req.t("flash.reset_sent"));
    return reply.redirect("/auth/login");
  });

  app.get<{ Params: { token: string } }>("/reset_password/:token", async (req, reply) => {
    if (req.user) return reply.redirect("/");
    const user = await userForToken(req, req.params.token);
    if (!user) return invalidToken(req, reply);
    return reply.page("auth/reset_password.njk", { errors: {} });
  });

  app.post<{ Params: { token: string } }>("/reset_password/:token", limited, async (req, reply) => {
    if (req.user) return reply.redirect("/");
    const user = await userForToken(req, req.params.token);
    if (!user) return invalidToken(req, reply);
    const password = field(req.body, "password", false);
    const errors: FieldErrors = {};
    checkNewPassword(req.t, password, field(req.body, "password2", false), errors);
    if (Object.keys(errors).length > 0) {
      return reply.page("auth/reset_password.njk", { errors }, 400);
    }
    await app.repo.setPassword(user.id, await hashPassword(password));
    flash(req, req.t("flash.password_reset"));
    return reply.redirect("/auth/login");
  });
}

function logIn(req: FastifyRequest, user: User, remember: boolean): void {
  req.session.regenerate();
  req.session.set("userId", user.id);
  req.session.set("epoch", Number(user.session_epoch));
  if (remember) {
    req.session.set("remember", true);
    req.session.options({ maxAge: REMEMBER_SECONDS });
  } else {
    req.session.set("exp", Date.now() + SESSION_SECONDS * 1000);
  }
}

async function userForToken(req: FastifyRequest, token: string): Promise<User | null> {
  if (token.length > 2048) return null;
  const claims = await verifyResetToken(req.server.appConfig.secretKey, token);
  if (!claims) return null;
  const user = await req.server.repo.userById(claims.userId);
  return user && tokenMatchesUser(claims.fp, user) ? user : null;
}

function invalidToken(req: FastifyRequest, reply: FastifyReply) {
  return reply.page(
    "errors/4xx.njk",
    { status: 400, message: req.t("auth.invalid_token"), resetLink: true },
    400,
  );
}

async function sendResetMail(req: FastifyRequest, user: User): Promise<void> {
  const { appConfig, mailer } = req.server;
  if (!mailer.enabled) {
    req.log.warn("password reset requested but MAIL_SERVER is not set; no mail sent");
    return;
  }
  // Never from Host or X-Forwarded-Host: an attacker could point the link at their own site.
  const base = linkBase(appConfig);
  const token = await signResetToken(appConfig.secretKey, user);
  const link = `${base}/auth/reset_password/${token}`;
  const t = req.t;
  try {
    await mailer.send({
      to: user.email,
      subject: t("mail.reset_subject"),
      text: t("mail.reset_text", { username: user.username, link }),
    });
    req.log.info({ userId: user.id }, "password reset mail sent");
  } catch (err) {
    req.log.error({ err: String(err) }, "password reset mail failed");
  }
}
