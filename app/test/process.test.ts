/**
 * The compiled program as a process: boot.sh retries a missing database with clear lines and a
 * bounded wait; the server refuses a bad environment; SIGTERM lets in-flight requests finish.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function run(cmd: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    p.on("exit", (code) => resolve({ code, out }));
  });
}

/** True when unprivileged PID namespaces work here (they do on most Linux hosts and CI). */
function canUnshare(): boolean {
  try {
    execFileSync("unshare", ["--pid", "--fork", "--map-root-user", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
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

describe("processes", () => {
  before(() => {
    execFileSync(process.execPath, ["scripts/build-if-needed.mjs"], {
      cwd: ROOT,
      stdio: "inherit",
    });
  });

  it("boot.sh retries an unreachable database, then gives up after DB_WAIT_TIMEOUT", async () => {
    const t0 = Date.now();
    const r = await run("sh", ["boot.sh"], {
      DATABASE_URL: "mysql://u:p@127.0.0.1:9/microblog",
      DB_WAIT_TIMEOUT: "3",
    });
    assert.equal(r.code, 1);
    assert.match(r.out, /boot: migrate attempt 1 failed; retrying in 1s/);
    assert.match(
      r.out,
      /boot: database still unavailable after \d+s \(DB_WAIT_TIMEOUT=3\); giving up/,
    );
    assert.doesNotMatch(r.out, /u:p@/);
    assert.ok(Date.now() - t0 < 20_000);
  });

  it("boot.sh stops at once on a configuration error, naming the variable", async () => {
    const r = await run("sh", ["boot.sh"], { PORT: "nope", DB_WAIT_TIMEOUT: "30" });
    assert.equal(r.code, 2);
    assert.match(r.out, /PORT="nope"/);
    assert.match(r.out, /configuration error, not retrying/);
  });

  it("boot.sh with arguments migrates, then runs them instead of the server", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "microblog-boot-args-"));
    const env = { DATABASE_URL: `sqlite:///${dir}/a.db`, DB_WAIT_TIMEOUT: "30" };
    const r = await run("sh", ["boot.sh", "node", "dist/cli.js", "migrate"], env);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /boot: running node dist\/cli.js migrate/);
    // The boot's own migration ran first, so the command found nothing left to do.
    assert.match(r.out, /already up to date/);
    assert.doesNotMatch(r.out, /starting web server/);
    const failing = await run("sh", ["boot.sh", "sh", "-c", "exit 7"], env);
    assert.equal(failing.code, 7, "the command's exit status is the container's");
  });

  it("the CLI explains its usage and refuses reindex without ELASTICSEARCH_URL", async () => {
    const usage = await run(process.execPath, ["dist/cli.js"], {});
    assert.equal(usage.code, 2);
    assert.match(usage.out, /usage: node dist\/cli.js <migrate\|reindex\|unlock>/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "microblog-cli-"));
    const r = await run(process.execPath, ["dist/cli.js", "reindex"], {
      DATABASE_URL: `sqlite:///${dir}/a.db`,
      ELASTICSEARCH_URL: "",
    });
    assert.equal(r.code, 2);
    assert.match(r.out, /ELASTICSEARCH_URL is not set/);
  });

  it("a stale migration lock: bounded wait, an error naming the lock table, `cli unlock`", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "microblog-lock-"));
    const env = { DATABASE_URL: `sqlite:///${dir}/a.db`, MIGRATION_LOCK_TIMEOUT: "1" };
    assert.equal((await run(process.execPath, ["dist/cli.js", "migrate"], env)).code, 0);
    // What a migration killed half-way leaves behind.
    execFileSync("node", [
      "-e",
      `const D=require("better-sqlite3");new D(${JSON.stringify(`${dir}/a.db`)}).exec("UPDATE knex_migrations_lock SET is_locked=1")`,
    ]);
    const t0 = Date.now();
    const locked = await run(process.execPath, ["dist/cli.js", "migrate"], env);
    assert.equal(locked.code, 3, locked.out);
    assert.match(locked.out, /migration lock \(table knex_migrations_lock, is_locked = 1\)/);
    assert.match(locked.out, /node dist\/cli\.js unlock/);
    assert.ok(Date.now() - t0 < 10_000);
    const boot = await run("sh", ["boot.sh"], { ...env, DB_WAIT_TIMEOUT: "30" });
    assert.equal(boot.code, 3, boot.out);
    assert.match(boot.out, /boot: the migration lock \(table knex_migrations_lock\) is held/);
    assert.doesNotMatch(boot.out, /database still unavailable/);
    const unlock = await run(process.execPath, ["dist/cli.js", "unlock"], env);
    assert.equal(unlock.code, 0);
    assert.match(unlock.out, /released the migration lock \(table knex_migrations_lock\)/);
    const again = await run(process.execPath, ["dist/cli.js", "migrate"], env);
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /already up to date/);
  });

  it(
    "boot.sh as PID 1 stops its migrate loop promptly on SIGTERM",
    { skip: canUnshare() ? false : "unshare --pid --map-root-user is not available" },
    async () => {
      // In a new PID namespace sh is PID 1: signals without a handler are ignored, as in a container.
      const p = spawn("unshare", ["--pid", "--fork", "--map-root-user", "sh", "boot.sh"], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: "mysql://u:p@127.0.0.1:9/microblog",
          DB_WAIT_TIMEOUT: "60",
        },
      });
      let out = "";
      p.stdout.on("data", (d) => (out += d));
      p.stderr.on("data", (d) => (out += d));
      const exited = new Promise<number | null>((r) => p.on("exit", (code) => r(code)));
      for (let i = 0; i < 200 && !out.includes("migrate attempt 2 failed"); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(out, /migrate attempt 2 failed/);
      const children = fs.readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, "utf8").trim();
      const sh = Number(children.split(/\s+/)[0]);
      assert.ok(sh > 0, "found boot.sh's process");
      const t0 = Date.now();
      process.kill(sh, "SIGTERM");
      const timer = setTimeout(() => p.kill("SIGKILL"), 8000);
      const code = await exited;
      clearTimeout(timer);
      const ms = Date.now() - t0;
      assert.match(out, /boot: SIGTERM received while migrating; stopping/);
      assert.equal(code, 143);
      assert.ok(ms < 2000, `stopped after ${ms} ms`);
    },
  );

  it("the server refuses to start in production without SECRET_KEY", async () => {
    const r = await run(process.execPath, ["dist/server.js"], {
      NODE_ENV: "production",
      SECRET_KEY: "",
    });
    assert.equal(r.code, 2);
    assert.match(r.out, /SECRET_KEY is required when NODE_ENV=production/);
  });

  it("boot.sh migrates, execs the server, and SIGTERM finishes in-flight requests", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "microblog-proc-"));
    const port = await freePort();
    const p = spawn("sh", ["boot.sh"], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: "debug",
        DATABASE_URL: `sqlite:///${dir}/a.db`,
        PORT: String(port),
        HOST: "127.0.0.1",
      },
    });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((r) => p.on("exit", (code) => r(code)));
    for (let i = 0; i < 100 && !out.includes("microblog ready"); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(out, /migrate: sqlite:.*applied 001_initial/);
    const inflight = fetch(`http://127.0.0.1:${port}/explore`).then((r) => r.status);
    // Signal once the server has logged the request as received, i.e. while it is in flight.
    for (let i = 0; i < 200 && !out.includes('"msg":"incoming request"'); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    p.kill("SIGTERM");
    assert.equal(await inflight, 200);
    assert.equal(await exited, 0);
    assert.match(out, /"signal":"SIGTERM"/);
    assert.match(out, /shutdown complete/);
    const lines = out.split("\n").filter((l) => l.includes('"msg":"request"'));
    assert.equal(lines.length, 1, "one info line per request");
    assert.match(lines[0]!, /"method":"GET","url":"\/explore","status":200/);
  });

  it("SIGTERM drains: keep-alive connections (idle or busy) end promptly; a stuck request is cut at SHUTDOWN_TIMEOUT", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "microblog-drain-"));
    const port = await freePort();
    const env = {
      DATABASE_URL: `sqlite:///${dir}/a.db`,
      PORT: String(port),
      HOST: "127.0.0.1",
      SHUTDOWN_TIMEOUT: "2",
    };
    assert.equal((await run(process.execPath, ["dist/cli.js", "migrate"], env)).code, 0);
    const start = async () => {
      const p = spawn(process.execPath, ["dist/server.js"], {
        cwd: ROOT,
        env: { ...process.env, ...env },
      });
      const r = { p, out: "", exited: new Promise<number | null>((res) => p.on("exit", res)) };
      p.stdout.on("data", (d) => (r.out += d));
      p.stderr.on("data", (d) => (r.out += d));
      for (let i = 0; i < 100 && !r.out.includes("microblog ready"); i++) {
        await new Promise((res) => setTimeout(res, 100));
      }
      return r;
    };
    const connect = () =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(port, "127.0.0.1", () => resolve(s));
        s.on("error", () => {});
      });

    // 1. An idle keep-alive connection (one request answered, socket left open).
    const a = await start();
    const idle = await connect();
    const answered = new Promise((res) => idle.once("data", res));
    idle.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    await answered;
    let t0 = Date.now();
    a.p.kill("SIGTERM");
    assert.equal(await a.exited, 0);
    assert.ok(Date.now() - t0 < 1000, `exited ${Date.now() - t0} ms after SIGTERM`);
    idle.destroy();

    // 2. A keep-alive request in flight at SIGTERM: answered, then its connection is closed
    //    (before the fix it stayed open, idle, until the deadline: every drain under load
    //    ended at SHUTDOWN_TIMEOUT with exit code 1).
    const c = await start();
    const busy = await connect();
    let answer = "";
    busy.on("data", (d) => (answer += d));
    busy.write(
      "POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n" +
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nuser",
    );
    await new Promise((res) => setTimeout(res, 200));
    t0 = Date.now();
    c.p.kill("SIGTERM");
    await new Promise((res) => setTimeout(res, 300));
    busy.write("name=x");
    assert.equal(await c.exited, 0, c.out);
    const drained = Date.now() - t0;
    assert.ok(drained < 1500, `exited ${drained} ms after SIGTERM`);
    assert.match(answer, /^HTTP\/1\.1 403 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    busy.destroy();

    // 3. A request whose body never finishes: the deadline ends the drain.
    const b = await start();
    const stuck = await connect();
    stuck.write(
      "POST /auth/login HTTP/1.1\r\nHost: x\r\n" +
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nuser",
    );
    await new Promise((res) => setTimeout(res, 200));
    t0 = Date.now();
    b.p.kill("SIGTERM");
    assert.equal(await b.exited, 1);
    const ms = Date.now() - t0;
    assert.ok(ms >= 1900 && ms < 3500, `exited ${ms} ms after SIGTERM`);
    assert.match(b.out, /shutdown deadline passed; exiting/);
    stuck.destroy();
  });

  it(
    "three replicas booting at once on an empty MariaDB all migrate safely and serve",
    { skip: process.env.TEST_MYSQL_URL ? false : "TEST_MYSQL_URL not set" },
    async () => {
      const { dropAllTables, freshDatabase } = await import("./helpers.js");
      const { db } = await freshDatabase(process.env.TEST_MYSQL_URL);
      await dropAllTables(db);
      await db.destroy();
      const replicas = await Promise.all(
        [0, 1, 2].map(async () => {
          const port = await freePort();
          const p = spawn("sh", ["boot.sh"], {
            cwd: ROOT,
            env: {
              ...process.env,
              DATABASE_URL: process.env.TEST_MYSQL_URL!,
              PORT: String(port),
              HOST: "127.0.0.1",
              DB_WAIT_TIMEOUT: "60",
            },
          });
          const r = { p, port, out: "" };
          p.stdout.on("data", (d) => (r.out += d));
          p.stderr.on("data", (d) => (r.out += d));
          return r;
        }),
      );
      try {
        for (const r of replicas) {
          for (let i = 0; i < 300 && !r.out.includes("microblog ready"); i++) {
            await new Promise((res) => setTimeout(res, 100));
          }
          assert.match(r.out, /microblog ready/, r.out);
          const ready = await fetch(`http://127.0.0.1:${r.port}/readyz`);
          assert.equal(ready.status, 200);
        }
        const applied = replicas.filter((r) => /applied 001_initial/.test(r.out));
        assert.equal(applied.length, 1, "exactly one replica applied the migration");
      } finally {
        for (const r of replicas) r.p.kill("SIGTERM");
      }
    },
  );
});
