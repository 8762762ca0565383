/** Home timeline and posting, explore, user profiles, follow/unfollow, edit profile, language. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HttpError } from "../errors.js";
import {
  checkText,
  checkUsername,
  cursorParam,
  field,
  pageParam,
  type FieldErrors,
} from "../forms.js";
import { isLocale } from "../i18n.js";
import { detectLanguage } from "../language.js";
import { servePublicCache } from "../page-cache.js";
import { flash, requireLogin, safeNext } from "../request-context.js";

async function renderHome(
  app: FastifyInstance,
  req: FastifyRequest,
  reply: FastifyReply,
  extra: { form?: { post: string }; errors?: FieldErrors; status?: number } = {},
) {
  const page = pageParam(req);
  const before = cursorParam(req);
  const posts = await app.repo.timeline(req.user!.id, page, app.appConfig.postsPerPage, before);
  return reply.page(
    "index.njk",
    { title: req.t("nav.home"), posts, form: extra.form ?? {}, errors: extra.errors ?? {} },
    extra.status ?? 200,
  );
}

/** Main pages. */
export async function mainRoutes(app: FastifyInstance): Promise<void> {
  const auth = { preHandler: requireLogin };

  app.get("/", auth, async (req, reply) => renderHome(app, req, reply));
  app.get("/index", auth, async (req, reply) => renderHome(app, req, reply));

  app.post("/", auth, async (req, reply) => {
    const body = field(req.body, "post");
    const errors: FieldErrors = {};
    checkText(req.t, "post", body, true, errors);
    if (Object.keys(errors).length > 0) {
      return renderHome(app, req, reply, { form: { post: body }, errors, status: 400 });
    }
    const language = detectLanguage(body);
    const id = await app.repo.createPost(req.user!.id, body, language);
    const indexed = await app.searchOutbox.tryNow(id);
    flash(req, req.t("flash.posted"));
    if (!indexed) flash(req, req.t("flash.search_index_delayed"), "error");
    return reply.redirect("/");
  });

  const publicPage = { preHandler: servePublicCache };

  app.get("/explore", publicPage, async (req, reply) => {
    const page = pageParam(req);
    const posts = await app.repo.explore(page, app.appConfig.postsPerPage, cursorParam(req));
    return reply.page("explore.njk", { title: req.t("nav.explore"), posts });
  });

  app.get<{ Params: { username: string } }>("/user/:username", publicPage, async (req, reply) => {
    const user = await app.repo.userByUsername(req.params.username);
    if (!user) throw new HttpError(404, req.t("error.user_not_found"));
    const page = pageParam(req);
    const before = cursorParam(req);
    const [posts, counts] = await Promise.all([
      app.repo.postsOf(user.id, page, app.appConfig.postsPerPage, before),
      app.repo.profileCounts(user.id, req.user?.id ?? null),
    ]);
    const following = counts.followedByViewer;
    return reply.page("user.njk", { title: user.username, user, posts, counts, following });
  });

  for (const action of ["follow", "unfollow"] as const) {
    app.post<{ Params: { username: string } }>(`/${action}/:username`, auth, async (req, reply) => {
      const user = await app.repo.userByUsername(req.params.username);
      if (!user) throw new HttpError(404, req.t("error.user_not_found"));
      if (user.id === req.user!.id) throw new HttpError(400, req.t(`error.${action}_self`));
      if (action === "follow") await app.repo.follow(req.user!.id, user.id);
      else await app.repo.unfollow(req.user!.id, user.id);
      flash(req, req.t(`flash.${action}ed`, { username: user.username }));
      return reply.redirect(`/user/${encodeURIComponent(user.username)}`);
    });
  }

  app.get("/edit_profile", auth, async (req, reply) => {
    const form = { username: req.user!.username, about_me: req.user!.about_me ?? "" };
    return reply.page("edit_profile.njk", { title: req.t("profile.edit"), form, errors: {} });
  });

  app.post("/edit_profile", auth, async (req, reply) => {
    const form = { username: field(req.body, "username"), about_me: field(req.body, "about_me") };
    const errors: FieldErrors = {};
    checkUsername(req.t, form.username, errors);
    checkText(req.t, "about_me", form.about_me, false, errors);
    let status = 400;
    if (!errors.username && (await app.repo.usernameTaken(form.username, req.user!.id))) {
      errors.username = req.t("form.username_taken");
      status = 409;
    }
    if (Object.keys(errors).length > 0) {
      return reply.page("edit_profile.njk", { title: req.t("profile.edit"), form, errors }, status);
    }
    await app.repo.updateProfile(req.user!.id, form.username, form.about_me);
    flash(req, req.t("flash.profile_saved"));
    return reply.redirect("/edit_profile");
  });

  app.get<{ Params: { code: string } }>("/language/:code", async (req, reply) => {
    const code = req.params.code;
    const back = safeNext(field(req.query, "next"));
    if (code === "auto") {
      reply.clearCookie("lang", { path: "/" });
      return reply.redirect(back);
    }
    if (!isLocale(code)) throw new HttpError(400, req.t("error.bad_language"));
    reply.setCookie("lang", code, {
      path: "/",
      maxAge: 365 * 24 * 3600,
      sameSite: "lax",
      httpOnly: true,
      secure: app.appConfig.cookieSecure,
    });
    return reply.redirect(back);
  });
}
