/**
 * Benchmark (not a test): seeds MariaDB with 1,000 users, BENCH_POSTS posts (100,000) and 20,000
 * follows, starts the compiled server as its own process on loopback (NODE_ENV=production,
 * per-request logging on, to /dev/null), and measures req/s and p50/p99 latency with autocannon
 * at 32 connections. Signed in (the page cache never serves signed-in users): the home timeline
 * `/index`, `/explore`, a user page and a mix of the three over many users. Anonymous: /explore
 * and a user page, with the page cache as configured (PAGE_CACHE_SECONDS, default 2; 0 = off),
 * and /search. Samples the server's RSS throughout. Prints the figures and appends dated rows to
 * BENCHMARKS.md with BENCH_RECORD=1 (or to the file BENCH_OUT names; else only printed).
 *
 * Env: BENCH_MYSQL_URL (else TEST_MYSQL_URL, else `../harness/services/mariadb.sh start`) — its
 * tables are dropped and re-seeded; BENCH_SEARCH_URL (else TEST_SEARCH_URL; /search is skipped
 * without one); BENCH_POSTS (100000); BENCH_DURATION seconds per endpoint (10); BENCH_REPEAT
 * measured runs per endpoint, the median reported (1); BENCH_SKIP_SEED=1 reuses the data;
 * BENCH_ONLY=comma-separated endpoint names; BENCH_NOTE=text for the method column;
 * BENCH_APP_DIR=another app checkout (built there) whose server and CLI are measured.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import knexFactory from "knex";
import { hashPassword } from "../src/auth/password.js";
import { parseDatabaseUrl } from "../src/db/connection.js";
import { dropAllTables, migrateLatest } from "../src/db/migrations.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Where the server and CLI run from: another build of the app for an A/B (default: this one). */
const APP_DIR = path.resolve(process.env.BENCH_APP_DIR ?? ROOT);
const USERS = 1000;
const POSTS = Number(process.env.BENCH_POSTS ?? 100_000);
const FOLLOWS_PER_USER = 20;
const CONNECTIONS = 32;
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));
/** Rows per multi-row INSERT while seeding posts. */
const SEED_BATCH = 5000;
/** The seed's vocabulary (search queries of the bench pick from it too). */
const WORDS = (
  "penguin ocean coffee morning river mountain code music garden city train window book " +
  "summer winter light shadow bridge market story dream cloud forest paper friend game"
).split(" ");

const t = () => performance.now();
const LOAD_AT_START = (os.loadavg()[0] ?? 0).toFixed(1);
const log = (msg: string, t0?: number) =>
  console.log(`[bench] ${msg}${t0 === undefined ? "" : ` (${((t() - t0) / 1000).toFixed(1)}s)`}`);

function mysqlUrl(): string {
  const url = process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL;
  if (url) return url;
  const script = path.join(ROOT, "..", "harness", "services", "mariadb.sh");
  if (!fs.existsSync(script))
    throw new Error("set BENCH_MYSQL_URL (no harness/services/mariadb.sh)");
  execFileSync("bash", [script, "start"], { stdio: "inherit" });
  const dir = process.env.MICROBLOG_SERVICES_DIR ?? "/tmp/microblog-services";
  return fs.readFileSync(path.join(dir, "mariadb", "url"), "utf8").trim();
}

/**
 * Deterministic pseudo-random numbers (mulberry32), so every run seeds the same data. (The
 * linear congruential generator used before lost precision in floating point and gave half the
 * users no posts and the others multiples of ~1,100.)
 */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

async function seed(url: string): Promise<void> {
  const t0 = t();
  // One connection, so the session settings below apply to every insert.
  const db = knexFactory({ ...parseDatabaseUrl(url).knexConfig, pool: { min: 1, max: 1 } });
  try {
    await dropAllTables(db);
    await migrateLatest(db);
    const hash = await hashPassword("bench password");
    const now = Date.now();
    const users = Array.from({ length: USERS }, (_, i) => ({
      username: `user${i + 1}`,
      email: `user${i + 1}@example.com`,
      password_hash: hash,
      about_me: `I am bench user ${i + 1}`,
      last_seen: now,
      created_at: now,
    }));
    await db.batchInsert("users", users, 500);
    const r = rng(42);
    const pick = () => 1 + Math.floor(r() * USERS);
    const follows = new Set<string>();
    for (let u = 1; u <= USERS; u++) {
      while (follows.size < u * FOLLOWS_PER_USER) {
        const f = pick();
        if (f !== u) follows.add(`${u}:${f}`);
      }
    }
    const followRows = [...follows].map((k) => {
      const [a, b] = k.split(":").map(Number);
      return { follower_id: a, followed_id: b };
    });
    await db.batchInsert("followers", followRows, 2000);
    // Posts: multi-row INSERTs of SEED_BATCH rows without per-row foreign key and unique checks,
    // the next batch generated while the previous one is written. Times rise with the id over
    // the last 30 days (as real posting does), authors are random.
    await db.raw("SET SESSION foreign_key_checks = 0, unique_checks = 0");
    const month = 30 * 24 * 3600 * 1000;
    const start = now - month;
    const step = month / POSTS;
    const batchOf = (from: number) =>
      Array.from({ length: Math.min(SEED_BATCH, POSTS - from) }, (_, k) => {
        const words = Array.from(
          { length: 4 + Math.floor(r() * 12) },
          () => WORDS[Math.floor(r() * WORDS.length)],
        );
        return {
          body: words.join(" ").slice(0, 140),
          language: "eng",
          user_id: pick(),
          created_at: Math.floor(start + (from + k) * step),
        };
      });
    const tp = t();
    let lastReport = tp;
    let writing: Promise<unknown> = Promise.resolve();
    for (let done = 0; done < POSTS; done += SEED_BATCH) {
      const rows = batchOf(done);
      await writing;
      writing = db("posts").insert(rows);
      if (t() - lastReport > 5000 || done + rows.length >= POSTS) {
        lastReport = t();
        const n = done + rows.length;
        const rate = Math.round(n / ((t() - tp) / 1000));
        log(`posts ${n.toLocaleString("en")}/${POSTS.toLocaleString("en")} (${rate}/s)`);
      }
    }
    await writing;
    const secs = (t() - tp) / 1000;
    log(`posts written: ${Math.round(POSTS / secs)} rows/s over ${secs.toFixed(1)}s`);
    await db.raw("SET SESSION foreign_key_checks = 1, unique_checks = 1");
    await db.raw("ANALYZE TABLE users, posts, followers");
    log(`seeded ${USERS} users, ${POSTS} posts, ${followRows.length} follows`, t0);
  } finally {
    await db.destroy();
  }
}

let postsInDb = 0;

async function countPosts(url: string): Promise<number> {
  const db = knexFactory(parseDatabaseUrl(url).knexConfig);
  try {
    const row = await db("posts").count({ n: "*" }).first();
    return Number(row?.n ?? 0);
  } finally {
    await db.destroy();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) a process has used so far; 0 when it cannot be read. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in 1/100 s
  } catch {
    return 0;
  }
}

/** The pid in a harness pid file (under MICROBLOG_SERVICES_DIR), if it is readable. */
function pidFile(rel: string): number | undefined {
  const dir = process.env.MICROBLOG_SERVICES_DIR ?? "/tmp/microblog-services";
  try {
    return Number(fs.readFileSync(path.join(dir, rel), "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** The MariaDB server's pid (BENCH_DB_PID, else the harness's pid file), for CPU per request. */
function dbPid(): number | undefined {
  if (process.env.BENCH_DB_PID) return Number(process.env.BENCH_DB_PID);
  return pidFile("mariadb/mysqld.pid");
}

/**
 * The search engine's JVM (BENCH_SEARCH_PID, else the child of the harness's `runuser`, whose
 * pid is in opensearch/ or elasticsearch/engine.pid).
 */
function searchPid(): number | undefined {
  if (process.env.BENCH_SEARCH_PID) return Number(process.env.BENCH_SEARCH_PID);
  const wrapper = pidFile("opensearch/engine.pid") ?? pidFile("elasticsearch/engine.pid");
  if (!wrapper) return undefined;
  try {
    const kids = fs.readFileSync(`/proc/${wrapper}/task/${wrapper}/children`, "utf8").trim();
    return Number(kids.split(" ")[0]) || wrapper;
  } catch {
    return undefined;
  }
}

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function loginCookie(base: string): Promise<{ cookie: string; csrf: string }> {
  const page = await fetch(`${base}/auth/login`);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
  const res = await fetch(`${base}/auth/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: token, username: "user1", password: "bench password" }),
  });
  if (res.status !== 302) throw new Error(`login failed: HTTP ${res.status}`);
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  // The first page after login stores the session's CSRF secret and sends the updated cookie;
  // a browser keeps that one. Sending the login cookie on every request instead would make each
  // page create a secret and re-encrypt the session, which no real client causes.
  const first = await fetch(`${base}/index`, { headers: { cookie: session } });
  const html = await first.text();
  const updated = first.headers.getSetCookie().map((c) => c.split(";")[0]);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
  return { cookie: updated.length ? updated.join("; ") : session, csrf };
}

/**
 * After the posting run: how many posts still wait in the search outbox, how long until none
 * does (the server's drainer retries them), and whether the engine then counts every post.
 */
async function searchCatchUp(url: string, searchUrl: string): Promise<void> {
  const db = knexFactory(parseDatabaseUrl(url).knexConfig);
  try {
    const waiting = async () =>
      Number((await db("search_outbox").count({ n: "*" }).first())?.n ?? 0);
    const t0 = t();
    const atEnd = await waiting();
    let left = atEnd;
    while (left > 0 && t() - t0 < 120_000) {
      await new Promise((r) => setTimeout(r, 250));
      left = await waiting();
    }
    await fetch(`${searchUrl}/bench-posts/_refresh`, { method: "POST" });
    const res = await fetch(`${searchUrl}/bench-posts/_count`);
    const indexed = ((await res.json()) as { count: number }).count;
    const posts = Number((await db("posts").count({ n: "*" }).first())?.n ?? 0);
    log(
      `search outbox: ${atEnd} posts waiting when posting stopped, ${left} after ` +
        `${((t() - t0) / 1000).toFixed(1)}s; engine holds ${indexed} of ${posts} posts`,
    );
  } finally {
    await db.destroy();
  }
}

interface Row {
  name: string;
  path: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** CPU milliseconds per request of the app server and of MariaDB (all measured runs). */
  appCpuMs: number;
  dbCpuMs: number;
  searchCpuMs: number;
  /** The server's peak RSS while this endpoint ran. */
  rssMb: number;
}

interface Endpoint {
  name: string;
  /** One path, or several visited in turn by each connection (a mix). */
  paths: string[];
  signedIn: boolean;
  /** A form POST instead of GET (its answer is a 302 redirect, counted as non-2xx). */
  form?: Record<string, string>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

interface Procs {
  server: number;
  db: number | undefined;
  search: number | undefined;
  /** Peak RSS (kB) since the last reset. */
  peakKb: number;
}

async function measure(base: string, e: Endpoint, cookie: string, procs: Procs): Promise<Row> {
  const headers: Record<string, string> = e.signedIn ? { cookie } : {};
  if (e.form) headers["content-type"] = "application/x-www-form-urlencoded";
  const body = e.form ? new URLSearchParams(e.form).toString() : undefined;
  const opts = {
    url: base,
    connections: CONNECTIONS,
    headers,
    requests: e.paths.map((p) => ({
      method: e.form ? ("POST" as const) : ("GET" as const),
      path: p,
      body,
    })),
  };
  // The peak RSS counts the warm-up too: a server's first seconds under load are its worst.
  procs.peakKb = 0;
  await autocannon({ ...opts, duration: 2 });
  const cpu0 = [cpuSeconds(procs.server), cpuSeconds(procs.db), cpuSeconds(procs.search)];
  let requests = 0;
  const runs: Omit<Row, "appCpuMs" | "dbCpuMs" | "searchCpuMs" | "rssMb">[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const r = await autocannon({ ...opts, duration: DURATION });
    requests += r.requests.total;
    runs.push({
      name: e.name,
      path: e.paths.length === 1 ? e.paths[0]! : `${e.paths.length} paths`,
      rps: Math.round(r.requests.average),
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
    });
  }
  const perReq = (secs: number) => Math.round((secs * 1000 * 100) / Math.max(requests, 1)) / 100;
  const row: Row = {
    ...runs[0]!,
    rps: median(runs.map((x) => x.rps)),
    p50: median(runs.map((x) => x.p50)),
    p99: median(runs.map((x) => x.p99)),
    non2xx: runs.reduce((n, x) => n + x.non2xx, 0),
    appCpuMs: perReq(cpuSeconds(procs.server) - cpu0[0]!),
    dbCpuMs: procs.db ? perReq(cpuSeconds(procs.db) - cpu0[1]!) : NaN,
    searchCpuMs: procs.search ? perReq(cpuSeconds(procs.search) - cpu0[2]!) : NaN,
    rssMb: Math.round(procs.peakKb / 1024),
  };
  const each = REPEAT > 1 ? ` [runs: ${runs.map((x) => `${x.rps}/${x.p99}`).join(", ")}]` : "";
  log(
    `${e.name} ${row.path}: ${row.rps} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, ` +
      `non-2xx ${row.non2xx}, CPU/req app ${row.appCpuMs} ms db ${row.dbCpuMs} ms ` +
      `search engine ${row.searchCpuMs} ms, ` +
      `RSS ${row.rssMb} MB${each}`,
  );
  return row;
}

/** The pages measured, signed in first (no page cache), then anonymous. */
function endpoints(searchUrl: string, csrfToken: string): Endpoint[] {
  const mixUsers = Array.from({ length: 8 }, (_, i) => `/user/user${1 + i * 97}`);
  const list: Endpoint[] = [
    { name: "home timeline (signed in)", paths: ["/index"], signedIn: true },
    { name: "explore (signed in)", paths: ["/explore"], signedIn: true },
    { name: "user page (signed in)", paths: ["/user/user7"], signedIn: true },
    {
      name: "mix (signed in)",
      paths: mixUsers.flatMap((u) => ["/index", "/explore", u]),
      signedIn: true,
    },
    { name: "explore (anonymous)", paths: ["/explore"], signedIn: false },
    { name: "user page (anonymous)", paths: ["/user/user7"], signedIn: false },
  ];
  if (searchUrl) {
    list.push({ name: "search (anonymous)", paths: ["/search?q=penguin"], signedIn: false });
    list.push({
      name: "search mix (anonymous)",
      paths: WORDS.map((w, i) => `/search?q=${w}+${WORDS[(i * 7 + 3) % WORDS.length]}`),
      signedIn: false,
    });
  } else log("search skipped: no BENCH_SEARCH_URL/TEST_SEARCH_URL");
  // Posting last: it adds posts (by user1) and, with search on, indexes each one.
  list.push({
    name: "post (signed in)",
    paths: ["/"],
    signedIn: true,
    form: { post: "benchmark post about penguin coffee", _csrf: csrfToken },
  });
  const only = process.env.BENCH_ONLY?.split(",").map((x) => x.trim());
  return only ? list.filter((e) => only.some((o) => e.name.startsWith(o))) : list;
}

async function main(): Promise<void> {
  const url = mysqlUrl();
  const searchUrl = process.env.BENCH_SEARCH_URL ?? process.env.TEST_SEARCH_URL ?? "";
  if (process.env.BENCH_SKIP_SEED !== "1") await seed(url);
  postsInDb = await countPosts(url);
  execFileSync(process.execPath, ["scripts/build-if-needed.mjs"], {
    cwd: APP_DIR,
    stdio: "inherit",
  });
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: "production",
    SECRET_KEY: "bench-secret-key-0123456789abcdef",
    DATABASE_URL: url,
    ELASTICSEARCH_URL: searchUrl,
    SEARCH_INDEX: "bench-posts",
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
  };
  if (searchUrl && process.env.BENCH_SKIP_SEED !== "1") {
    const t0 = t();
    execFileSync(process.execPath, ["dist/cli.js", "reindex"], {
      cwd: APP_DIR,
      env,
      stdio: "inherit",
    });
    log("reindexed posts into the search engine", t0);
  }
  const server = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_NODE_ARGS ?? "--max-semi-space-size=4 --max-old-space-size=144")
        .split(" ")
        .filter(Boolean),
      "dist/server.js",
    ],
    { cwd: APP_DIR, env, stdio: "ignore" },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  let maxRss = rssKb(server.pid!);
  const procs: Procs = {
    server: server.pid!,
    db: dbPid(),
    search: searchUrl ? searchPid() : undefined,
    peakKb: 0,
  };
  const sampler = setInterval(() => {
    const kb = rssKb(server.pid!);
    maxRss = Math.max(maxRss, kb);
    procs.peakKb = Math.max(procs.peakKb, kb);
  }, 200);
  try {
    const { cookie, csrf } = await loginCookie(base);
    const rows: Row[] = [];
    for (const e of endpoints(searchUrl, csrf)) {
      rows.push(await measure(base, e, cookie, procs));
      if (e.form && searchUrl) await searchCatchUp(url, searchUrl);
    }
    log(`server max RSS ${Math.round(maxRss / 1024)} MB over the whole run`);
    write(rows, searchUrl);
  } finally {
    clearInterval(sampler);
    server.kill("SIGTERM");
  }
}

function write(rows: Row[], searchUrl: string): void {
  const file =
    process.env.BENCH_OUT ??
    (process.env.BENCH_RECORD === "1" ? path.join(ROOT, "BENCHMARKS.md") : undefined);
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "src", "bench"], {
      cwd: ROOT,
    }).toString();
    if (dirty.trim()) commit += "+dirty";
  } catch {
    /* not a git checkout */
  }
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  const engine = searchUrl ? "on" : "off";
  const load = `${LOAD_AT_START}→${(os.loadavg()[0] ?? 0).toFixed(1)}`;
  const cache = process.env.PAGE_CACHE_SECONDS === "0" ? "page cache off" : "page cache on";
  const method =
    `${DURATION}s × ${REPEAT} (median), ${cache}` +
    (process.env.BENCH_NOTE ? `; ${process.env.BENCH_NOTE}` : "");
  const lines = rows.map(
    (r) =>
      `| ${date} | ${commit} | ${process.version} | ${r.name} \`${r.path}\` | ${r.rps} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.appCpuMs} | ${Number.isNaN(r.dbCpuMs) ? "n/a" : r.dbCpuMs} | ${Number.isNaN(r.searchCpuMs) ? "n/a" : r.searchCpuMs} | ${r.rssMb} | ${engine} | ${load} | ${postsInDb.toLocaleString("en")} | ${method} |`,
  );
  if (file === undefined) {
    console.log(lines.join("\n"));
    log(
      "rows not recorded (BENCH_RECORD=1 appends them to BENCHMARKS.md, BENCH_OUT=file elsewhere)",
    );
    return;
  }
  if (!fs.existsSync(file)) {
    fs.writeFileSync(
      file,
      [
        "# Benchmarks",
        "",
        "`npm run bench`: MariaDB with 1,000 users / BENCH_POSTS posts / 20,000 follows; the",
        "compiled server in production mode (one log line per request, to /dev/null) on loopback;",
        `autocannon, ${CONNECTIONS} connections, 2 s warm-up then the measured run per endpoint.`,
        "CPU per request: user + system time of the server process and of mariadbd over the",
        "measured runs, divided by the requests answered. RSS: the server's peak during that endpoint.",
        "",
        "| date (UTC) | commit | node | endpoint | req/s | p50 ms | p99 ms | non-2xx | app CPU ms/req | db CPU ms/req | engine CPU ms/req | RSS MB | search | load | posts | method |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        "",
      ].join("\n"),
    );
  }
  fs.appendFileSync(file, lines.join("\n") + "\n");
  log(`appended ${lines.length} rows to ${file}`);
}

main().catch((err: unknown) => {
  console.error("[bench] failed:", err instanceof Error ? err.message : err);
  process.exit(1);
});
