/** All SQL the app runs, through knex's parameterised query builder. */
import type { Knex } from "knex";
import { enqueueSearch } from "../search/outbox.js";

/** A user row. */
export interface User {
  id: number;
  username: string;
  email: string;
  password_hash: string;
  about_me: string | null;
  last_seen: number;
  created_at: number;
  /** Sessions created under an older epoch are no longer valid. */
  session_epoch: number;
}

/** A post joined with its author's public fields. */
export interface PostView {
  id: number;
  body: string;
  language: string;
  created_at: number;
  updated_at: number | null;
  user_id: number;
  username: string;
  email: string;
}

/** One page of a list: items plus whether neighbours exist. */
export interface Page<T> {
  items: T[];
  page: number;
  hasPrev: boolean;
  hasNext: boolean;
  /** Keyset cursor of the next (older) page: continues after this page's last post. */
  before?: string;
}

/** Position in the newest-first order of posts: (created_at, id) of the last post seen. */
export interface Cursor {
  createdAt: number;
  id: number;
}

/** `<created_at>-<id>`, as it travels in `?before=`. */
export function formatCursor(p: { created_at: number; id: number }): string {
  return `${Number(p.created_at)}-${Number(p.id)}`;
}

/** Parses a `?before=` value; null when it is not one. */
export function parseCursor(raw: string): Cursor | null {
  const m = /^(\d{1,15})-(\d{1,10})$/.exec(raw);
  if (!m) return null;
  return { createdAt: Number(m[1]), id: Number(m[2]) };
}

/**
 * Up to this many authors (the user and those they follow) a timeline merges per-author index
 * ranges; beyond it, one filtered walk of the newest posts.
 */
export const TIMELINE_FANOUT = 200;

const POST_COLUMNS = [
  "posts.id",
  "posts.body",
  "posts.language",
  "posts.created_at",
  "posts.updated_at",
  "posts.user_id",
  "users.username",
  "users.email",
];

/** Timeline statements by shape (number of authors, cursor or not); at most 2 × TIMELINE_FANOUT. */
const timelineSql = new Map<string, string>();

/** A page from up to `per + 1` newest-first rows (the extra row says an older page exists). */
function pageOfRows(rows: PostView[], page: number, per: number): Page<PostView> {
  const items = rows.slice(0, per);
  const last = items[items.length - 1];
  const hasNext = rows.length > per;
  return {
    items,
    page,
    hasPrev: page > 1,
    hasNext,
    before: hasNext && last ? formatCursor(last) : undefined,
  };
}

/** Data access for users, posts and follows. */
export class Repository {
  /**
   * With `searchOutbox`, every post change also records a search outbox row in the same
   * transaction (see search/outbox.ts), so the index update survives an engine outage.
   */
  constructor(
    readonly db: Knex,
    private readonly opts: { searchOutbox?: boolean } = {},
  ) {}

  /** Runs `work` in a transaction when post changes are queued for search, else directly. */
  private async postChange<T>(work: (q: Knex | Knex.Transaction) => Promise<T>): Promise<T> {
    if (!this.opts.searchOutbox) return work(this.db);
    return this.db.transaction(work);
  }

  /** Liveness of the database (`SELECT 1`). */
  async ping(): Promise<void> {
    await this.db.raw("SELECT 1");
  }

  async userById(id: number): Promise<User | undefined> {
    return this.db<User>("users").where({ id }).first();
  }

  async userByUsername(username: string): Promise<User | undefined> {
    return this.db<User>("users").where({ username }).first();
  }

  async userByEmail(email: string): Promise<User | undefined> {
    return this.db<User>("users").where({ email: email.toLowerCase() }).first();
  }

  /** True when a username is taken, compared case-insensitively on every database. */
  async usernameTaken(username: string, exceptId = 0): Promise<boolean> {
    const row = await this.db("users")
      .whereRaw("lower(username) = ?", [username.toLowerCase()])
      .andWhereNot({ id: exceptId })
      .first("id");
    return row !== undefined;
  }

  async createUser(u: { username: string; email: string; passwordHash: string }): Promise<number> {
    const now = Date.now();
    const [id] = await this.db("users").insert({
      username: u.username,
      email: u.email.toLowerCase(),
      password_hash: u.passwordHash,
      about_me: null,
      last_seen: now,
      created_at: now,
    });
    return Number(id);
  }

  async updateProfile(id: number, username: string, aboutMe: string): Promise<void> {
    await this.db("users")
      .where({ id })
      .update({ username, about_me: aboutMe || null });
  }

  /** Sets a new password and ends every session of the user. */
  async setPassword(id: number, passwordHash: string): Promise<void> {
    await this.db("users")
      .where({ id })
      .update({ password_hash: passwordHash, session_epoch: this.db.raw("session_epoch + 1") });
  }

  /** Stores a stronger hash of the same password (sessions stay valid). */
  async rehashPassword(id: number, passwordHash: string): Promise<void> {
    await this.db("users").where({ id }).update({ password_hash: passwordHash });
  }

  /** Ends every session of the user (their cookies no longer authenticate). */
  async endSessions(id: number): Promise<void> {
    await this.db("users").where({ id }).increment("session_epoch", 1);
  }

  async touchLastSeen(id: number, at: number): Promise<void> {
    await this.db("users").where({ id }).update({ last_seen: at });
  }

  async createPost(userId: number, body: string, language: string): Promise<number> {
    return this.postChange(async (q) => {
      const now = Date.now();
      const [id] = await q("posts").insert({ body, language, user_id: userId, created_at: now });
      if (this.opts.searchOutbox) await enqueueSearch(q, Number(id), "index", now);
      return Number(id);
    });
  }

  async updatePost(id: number, body: string, language: string): Promise<void> {
    await this.postChange(async (q) => {
      const now = Date.now();
      await q("posts").where({ id }).update({ body, language, updated_at: now });
      if (this.opts.searchOutbox) await enqueueSearch(q, id, "index", now);
    });
  }

  async deletePost(id: number): Promise<void> {
    await this.postChange(async (q) => {
      await q("posts").where({ id }).delete();
      if (this.opts.searchOutbox) await enqueueSearch(q, id, "delete");
    });
  }

  async postById(id: number): Promise<PostView | undefined> {
    return this.db("posts")
      .join("users", "users.id", "posts.user_id")
      .where("posts.id", id)
      .first(POST_COLUMNS);
  }

  /** Posts with the given ids, in the order of `ids` (the search engine's ranking). */
  async postsByIds(ids: number[]): Promise<PostView[]> {
    if (ids.length === 0) return [];
    const rows: PostView[] = await this.db("posts")
      .join("users", "users.id", "posts.user_id")
      .whereIn("posts.id", ids)
      .select(POST_COLUMNS);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id)).filter((p): p is PostView => p !== undefined);
  }

  /**
   * One newest-first page of posts joined with their authors, in one query. `ids` selects
   * `posts.id` and `posts.created_at` of the candidate posts (already bounded: an index walk that
   * stops after `limit + offset` rows); the page's rows are joined with their authors only after
   * the derived table is cut, so the join never sorts the whole table. One extra row tells
   * whether an older page exists.
   */
  private async pageFrom(
    ids: Knex.QueryBuilder,
    page: number,
    per: number,
    offset: number,
  ): Promise<Page<PostView>> {
    const rows: PostView[] = await this.db
      .from(ids.as("pg"))
      .join("posts", "posts.id", "pg.id")
      .join("users", "users.id", "posts.user_id")
      .orderBy([
        { column: "pg.created_at", order: "desc" },
        { column: "pg.id", order: "desc" },
      ])
      .limit(per + 1)
      .offset(offset)
      .select(POST_COLUMNS);
    return pageOfRows(rows, page, per);
  }

  /**
   * Newest-first ids (with created_at) of a post query, cut to what one page needs: after the
   * `before` cursor when there is one (keyset: no rows skipped), else the first `skip + take`.
   */
  private newest(q: Knex.QueryBuilder, take: number, before?: Cursor): Knex.QueryBuilder {
    if (before) {
      // `created_at <= t AND (created_at < t OR id < i)`: one index range on created_at.
      q = q
        .where("posts.created_at", "<=", before.createdAt)
        .andWhere((w) =>
          w.where("posts.created_at", "<", before.createdAt).orWhere("posts.id", "<", before.id),
        );
    }
    return q
      .orderBy([
        { column: "posts.created_at", order: "desc" },
        { column: "posts.id", order: "desc" },
      ])
      .limit(take)
      .select("posts.id", "posts.created_at");
  }

  /** Page of a single-table post query (all posts, or one author's). */
  private async pageOf(
    q: Knex.QueryBuilder,
    page: number,
    per: number,
    before?: Cursor,
  ): Promise<Page<PostView>> {
    const skip = before ? 0 : (page - 1) * per;
    return this.pageFrom(this.newest(q, skip + per + 1, before), page, per, skip);
  }

  /** All posts, newest first; `before` continues after the last post of the previous page. */
  async explore(page: number, per: number, before?: Cursor): Promise<Page<PostView>> {
    return this.pageOf(this.db("posts"), page, per, before);
  }

  /** One user's posts, newest first. */
  async postsOf(
    userId: number,
    page: number,
    per: number,
    before?: Cursor,
  ): Promise<Page<PostView>> {
    return this.pageOf(this.db("posts").where("posts.user_id", userId), page, per, before);
  }

  /**
   * The user's own posts and those of everyone they follow, newest first. For up to
   * TIMELINE_FANOUT authors, each author's newest posts come from the (user_id, created_at, id)
   * index, cut to one page each, and only those candidates are merged: the cost depends on the
   * number of authors and the page size, not on how many posts exist. Beyond that many authors
   * one walk of the (created_at, id) index filters by author instead (it stops as soon as a page
   * is full, which is soon when one follows that many people).
   */
  async timeline(
    userId: number,
    page: number,
    per: number,
    before?: Cursor,
  ): Promise<Page<PostView>> {
    const followed: number[] = await this.db("followers")
      .where("follower_id", userId)
      .pluck("followed_id");
    const authors = [userId, ...followed.map(Number).filter((id) => id !== userId)];
    const skip = before ? 0 : (page - 1) * per;
    const take = skip + per + 1;
    let ids: Knex.QueryBuilder;
    if (authors.length > TIMELINE_FANOUT) {
      ids = this.newest(this.db("posts").whereIn("posts.user_id", authors), take, before);
    } else {
      if (this.db.client.config.client === "mysql2") {
        return this.timelineMysql(authors, page, per, skip, take, before);
      }
      // SQLite allows ORDER BY/LIMIT in a compound SELECT's branches only inside a subquery.
      const branches = authors.map((a, i) =>
        this.db
          .from(this.newest(this.db("posts").where("posts.user_id", a), take, before).as(`a${i}`))
          .select("id", "created_at"),
      );
      ids = branches.length === 1 ? branches[0]! : branches[0]!.unionAll(branches.slice(1));
    }
    return this.pageFrom(ids, page, per, skip);
  }

  /**
   * The per-author merge on MariaDB/MySQL as one statement: `(SELECT … WHERE user_id = ? …
   * LIMIT n) UNION ALL …` in a derived table, joined with posts and users once cut to a page.
   * Its text depends only on the number of authors and on whether there is a cursor, so it is
   * built once per shape (building 20 query builders per request cost more than the query).
   */
  private async timelineMysql(
    authors: number[],
    page: number,
    per: number,
    skip: number,
    take: number,
    before?: Cursor,
  ): Promise<Page<PostView>> {
    const shape = `${authors.length}:${before ? 1 : 0}`;
    let sql = timelineSql.get(shape);
    if (sql === undefined) {
      const cut = before ? " AND created_at <= ? AND (created_at < ? OR id < ?)" : "";
      const branch =
        `(SELECT id, created_at FROM posts WHERE user_id = ?${cut} ` +
        "ORDER BY created_at DESC, id DESC LIMIT ?)";
      sql =
        `SELECT ${POST_COLUMNS.join(", ")} FROM (` +
        authors.map(() => branch).join(" UNION ALL ") +
        ") AS pg JOIN posts ON posts.id = pg.id JOIN users ON users.id = posts.user_id " +
        "ORDER BY pg.created_at DESC, pg.id DESC LIMIT ? OFFSET ?";
      timelineSql.set(shape, sql);
    }
    const bindings = authors.flatMap((a) =>
      before ? [a, before.createdAt, before.createdAt, before.id, take] : [a, take],
    );
    const [rows] = (await this.db.raw(sql, [...bindings, per + 1, skip])) as [PostView[]];
    return pageOfRows(rows, page, per);
  }

  /**
   * Follower and following counts of a user and whether `viewerId` follows them, in one query
   * (each count is an index range on followers; none reads posts).
   */
  async profileCounts(
    userId: number,
    viewerId: number | null,
  ): Promise<{ followers: number; following: number; followedByViewer: boolean }> {
    const row = (await this.db
      .select({
        followers: this.db("followers").where("followed_id", userId).count("*"),
        following: this.db("followers").where("follower_id", userId).count("*"),
        viewer: this.db("followers")
          .where({ follower_id: viewerId ?? 0, followed_id: userId })
          .count("*"),
      })
      .first()) as { followers: number | string; following: number | string; viewer: number };
    return {
      followers: Number(row.followers),
      following: Number(row.following),
      followedByViewer: viewerId !== null && viewerId !== userId && Number(row.viewer) > 0,
    };
  }

  async isFollowing(followerId: number, followedId: number): Promise<boolean> {
    const row = await this.db("followers")
      .where({ follower_id: followerId, followed_id: followedId })
      .first("follower_id");
    return row !== undefined;
  }

  /** Adds a follow; following twice is not an error. */
  async follow(followerId: number, followedId: number): Promise<void> {
    await this.db("followers")
      .insert({ follower_id: followerId, followed_id: followedId })
      .onConflict(["follower_id", "followed_id"])
      .ignore();
  }

  async unfollow(followerId: number, followedId: number): Promise<void> {
    await this.db("followers").where({ follower_id: followerId, followed_id: followedId }).delete();
  }

  /** Streams every post in id order, in batches, for the reindex command. */
  async *allPosts(batch = 1000): AsyncGenerator<{ id: number; body: string; language: string }[]> {
    let after = 0;
    for (;;) {
      const rows = await this.db("posts")
        .where("id", ">", after)
        .orderBy("id")
        .limit(batch)
        .select("id", "body", "language", "user_id", "created_at");
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1].id;
    }
  }
}
