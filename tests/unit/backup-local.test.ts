// Backups on the local target under Pulumi mocks (the backup container's command, env,
// credential files, health check, hardening, volume), and the backup job's shell itself, run
// with /bin/sh against a stub dump tool: naming, retention, failure handling, the health check.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
  freshnessCheck,
  DUMP_ATTEMPTS,
  LOOP_SCRIPT,
  ONCE_SCRIPT,
  UPLOAD_SCRIPT,
} from "../../components/backup-script.js";
import { evaluate, find, resolve, unwrapSecret, type Recorded } from "./mocks.js";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

describe("local backups (dev stack, defaults)", () => {
  let resources: Recorded[];
  before(async () => {
    ({ resources } = await evaluate("dev"));
  });

  it("runs the MySQL image's dump loop with the job's env and the password as a root-only file", () => {
    const { envs, uploads, command, ...rest } = find(
      resources,
      CONTAINER,
      "microblog-backup",
    ).inputs;
    assert.deepEqual(command, ["sh", "-c", LOOP_SCRIPT]);
    assert.deepEqual(envs, [
      "MYSQL_HOST=mysql",
      "MYSQL_PORT=3306",
      "MYSQL_DATABASE=microblog",
      "MYSQL_USER=microblog",
      "BACKUP_DIR=/backups",
      "BACKUP_INTERVAL_MINUTES=1440",
      "BACKUP_RETAIN=7",
      "MYSQL_PASSWORD_FILE=/run/secrets/mysql_password",
    ]);
    // The app user's password only: the root password never leaves the MySQL container.
    assert.deepEqual(
      (unwrapSecret(uploads) as { file: string; content: string; permissions: string }[]).map(
        (u) => [u.file, u.content, u.permissions],
      ),
      [["/run/secrets/mysql_password", "pw-microblog-mysql-password", "0400"]],
    );
    assert.deepEqual(rest, {
      name: "microblog-infra-dev-backup",
      // The MySQL container's own pinned image.
      image: "sha256:microblog-mysql-image",
      networksAdvanced: [{ name: "microblog-infra-dev-network", aliases: ["backup"] }],
      volumes: [{ volumeName: "microblog-infra-dev-backups", containerPath: "/backups" }],
      healthcheck: {
        tests: ["CMD", ...freshnessCheck(2 * 1440 * 60)],
        // The unit tests' engine (API 1.41) has no start interval: the start pace throughout.
        interval: "1s",
        timeout: "5s",
        retries: 10,
        startPeriod: "1m0s",
      },
      memory: 256,
      memorySwap: 256,
      restart: "unless-stopped",
      privileged: false,
      capabilities: { drops: ["ALL"], adds: [] },
      securityOpts: ["no-new-privileges:true"],
      init: true,
      stopTimeout: 30,
      labels: [{ label: "microblog.role", value: "job" }],
      wait: true,
      // 60 s start period + 11 × (1 s + 5 s) + 30 s slack.
      waitTimeout: 156,
    });
  });

  it("starts after MySQL is healthy and shares its network", () => {
    const backup = find(resources, CONTAINER, "microblog-backup");
    assert.deepEqual(backup.dependsOn, ["microblog-mysql"]);
    const mysql = find(resources, CONTAINER, "microblog-mysql");
    assert.deepEqual(
      (mysql.inputs.networksAdvanced as { name: string }[]).map((n) => n.name),
      ["microblog-infra-dev-network"],
    );
  });

  it("keeps the backup volume when the stack is destroyed, even with data volumes deleted", () => {
    const v = find(resources, VOLUME, "microblog-backups");
    assert.deepEqual(v.inputs, { name: "microblog-infra-dev-backups" });
    assert.equal(v.retainOnDelete, true);
    assert.equal(v.protect, false);
    assert.equal(find(resources, VOLUME, "microblog-mysql-data").retainOnDelete, false);
  });

  it("exports where the dumps are, nothing secret", async () => {
    const { outputs } = await evaluate("dev");
    for (const k of ["backupContainer", "backupVolume"]) {
      const { value, secret } = await resolve(outputs[k]);
      assert.equal(secret, false, k);
      assert.ok(typeof value === "string" && value.startsWith("microblog-infra-dev-backup"), k);
    }
  });
});

describe("local backup variations", () => {
  it("writes to a host directory instead of a volume, with the configured schedule", async () => {
    const { resources, outputs } = await evaluate("dev", {
      backupHostDir: "/var/backups/microblog",
      backupIntervalMinutes: "60",
      backupRetain: "24",
    });
    assert.equal(resources.filter((r) => r.name === "microblog-backups").length, 0);
    const c = find(resources, CONTAINER, "microblog-backup").inputs;
    assert.deepEqual(c.volumes, [
      { hostPath: "/var/backups/microblog", containerPath: "/backups" },
    ]);
    assert.ok((c.envs as string[]).includes("BACKUP_INTERVAL_MINUTES=60"));
    assert.ok((c.envs as string[]).includes("BACKUP_RETAIN=24"));
    // Unhealthy once the last dump is two intervals (7200 s) old.
    assert.deepEqual((c.healthcheck as { tests: string[] }).tests.slice(1), freshnessCheck(7200));
    assert.equal((await resolve(outputs.backupVolume)).value, "/var/backups/microblog");
  });

  it("declares no backup resource and no backup output with backups false", async () => {
    const { resources, outputs } = await evaluate("dev", { backups: "false" });
    assert.deepEqual(
      resources.filter((r) => r.name.includes("backup")).map((r) => r.name),
      [],
    );
    assert.equal(outputs.backupContainer, undefined);
    assert.equal(outputs.backupVolume, undefined);
  });

  it("protects the backup volume with dataProtect", async () => {
    const { resources } = await evaluate("dev", { dataProtect: "true" });
    assert.equal(find(resources, VOLUME, "microblog-backups").protect, true);
  });
});

/**
 * The tools the job uses, and nothing else: this machine's own mysqldump/mariadb-dump must not
 * answer in place of the stubs.
 */
const TOOLS = (() => {
  const dir = mkdtempSync(join(tmpdir(), "mb-tools-"));
  for (const tool of [
    "basename",
    "cat",
    "date",
    "gzip",
    "mktemp",
    "mv",
    "rm",
    "sleep",
    "tail",
    "tr",
    "wc",
  ]) {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (found !== "") symlinkSync(found, join(dir, tool));
  }
  return dir;
})();

/** Runs a job script with /bin/sh; `bin` holds the stub tools, then only the job's own tools. */
function runScript(
  script: string,
  env: Record<string, string>,
  bin: string,
): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync("/bin/sh", ["-c", script], {
    env: { PATH: `${bin}:${TOOLS}`, ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** A stub dump tool: prints a dump (or fails) and records its argv. */
function stubTool(
  dir: string,
  name: string,
  behaviour: "ok" | "fail" | "truncated" | "flaky",
): void {
  const ok = 'echo "CREATE TABLE posts (id int);"; echo "-- Dump completed on 2026-01-01 00:00:00"';
  const body = {
    ok,
    fail: 'echo "Access denied for user" >&2; exit 2',
    truncated: 'echo "CREATE TABLE posts (id int);"',
    // The first call fails as MariaDB does when a migration changes a table under the snapshot.
    flaky: `if [ -e "$STUB_ARGS.failed" ]; then ${ok}; else : >"$STUB_ARGS.failed"; echo "mariadb-dump: Error 1412: Table definition has changed, please retry transaction" >&2; exit 3; fi`,
  }[behaviour];
  const path = join(dir, name);
  writeFileSync(
    path,
    `#!/bin/sh\necho "$@" >"$STUB_ARGS"\ncat "\${1#--defaults-extra-file=}" >"$STUB_ARGS.cnf"; ${body}\n`,
  );
  chmodSync(path, 0o755);
}

describe("the backup job's shell (run with /bin/sh, stub dump tool)", () => {
  const env = (dir: string, extra: Record<string, string> = {}) => ({
    MYSQL_HOST: "mysql",
    MYSQL_PORT: "3306",
    MYSQL_DATABASE: "microblog",
    MYSQL_USER: "microblog",
    BACKUP_DIR: dir,
    BACKUP_INTERVAL_MINUTES: "1440",
    BACKUP_RETAIN: "2",
    STUB_ARGS: join(dir, "..", "args"),
    // No pauses between a failed dump's attempts (5, 10, 20 s in the containers).
    BACKUP_RETRY_SECONDS: "0",
    ...extra,
  });
  const setup = (tool: string, behaviour: "ok" | "fail" | "truncated" | "flaky") => {
    const root = mkdtempSync(join(tmpdir(), "mb-backup-"));
    const bin = join(root, "bin");
    const dir = join(root, "backups");
    mkdirSync(bin);
    mkdirSync(dir);
    stubTool(bin, tool, behaviour);
    writeFileSync(join(root, "pw"), "s3cret");
    return { root, bin, dir };
  };

  it("writes one consistent, compressed dump named by UTC time, with the password in a removed option file", () => {
    const { root, bin, dir } = setup("mysqldump", "ok");
    const res = runScript(ONCE_SCRIPT, env(dir, { MYSQL_PASSWORD_FILE: join(root, "pw") }), bin);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    const dumps = readdirSync(dir).filter((f) => f.startsWith("microblog-"));
    assert.equal(dumps.length, 1);
    assert.match(dumps[0] ?? "", /^microblog-[0-9]{8}T[0-9]{6}Z\.sql\.gz$/);
    assert.match(
      res.stdout,
      /^backup: \S+Z ok microblog-\S+\.sql\.gz \d+ bytes in \d+ s \(mysqldump\)$/m,
    );
    const args = readFileSync(join(root, "args"), "utf8").trim().split(" ");
    assert.match(args[0] ?? "", /^--defaults-extra-file=/);
    assert.deepEqual(args.slice(1), [
      "--protocol=tcp",
      "--single-transaction",
      "--quick",
      "--no-tablespaces",
      "--default-character-set=utf8mb4",
      "microblog",
    ]);
    assert.equal(
      readFileSync(join(root, "args.cnf"), "utf8"),
      "[client]\nuser=microblog\npassword=s3cret\nhost=mysql\nport=3306\n",
    );
    // Nothing but the dump and the two markers stays behind; the password is on no argv.
    assert.deepEqual(readdirSync(dir).sort(), [".last-name", ".last-success", dumps[0]]);
    assert.doesNotMatch(args.join(" "), /s3cret/);
    const unzipped = spawnSync("gzip", ["-dc", join(dir, dumps[0] ?? "")], { encoding: "utf8" });
    assert.match(unzipped.stdout, /-- Dump completed/);
    assert.equal(readFileSync(join(dir, ".last-name"), "utf8").trim(), dumps[0]);
  });

  it("uses mariadb-dump where the image has it (MariaDB)", () => {
    const { bin, dir } = setup("mariadb-dump", "ok");
    const res = runScript(ONCE_SCRIPT, env(dir, { MYSQL_PASSWORD: "pw" }), bin);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /\(mariadb-dump\)$/m);
  });

  it("logs a failed dump with the tool's error, tries it four times, keeps no partial file and exits non-zero", () => {
    const { bin, dir } = setup("mysqldump", "fail");
    const res = runScript(ONCE_SCRIPT, env(dir, { MYSQL_PASSWORD: "pw" }), bin);
    assert.equal(res.status, 1);
    assert.match(
      res.stdout,
      /FAILED microblog-\S+: dump exit 2, gzip exit 0: Access denied for user/,
    );
    assert.equal(res.stdout.match(/FAILED/g)?.length, DUMP_ATTEMPTS);
    assert.match(res.stdout, /trying again in 0 s \(attempt 4 of 4\)/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it("tries a failed dump again at once: a migration racing the first dump does not cost a day", () => {
    const { bin, dir } = setup("mariadb-dump", "flaky");
    const res = runScript(ONCE_SCRIPT, env(dir, { MYSQL_PASSWORD: "pw" }), bin);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /FAILED microblog-\S+: dump exit 3, gzip exit 0: .*Error 1412/);
    assert.match(res.stdout, /trying again in 0 s \(attempt 2 of 4\)/);
    assert.match(res.stdout, /ok microblog-\S+\.sql\.gz/);
    assert.equal(readdirSync(dir).filter((f) => f.startsWith("microblog-")).length, 1);
  });

  it("rejects a dump without the tool's completion trailer (cut short)", () => {
    const { bin, dir } = setup("mysqldump", "truncated");
    const res = runScript(ONCE_SCRIPT, env(dir, { MYSQL_PASSWORD: "pw" }), bin);
    assert.equal(res.status, 1);
    assert.match(res.stdout, /FAILED .*dump exit 0, gzip exit 0/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it("keeps the last BACKUP_RETAIN dumps, oldest removed first, and logs each removal", () => {
    const { bin, dir } = setup("mysqldump", "ok");
    for (const t of ["20200101T000000Z", "20200102T000000Z", "20200103T000000Z"]) {
      writeFileSync(join(dir, `microblog-${t}.sql.gz`), "");
    }
    // The loop's functions, one pass: due (no marker) → dump → prune; then stop.
    const onePass = LOOP_SCRIPT.replace(
      /\nwhile :; do[\s\S]*$/,
      "\nif due; then backup_once && prune; fi\n",
    );
    const res = runScript(onePass, env(dir, { MYSQL_PASSWORD: "pw" }), bin);
    assert.equal(res.status, 0, res.stdout + res.stderr);
    const left = readdirSync(dir)
      .filter((f) => f.startsWith("microblog-"))
      .sort();
    assert.equal(left.length, 2);
    assert.equal(left[0], "microblog-20200103T000000Z.sql.gz");
    assert.match(res.stdout, /removed microblog-20200101T000000Z\.sql\.gz \(keeping the last 2\)/);
    assert.match(res.stdout, /removed microblog-20200102T000000Z\.sql\.gz/);
  });

  it("is not due while the last success is younger than one interval", () => {
    const { bin, dir } = setup("mysqldump", "ok");
    const now = Math.floor(Date.now() / 1000);
    const due = (age: number) => {
      writeFileSync(join(dir, ".last-success"), `${now - age}\n`);
      const script = LOOP_SCRIPT.replace(/\nlog "started[\s\S]*$/, "\ndue\n");
      return runScript(script, env(dir), bin).status;
    };
    assert.equal(due(60), 1, "a minute old: not due");
    assert.equal(due(86_400), 0, "a day old with a daily interval: due");
    writeFileSync(join(dir, ".last-success"), "garbage");
    assert.equal(
      runScript(LOOP_SCRIPT.replace(/\nlog "started[\s\S]*$/, "\ndue\n"), env(dir), bin).status,
      0,
    );
  });

  it("health check: healthy under two intervals, unhealthy beyond or without any dump", () => {
    const { dir } = setup("mysqldump", "ok");
    const check = (maxAge: number) => {
      const [, , script] = freshnessCheck(maxAge);
      return spawnSync("sh", ["-c", (script ?? "").replaceAll("/backups", dir)]).status;
    };
    assert.notEqual(check(100), 0, "no dump yet");
    writeFileSync(join(dir, ".last-success"), `${Math.floor(Date.now() / 1000) - 50}\n`);
    assert.equal(check(100), 0);
    assert.notEqual(check(40), 0);
  });

  it("passes shellcheck as POSIX sh (dash runs it in MariaDB images)", (t) => {
    if (spawnSync("shellcheck", ["--version"]).status !== 0) {
      t.skip("shellcheck not installed");
      return;
    }
    const root = mkdtempSync(join(tmpdir(), "mb-sc-"));
    const files = { "loop.sh": LOOP_SCRIPT, "once.sh": ONCE_SCRIPT, "upload.sh": UPLOAD_SCRIPT };
    for (const [f, text] of Object.entries(files)) writeFileSync(join(root, f), text);
    const res = spawnSync(
      "shellcheck",
      ["-s", "sh", ...Object.keys(files).map((f) => join(root, f))],
      {
        encoding: "utf8",
      },
    );
    assert.equal(res.status, 0, res.stdout);
    assert.ok(existsSync(join(root, "loop.sh")));
  });
});
