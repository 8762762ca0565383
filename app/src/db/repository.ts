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
}

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
   * Newest-first page of a post query; fetches one extra id to know if a next page exists.
   * Ids are found first from the posts table alone (an index walk), then the page's rows are
   * joined with their authors: joining first makes MySQL sort the whole table.
   */
  private async pageOf(q: Knex.QueryBuilder, page: number, per: number): Promise<Page<PostView>> {
    const rows: { id: number }[] = await q
      .orderBy([
        { column: "posts.created_at", order: "desc" },
        { column: "posts.id", order: "desc" },
      ])
      .limit(per + 1)
      .offset((page - 1) * per)
      .select("posts.id");
    const ids = rows.slice(0, per).map((r) => r.id);
    const items = await this.postsByIds(ids);
    return { items, page, hasPrev: page > 1, hasNext: rows.length > per };
  }

  /** All posts, newest first. */
  async explore(page: number, per: number): Promise<Page<PostView>> {
    return this.pageOf(this.db("posts"), page, per);
  }

  /** One user's posts, newest first. */
  async postsOf(userId: number, page: number, per: number): Promise<Page<PostView>> {
    return this.pageOf(this.db("posts").where("posts.user_id", userId), page, per);
  }

  /** The user's own posts and those of everyone they follow, newest first. */
  async timeline(userId: number, page: number, per: number): Promise<Page<PostView>> {
    const followed = this.db("followers").select("followed_id").where("follower_id", userId);
    const q = this.db("posts").where((w) =>
      w.whereIn("posts.user_id", followed).orWhere("posts.user_id", userId),
    );
    return this.pageOf(q, page, per);
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

  /** Follower and following counts of a user. */
  async followCounts(userId: number): Promise<{ followers: number; following: number }> {
    const [a, b] = await Promise.all([
      this.db("followers").where("followed_id", userId).count({ n: "*" }).first(),
      this.db("followers").where("follower_id", userId).count({ n: "*" }).first(),
    ]);
    return { followers: Number(a?.n ?? 0), following: Number(b?.n ?? 0) };
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
