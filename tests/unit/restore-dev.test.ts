// scripts/restore-dev.sh against a fake `docker` that records every call and answers like the
// dev stack's containers would: which dump it picks, the plan it prints, when it refuses, and
// the order of what it does. Plus shellcheck.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "./mocks.js";

const SCRIPT = join(ROOT, "scripts/restore-dev.sh");

/** A fake docker: calls go to $FAKE/calls, answers come from files in $FAKE. */
const FAKE_DOCKER = `#!/usr/bin/env bash
echo "$*" >>"$FAKE/calls"
case "$1 $2" in
"exec mb-backup") if [[ "$*" == *"ls -1"* ]]; then cat "$FAKE/list"; else echo "-- the dump"; fi ;;
"exec -i")
  input="$(cat)"
  if [[ "$input" == *"SELECT (SELECT COUNT"* ]]; then
    if [ -e "$FAKE/restored" ]; then cat "$FAKE/after"; else cat "$FAKE/before"; fi
  else
    echo "$input" >"$FAKE/restored"
  fi ;;
"exec mb-app") echo "reindex: indexed 2 posts" ;;
"inspect -f") echo healthy ;;
*) echo "$2" ;;
esac
`;

const OUTPUTS = {
  url: "http://127.0.0.1:8000",
  containerNames: { app: "mb-app", mysql: "mb-mysql", search: "mb-search" },
  backupContainer: "mb-backup",
  backupVolume: "microblog-infra-dev-backups",
};

/** Posts' created_at (ms) for a UTC time. */
const ms = (iso: string) => Date.parse(iso);

function run(
  args: string[],
  opts: { list?: string[]; before?: string; after?: string; outputs?: object } = {},
) {
  const fake = mkdtempSync(join(tmpdir(), "mb-restore-"));
  const bin = join(fake, "bin");
  spawnSync("mkdir", [bin]);
  writeFileSync(join(bin, "docker"), FAKE_DOCKER);
  chmodSync(join(bin, "docker"), 0o755);
  const list = opts.list ?? [
    "microblog-20260101T000000Z.sql.gz",
    "microblog-20260102T120000Z.sql.gz",
    ".last-success",
    ".partial-microblog-20260103T000000Z.sql.gz",
  ];
  writeFileSync(join(fake, "list"), `${list.join("\n")}\n`);
  writeFileSync(join(fake, "before"), opts.before ?? `2\t3\t${ms("2026-01-02T11:00:00Z")}\n`);
  writeFileSync(join(fake, "after"), opts.after ?? `2\t5\t${ms("2026-01-02T11:59:00Z")}\n`);
  writeFileSync(join(fake, "outputs.json"), JSON.stringify(opts.outputs ?? OUTPUTS));
  const res = spawnSync("bash", [SCRIPT, "--outputs-file", join(fake, "outputs.json"), ...args], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, FAKE: fake },
    encoding: "utf8",
    input: "",
    timeout: 20_000,
  });
  const calls = existsSync(join(fake, "calls"))
    ? readFileSync(join(fake, "calls"), "utf8").trim().split("\n")
    : [];
  return { ...res, calls, fake };
}

/** Calls that change something (anything but listing, counting and inspecting). */
const changes = (calls: string[]) => calls.filter((c) => /^(stop|start) |gzip -dc|reindex/.test(c));

describe("scripts/restore-dev.sh", () => {
  it("--dry-run: picks the latest dump, prints the plan with current counts, changes nothing", () => {
    const r = run(["--dry-run"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "restore-dev: stack dev",
        "  backup:   microblog-20260102T120000Z.sql.gz (taken 2026-01-02 12:00:00 UTC), 2 available in microblog-infra-dev-backups",
        "  now:      2 users, 3 posts, newest post 2026-01-02 11:00:00 UTC",
        "  plan:     1. stop mb-app",
        "            2. load microblog-20260102T120000Z.sql.gz into database microblog through mb-mysql (tables in the dump are replaced)",
        "            3. start mb-app and wait until it is healthy",
        "            4. rebuild the search index: node dist/cli.js reindex in mb-app",
        "            5. count users and posts again",
        "restore-dev: dry run, nothing changed",
        "",
      ].join("\n"),
    );
    assert.deepEqual(changes(r.calls), []);
  });

  it("--backup NAME picks that dump; an unknown name fails listing what exists", () => {
    const ok = run(["--dry-run", "--backup", "microblog-20260101T000000Z.sql.gz"]);
    assert.equal(ok.status, 3, "older than the newest post: refused");
    assert.match(ok.stdout, /backup: {3}microblog-20260101T000000Z\.sql\.gz \(taken 2026-01-01/);
    const bad = run(["--dry-run", "--backup", "microblog-x.sql.gz"]);
    assert.equal(bad.status, 1);
    assert.match(
      bad.stderr,
      /no backup named microblog-x\.sql\.gz in microblog-infra-dev-backups; have: microblog-20260101T000000Z\.sql\.gz microblog-20260102T120000Z\.sql\.gz/,
    );
  });

  it("refuses to restore over posts newer than the backup, unless --force", () => {
    const newer = `2\t4\t${ms("2026-01-02T12:30:00Z")}\n`;
    const refused = run(["--yes"], { before: newer });
    assert.equal(refused.status, 3);
    assert.match(
      refused.stderr,
      /refused: the database holds posts newer than the backup \(newest 2026-01-02 12:30:00 UTC\); they would be lost\. Pass --force/,
    );
    assert.deepEqual(changes(refused.calls), []);
    const forced = run(["--yes", "--force"], { before: newer });
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(
      forced.stdout,
      /WARNING: {2}posts newer than the backup .* will be lost \(--force\)/,
    );
  });

  it("asks before changing anything; without a terminal it needs --yes", () => {
    const r = run([]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /no terminal to confirm on; pass --yes/);
    assert.deepEqual(changes(r.calls), []);
  });

  it("--yes: stops the app, loads the dump through MySQL as root, restarts, reindexes, reports counts", () => {
    const r = run(["--yes"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(changes(r.calls), [
      "stop mb-app",
      'exec mb-backup sh -c gzip -dc "/backups/$1" sh microblog-20260102T120000Z.sql.gz',
      "start mb-app",
      "exec mb-app node dist/cli.js reindex",
    ]);
    // The dump went into the MySQL container's client, with the root password read in there.
    assert.equal(readFileSync(join(r.fake, "restored"), "utf8"), "-- the dump\n");
    assert.ok(
      r.calls.some(
        (c) =>
          c.startsWith(
            'exec -i mb-mysql sh -c MYSQL_PWD="$(cat /run/secrets/mysql_root_password)"',
          ) && c.endsWith('-uroot "$@" sh microblog'),
      ),
      r.calls.join("\n"),
    );
    assert.match(r.stdout, /reindex: indexed 2 posts/);
    assert.match(r.stdout, / {2}users: 2 -> 2\n {2}posts: 3 -> 5\n$/);
  });

  it("says so when backups are off or nothing is backed up yet", () => {
    const off = run(["--dry-run"], {
      outputs: { containerNames: OUTPUTS.containerNames },
    });
    assert.equal(off.status, 1);
    assert.match(off.stderr, /no backupContainer output: backups are off/);
    const empty = run(["--dry-run"], { list: [".last-success"] });
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /no backups in microblog-infra-dev-backups \(container mb-backup\)/);
  });

  it("rejects unknown arguments with usage (exit 2)", () => {
    const r = run(["--frobnicate"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /restore-dev\.sh \[--backup NAME\]/);
  });

  it("passes shellcheck", (t) => {
    if (spawnSync("shellcheck", ["--version"]).status !== 0) {
      t.skip("shellcheck not installed");
      return;
    }
    // -x follows the sourced scripts/lib.sh (run from the repository root).
    const res = spawnSync("shellcheck", ["-x", SCRIPT], { encoding: "utf8", cwd: ROOT });
    assert.equal(res.status, 0, res.stdout);
  });
});
