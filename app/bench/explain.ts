/**
 * Prints each page's SQL as the app issues it and MariaDB's ANALYZE of it (the plan with the
 * rows actually read): the home timeline of user1, /explore, /user/user7, their "older posts"
 * pages (keyset cursor) and the search page's hydration. Read-only.
 * Env: BENCH_MYSQL_URL (a database seeded by bench/run.ts).
 */
import knexFactory from "knex";
import { parseDatabaseUrl } from "../src/db/connection.js";
import { parseCursor, Repository } from "../src/db/repository.js";

const url = process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL;
if (!url) throw new Error("set BENCH_MYSQL_URL");
const db = knexFactory(parseDatabaseUrl(url).knexConfig);
const repo = new Repository(db);
const seen: { sql: string; bindings: unknown[] }[] = [];
db.on("query", (q: { sql: string; bindings?: unknown[] }) =>
  seen.push({ sql: q.sql, bindings: q.bindings ?? [] }),
);

async function show(title: string, run: () => Promise<unknown>): Promise<void> {
  seen.length = 0;
  await run();
  const queries = [...seen];
  console.log(`\n## ${title}`);
  for (const q of queries) {
    const sql = db.raw(q.sql, q.bindings as never[]).toString();
    console.log(`\n${sql}\n`);
    const [rows] = (await db.raw(`ANALYZE ${sql}`)) as [Record<string, unknown>[]];
    const cols = ["id", "select_type", "table", "type", "key", "rows", "r_rows", "Extra"];
    console.log(cols.join(" | "));
    for (const r of rows) console.log(cols.map((c) => String(r[c] ?? "")).join(" | "));
  }
}

const u7 = (await repo.userByUsername("user7"))!;
const home = await repo.timeline(1, 1, 25);
const ex = await repo.explore(1, 25);
const up = await repo.postsOf(u7.id, 1, 25);
await show("home timeline, user1, page 1", () => repo.timeline(1, 1, 25));
await show("home timeline, user1, page 2 (keyset)", () =>
  repo.timeline(1, 2, 25, parseCursor(home.before!)!),
);
await show("explore, page 1", () => repo.explore(1, 25));
await show("explore, page 2 (keyset)", () => repo.explore(2, 25, parseCursor(ex.before!)!));
await show("user page user7: posts", () => repo.postsOf(u7.id, 1, 25));
await show("user page user7: posts, page 2 (keyset)", () =>
  repo.postsOf(u7.id, 2, 25, parseCursor(up.before!)!),
);
await show("user page user7: counts", () => repo.profileCounts(u7.id, 1));
await show("search hydration (25 ids)", () => repo.postsByIds(ex.items.map((p) => p.id)));
await db.destroy();
