/**
 * Schema migrations, kept in code (not loaded from a folder) so the same list runs from
 * TypeScript sources in tests and from compiled JavaScript in the image. knex's migration lock
 * table makes concurrent boots of several replicas safe: one migrates, the others wait/retry.
 */
import type { Knex } from "knex";

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

const utf8 = (db: Knex, t: Knex.CreateTableBuilder) => {
  if (db.client.config.client === "mysql2") {
    t.charset("utf8mb4");
    t.collate("utf8mb4_unicode_ci");
    t.engine("InnoDB");
  }
};

const migrations: Record<string, Migration> = {
  "001_initial": {
    async up(db) {
      await db.schema.createTable("users", (t) => {
        utf8(db, t);
        t.increments("id").primary();
        t.string("username", 64).notNullable().unique();
        t.string("email", 120).notNullable().unique();
        t.string("password_hash", 256).notNullable();
        t.string("about_me", 140).nullable();
        t.bigInteger("last_seen").notNullable();
        t.bigInteger("created_at").notNullable();
      });
      await db.schema.createTable("posts", (t) => {
        utf8(db, t);
        t.increments("id").primary();
        t.string("body", 140).notNullable();
        t.string("language", 8).notNullable().defaultTo("");
        t.bigInteger("created_at").notNullable().index();
        t.bigInteger("updated_at").nullable();
        t.integer("user_id")
          .unsigned()
          .notNullable()
          .references("id")
          .inTable("users")
          .onDelete("CASCADE");
        t.index(["user_id", "created_at"]);
      });
      await db.schema.createTable("followers", (t) => {
        utf8(db, t);
        t.integer("follower_id")
          .unsigned()
          .notNullable()
          .references("id")
          .inTable("users")
          .onDelete("CASCADE");
        t.integer("followed_id")
          .unsigned()
          .notNullable()
          .references("id")
          .inTable("users")
          .onDelete("CASCADE");
        t.primary(["follower_id", "followed_id"]);
        t.index(["followed_id"]);
      });
    },
    async down(db) {
      await db.schema.dropTableIfExists("followers");
      await db.schema.dropTableIfExists("posts");
      await db.schema.dropTableIfExists("users");
    },
  },
  // Server-side session revocation: each session stores the epoch it was created in; bumping
  // the user's epoch (logout, password change) ends every session issued before.
  "002_session_epoch": {
    async up(db) {
      await db.schema.alterTable("users", (t) => {
        t.integer("session_epoch").notNullable().defaultTo(0);
      });
    },
    async down(db) {
      await db.schema.alterTable("users", (t) => {
        t.dropColumn("session_epoch");
      });
    },
  },
  // Durable search outbox: one row per post whose index entry may be stale, written in the
  // same transaction as the post change; removed once the engine has the post's current state.
  // `version` counts changes (a processor deletes the row only if no change came in meanwhile);
  // `claimed_until`/`claim_token` are a lease so that one replica at a time works on a post.
  "003_search_outbox": {
    async up(db) {
      await db.schema.createTable("search_outbox", (t) => {
        utf8(db, t);
        t.integer("post_id").unsigned().notNullable().primary();
        t.string("operation", 8).notNullable();
        t.integer("version").notNullable().defaultTo(1);
        t.bigInteger("enqueued_at").notNullable();
        t.integer("attempts").notNullable().defaultTo(0);
        t.bigInteger("next_attempt_at").notNullable();
        t.bigInteger("claimed_until").nullable();
        t.string("claim_token", 36).nullable();
        t.index(["next_attempt_at"]);
      });
    },
    async down(db) {
      await db.schema.dropTableIfExists("search_outbox");
    },
  },
  // Post lists read newest first by (created_at, id): explore walks (created_at, id), a user page
  // and each author's slice of a timeline walk (user_id, created_at, id). With `id` in the index
  // the keyset condition of an "older posts" page (created_at, id) < (t, i) is one index range
  // and the page's order needs no sort, on every engine (InnoDB appends the primary key to a
  // secondary index anyway; SQLite and the query planner's estimates do not rely on that).
  // These replace the (created_at) and (user_id, created_at) indexes of 001; the user_id one
  // also serves the foreign key, so the new index is built before the old one goes.
  "004_post_list_indexes": {
    async up(db) {
      await db.schema.alterTable("posts", (t) => {
        t.index(["created_at", "id"], "posts_created_at_id_index");
        t.index(["user_id", "created_at", "id"], "posts_user_id_created_at_id_index");
      });
      await db.schema.alterTable("posts", (t) => {
        t.dropIndex(["created_at"], "posts_created_at_index");
        t.dropIndex(["user_id", "created_at"], "posts_user_id_created_at_index");
      });
    },
    async down(db) {
      await db.schema.alterTable("posts", (t) => {
        t.index(["created_at"], "posts_created_at_index");
        t.index(["user_id", "created_at"], "posts_user_id_created_at_index");
      });
      await db.schema.alterTable("posts", (t) => {
        t.dropIndex(["created_at", "id"], "posts_created_at_id_index");
        t.dropIndex(["user_id", "created_at", "id"], "posts_user_id_created_at_id_index");
      });
    },
  },
};

/** knex migration source over the in-code list above. */
export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return Object.keys(migrations).sort();
  },
  getMigrationName(name) {
    return name;
  },
  async getMigration(name) {
    const m = migrations[name];
    if (!m) throw new Error(`unknown migration ${name}`);
    return m;
  },
};

/** knex's lock table (one row; is_locked = 1 while a migration runs). */
export const LOCK_TABLE = "knex_migrations_lock";

/** Every table the migrations create, dependants first, then knex's own (drop order). */
export const ALL_TABLES = [
  "search_outbox",
  "followers",
  "posts",
  "users",
  "knex_migrations",
  LOCK_TABLE,
] as const;

/** Drops every table of the app, e.g. from a shared MySQL test or benchmark database. */
export async function dropAllTables(db: Knex): Promise<void> {
  for (const t of ALL_TABLES) await db.schema.dropTableIfExists(t);
}

/** The migration lock stayed taken for longer than the wait allowed. */
export class MigrationLockError extends Error {
  override name = "MigrationLockError";
}

/** True when the lock row says a migration is running (or a crashed one left it set). */
export async function migrationLocked(db: Knex): Promise<boolean> {
  if (!(await db.schema.hasTable(LOCK_TABLE))) return false;
  const row = await db(LOCK_TABLE).first("is_locked");
  return Number(row?.is_locked ?? 0) === 1;
}

/** Clears the migration lock; returns whether it was set. */
export async function releaseMigrationLock(db: Knex): Promise<boolean> {
  const was = await migrationLocked(db);
  await db.migrate.forceFreeMigrationsLock({ migrationSource });
  return was;
}

/**
 * Creates knex's lock table with exactly one row before knex looks at it. knex creates the table
 * and inserts its row when it finds none, and instances that start together can each insert one:
 * with two rows its lock (`UPDATE … SET is_locked = 1 WHERE is_locked = 0` must touch exactly one
 * row) then fails for every instance, forever. Here the row has a fixed key, so a second insert
 * collides and is ignored; a second row that such a race left behind is removed while unlocked.
 */
export async function ensureLockTable(db: Knex): Promise<void> {
  if (!(await db.schema.hasTable(LOCK_TABLE))) {
    try {
      await db.schema.createTable(LOCK_TABLE, (t) => {
        t.increments("index").primary();
        t.integer("is_locked");
      });
    } catch (err) {
      // Another instance created it between the check and the create.
      if (!(await db.schema.hasTable(LOCK_TABLE))) throw err;
    }
  }
  await db(LOCK_TABLE).insert({ index: 1, is_locked: 0 }).onConflict("index").ignore();
  await db(LOCK_TABLE).where("index", ">", 1).andWhere("is_locked", 0).delete();
}

function isLockError(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e?.name === "MigrationLocked" || /already locked/i.test(e?.message ?? "");
}

/**
 * Applies every pending migration; returns the names applied now. While another instance holds
 * the migration lock it waits, up to `lockTimeoutMs`, then fails with a MigrationLockError that
 * names the lock table and the command that clears a stale lock.
 */
export async function migrateLatest(
  db: Knex,
  opts: { lockTimeoutMs?: number; pollMs?: number } = {},
): Promise<string[]> {
  const { lockTimeoutMs = 30_000, pollMs = 500 } = opts;
  const deadline = Date.now() + lockTimeoutMs;
  await ensureLockTable(db);
  for (;;) {
    // Checking first keeps knex from logging a lock warning on every poll; knex's own atomic
    // lock still decides between instances that check at the same moment.
    if (!(await migrationLocked(db))) {
      try {
        const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
        return applied;
      } catch (err) {
        if (!isLockError(err)) throw err;
      }
    }
    if (Date.now() >= deadline) {
      throw new MigrationLockError(
        `the migration lock (table ${LOCK_TABLE}, is_locked = 1) is still held after ` +
          `${Math.round(lockTimeoutMs / 1000)}s. The database is reachable: another instance ` +
          `is migrating, or a migration that crashed left the lock behind. If none is running, ` +
          `clear it with \`node dist/cli.js unlock\` and start again.`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
