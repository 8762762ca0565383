// The restore job's load script (RESTORE_SCRIPT, run by the MySQL image in the ECS restore task)
// against a real MariaDB (harness/services/mariadb.sh) with a real dump from mariadb-dump: check
// mode, refusal over newer posts, a forced load, and the dumps it must not load.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { RESTORE_SCRIPT } from "../../components/backup-script.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const DB = `microblog_test_restore_${process.pid}`;
const TAKEN = "20260301T120000Z";
const TAKEN_MS = Date.UTC(2026, 2, 1, 12, 0, 0);
const NAME = `microblog-${TAKEN}.sql.gz`;
let conn: { user: string; password: string; host: string; port: string };
let dir = "";

function sql(statements: string, db = DB): string {
  return execFileSync(
    "mariadb",
    ["-u", conn.user, `-p${conn.password}`, "-h", conn.host, "-P", conn.port, "-N", "-B", db],
    { input: statements, encoding: "utf8" },
  ).trim();
}

function restore(env: Record<string, string>) {
  const res = spawnSync("sh", ["-c", RESTORE_SCRIPT], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      MYSQL_HOST: conn.host,
      MYSQL_PORT: conn.port,
      MYSQL_DATABASE: DB,
      MYSQL_USER: conn.user,
      MYSQL_PASSWORD: conn.password,
      BACKUP_DIR: dir,
      RESTORE_NAME: NAME,
      ...env,
    },
  });
  return { code: res.status, out: res.stdout + res.stderr };
}

const counts = () => sql("SELECT COUNT(*), COALESCE(MAX(created_at), 0) FROM posts;");

describe("restore script (real MariaDB, real dump)", () => {
  before(() => {
    execFileSync("bash", [join(REPO, "harness/services/mariadb.sh"), "start"], { stdio: "ignore" });
    const dirOfServices = process.env.MICROBLOG_SERVICES_DIR ?? "/tmp/microblog-services";
    const url = new URL(readFileSync(join(dirOfServices, "mariadb", "url"), "utf8").trim());
    conn = {
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      host: url.hostname,
      port: url.port || "3306",
    };
    sql(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB};`, "");
    sql(
      "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, username VARCHAR(64));" +
        "CREATE TABLE posts (id INT PRIMARY KEY AUTO_INCREMENT, body TEXT, created_at BIGINT);" +
        "INSERT INTO users (username) VALUES ('ann'), ('bob');" +
        `INSERT INTO posts (body, created_at) VALUES ('one', ${TAKEN_MS - 60_000}), ('two ✓', ${TAKEN_MS - 1000});`,
    );
    dir = mkdtempSync(join(tmpdir(), "microblog-restore-"));
    const dump = execFileSync(
      "mariadb-dump",
      [
        "-u",
        conn.user,
        `-p${conn.password}`,
        "-h",
        conn.host,
        "-P",
        conn.port,
        "--single-transaction",
        "--default-character-set=utf8mb4",
        DB,
      ],
      { encoding: "buffer" },
    );
    writeFileSync(join(dir, NAME), gzipSync(dump));
  });
  after(() => {
    if (conn !== undefined) sql(`DROP DATABASE IF EXISTS ${DB};`, "");
  });

  it("check mode reports the counts and changes nothing", () => {
    sql("DELETE FROM posts WHERE body = 'one';");
    const r = restore({ RESTORE_MODE: "check" });
    assert.equal(r.code, 0, r.out);
    assert.match(
      r.out,
      new RegExp(`${NAME} before users=2 posts=1 newest=${TAKEN_MS / 1000 - 1} `),
    );
    assert.match(r.out, /check passed, nothing changed/);
    assert.equal(counts(), `1\t${TAKEN_MS - 1000}`);
  });

  it("restores the dump over older data and reports the counts after", () => {
    const r = restore({ RESTORE_MODE: "restore" });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`${NAME} after users=2 posts=2`));
    assert.equal(counts(), `2\t${TAKEN_MS - 1000}`);
    assert.equal(sql("SELECT body FROM posts ORDER BY id DESC LIMIT 1;"), "two ✓");
  });

  it("refuses to load over posts newer than the dump, unless forced", () => {
    sql(`INSERT INTO posts (body, created_at) VALUES ('after the backup', ${TAKEN_MS + 5000});`);
    for (const mode of ["check", "restore"]) {
      const r = restore({ RESTORE_MODE: mode });
      assert.equal(r.code, 3, r.out);
      assert.match(r.out, /REFUSED: the database holds posts newer than the backup/);
    }
    assert.equal(counts(), `3\t${TAKEN_MS + 5000}`, "nothing was loaded");
    const forced = restore({ RESTORE_MODE: "restore", RESTORE_FORCE: "1" });
    assert.equal(forced.code, 0, forced.out);
    assert.match(forced.out, /posts newer than the backup will be lost \(forced\)/);
    assert.equal(counts(), `2\t${TAKEN_MS - 1000}`);
  });

  it("restores into an empty database (before the first migration)", () => {
    sql("DROP TABLE posts; DROP TABLE users;");
    const r = restore({ RESTORE_MODE: "restore" });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /before users=- posts=- newest=0/);
    assert.equal(counts(), `2\t${TAKEN_MS - 1000}`);
  });

  it("refuses a truncated dump and a name that is not a backup's", () => {
    const full = readFileSync(join(dir, NAME));
    const cut = `microblog-20260301T120001Z.sql.gz`;
    const text = execFileSync("gzip", ["-dc"], { input: full });
    writeFileSync(join(dir, cut), gzipSync(text.subarray(0, Math.floor(text.length / 2))));
    const truncated = restore({ RESTORE_MODE: "restore", RESTORE_NAME: cut });
    assert.equal(truncated.code, 1, truncated.out);
    assert.match(truncated.out, /not a complete dump/);
    const odd = restore({ RESTORE_MODE: "restore", RESTORE_NAME: "../etc/passwd" });
    assert.equal(odd.code, 1, odd.out);
    assert.match(odd.out, /is not a backup's name/);
    assert.equal(counts(), `2\t${TAKEN_MS - 1000}`);
  });
});
