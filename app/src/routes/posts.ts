/** Editing and deleting one's own posts, and full-text search. */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HttpError } from "../errors.js";
import { checkText, field, pageParam, type FieldErrors } from "../forms.js";
import { detectLanguage } from "../language.js";
import { servePublicCache } from "../page-cache.js";
import { flash, requireLogin } from "../request-context.js";
import { SearchUnavailableError } from "../search/engine.js";

type PostReq = FastifyRequest<{ Params: { id: string } }>;

/** Loads a post the signed-in user owns: 404 when missing, 403 when someone else's. */
async function ownPost(app: FastifyInstance, req: PostReq) {
  const id = /^\d{1,10}$/.test(req.params.id) ? Number(req.params.id) : NaN;
  const post = Number.isNaN(id) ? undefined : await app.repo.postById(id);
  if (!post) throw new HttpError(404, req.t("error.post_not_found"));
  if (post.user_id !== req.user!.id) throw new HttpError(403, req.t("error.not_your_post"));
  return post;
}

const MAX_QUERY = 200;

/** Post and search routes. */
export async function postRoutes(app: FastifyInstance): Promise<void> {
  const auth = { preHandler: requireLogin };

  app.get<{ Params: { id: string } }>("/post/:id/edit", auth, async (req, reply) => {
    const post = await ownPost(app, req);
    const form = { post: post.body };
    return reply.page("edit_post.njk", { title: req.t("post.edit"), post, form, errors: {} });
  });

  app.post<{ Params: { id: string } }>("/post/:id/edit", auth, async (req, reply) => {
    const post = await ownPost(app, req);
    const body = field(req.body, "post");
    const errors: FieldErrors = {};
    checkText(req.t, "post", body, true, errors);
    if (Object.keys(errors).length > 0) {
      const data = { title: req.t("post.edit"), post, form: { post: body }, errors };
      return reply.page("edit_post.njk", data, 400);
    }
    const language = detectLanguage(body);
    await app.repo.updatePost(post.id, body, language);
    const indexed = await app.searchOutbox.tryNow(post.id);
    flash(req, req.t("flash.post_updated"));
    if (!indexed) flash(req, req.t("flash.search_index_delayed"), "error");
    return reply.redirect(`/user/${encodeURIComponent(req.user!.username)}`);
  });

  app.post<{ Params: { id: string } }>("/post/:id/delete", auth, async (req, reply) => {
    const post = await ownPost(app, req);
    await app.repo.deletePost(post.id);
    const indexed = await app.searchOutbox.tryNow(post.id);
    flash(req, req.t("flash.post_deleted"));
    if (!indexed) flash(req, req.t("flash.search_index_delayed"), "error");
    return reply.redirect(`/user/${encodeURIComponent(req.user!.username)}`);
  });

  // Anonymous searches share the public page cache (PAGE_CACHE_SECONDS) like explore: a popular
  // query asked many times a second costs one engine query per period.
  app.get("/search", { preHandler: servePublicCache }, async (req, reply) => {
    const q = field(req.query, "q");
    const page = pageParam(req);
    const base = { title: req.t("search.title"), q, posts: null, total: 0, page };
    if (!app.searchEngine.enabled) {
      return reply.page("search.njk", { ...base, notice: req.t("search.disabled") });
    }
    if (q === "") return reply.page("search.njk", base);
    if (q.length > MAX_QUERY)
      throw new HttpError(400, req.t("search.too_long", { max: MAX_QUERY }));
    const per = app.appConfig.postsPerPage;
    try {
      const { ids, total } = await app.searchEngine.query(q, page, per);
      const items = await app.repo.postsByIds(ids);
      const posts = { items, page, hasPrev: page > 1, hasNext: page * per < total };
      return reply.page("search.njk", { ...base, posts, total });
    } catch (err) {
      if (!(err instanceof SearchUnavailableError)) throw err;
      req.log.warn({ err: err.message }, "search engine unavailable");
      return reply.page("search.njk", { ...base, notice: req.t("search.unavailable") }, 503);
    }
  });
}
