// How backup-dev.sh and restore-dev.sh find the dev stack without --outputs-file: through
// `pulumi stack output` with the state and passphrase defaults of up-dev.sh (a fake `pulumi` on
// PATH records what it was given). Before, backup-dev.sh right after up-dev.sh failed: it did not
// pass the passphrase file up-dev.sh generates.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "./mocks.js";

/** Records its argv and the Pulumi variables it saw, then prints stack outputs with no backups. */
const FAKE_PULUMI = `#!/usr/bin/env bash
{
  echo "args=$*"
  echo "backend=\${PULUMI_BACKEND_URL:-}"
  echo "passphrase_file=\${PULUMI_CONFIG_PASSPHRASE_FILE:-}"
} >"$FAKE_LOG"
echo '{"url": "http://127.0.0.1:8000"}'
`;

function run(script: string, opts: { passphraseFile: boolean; env?: Record<string, string> }) {
  const home = mkdtempSync(join(tmpdir(), "mb-outputs-"));
  const bin = join(home, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "pulumi"), FAKE_PULUMI);
  chmodSync(join(bin, "pulumi"), 0o755);
  if (opts.passphraseFile) {
    mkdirSync(join(home, ".config/microblog"), { recursive: true });
    writeFileSync(join(home, ".config/microblog/passphrase"), "not-a-real-passphrase\n");
  }
  const log = join(home, "pulumi.log");
  const res = spawnSync("bash", [join(ROOT, "scripts", script)], {
    encoding: "utf8",
    env: { HOME: home, PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, FAKE_LOG: log, ...opts.env },
  });
  const seen = Object.fromEntries(
    readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { res, seen, home };
}

describe("the dev scripts read the stack's outputs like up-dev.sh", () => {
  for (const script of ["backup-dev.sh", "restore-dev.sh"]) {
    it(`${script}: up-dev.sh's backend and generated passphrase file`, () => {
      const { res, seen, home } = run(script, { passphraseFile: true });
      assert.equal(seen.args, "stack output --stack dev --json");
      assert.equal(seen.backend, `file://${home}/.pulumi-microblog`);
      assert.equal(seen.passphrase_file, `${home}/.config/microblog/passphrase`);
      // The fake stack has only a URL: each script then stops, naming the missing output.
      assert.notEqual(res.status, 0);
      assert.match(res.stderr, /has no (backupContainer|containerNames) output/);
    });
  }

  it("keeps the caller's own backend and passphrase, and sets no passphrase file it lacks", () => {
    const own = run("backup-dev.sh", {
      passphraseFile: true,
      env: { PULUMI_BACKEND_URL: "s3://bucket/state", PULUMI_CONFIG_PASSPHRASE: "x" },
    });
    assert.equal(own.seen.backend, "s3://bucket/state");
    assert.equal(own.seen.passphrase_file, "");
    const none = run("backup-dev.sh", { passphraseFile: false });
    assert.equal(none.seen.passphrase_file, "");
  });
});
