// The Python venv that holds the pinned botocore (its service models are what requests are
// checked against): ~/.cache/microblog/aws-models/<botocore version>/, built on demand from
// requirements.txt and reused while that file is unchanged. Any failure throws: the AWS model
// checks never skip silently.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const REQUIREMENTS = join(HERE, "requirements.txt");
const VALIDATOR = join(HERE, "validate.py");

/** The botocore version pinned in requirements.txt. */
export function botocoreVersion(): string {
  const m = /^botocore==(\S+)$/m.exec(readFileSync(REQUIREMENTS, "utf8"));
  if (m?.[1] === undefined) throw new Error(`no exact botocore pin in ${REQUIREMENTS}`);
  return m[1];
}

function run(cmd: string, args: string[], what: string, log: (line: string) => void): string {
  const started = Date.now();
  const res = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (res.error !== undefined || res.status !== 0) {
    throw new Error(
      `aws-models: ${what} failed (${cmd} ${args.join(" ")}): ` +
        `${res.error?.message ?? `exit ${res.status}`}\n${res.stdout ?? ""}${res.stderr ?? ""}`,
    );
  }
  log(`aws-models: ${what}: done (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return res.stdout;
}

/** Creates the venv when missing or stale and returns its python; logs each step. */
export function ensureVenv(log: (line: string) => void = console.log): string {
  const version = botocoreVersion();
  const requirements = readFileSync(REQUIREMENTS, "utf8");
  const stamp = createHash("sha256").update(requirements).digest("hex");
  const dir = join(
    process.env.MICROBLOG_CACHE ?? join(homedir(), ".cache", "microblog"),
    "aws-models",
    version,
  );
  const python = join(dir, "bin", "python");
  const ready = join(dir, ".ready");
  if (existsSync(ready) && readFileSync(ready, "utf8") === stamp && existsSync(python)) {
    log(`aws-models: reusing venv ${dir} (botocore ${version})`);
  } else {
    const base = process.env.MICROBLOG_PYTHON ?? "python3";
    log(`aws-models: creating venv ${dir} with ${base} for botocore ${version}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    run(base, ["-m", "venv", dir], "creating the venv", log);
    run(
      python,
      [
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "-r",
        REQUIREMENTS,
      ],
      `installing the pinned packages of ${REQUIREMENTS}`,
      log,
    );
    writeFileSync(ready, stamp);
  }
  const found = run(
    python,
    ["-c", "import botocore, regex; print(botocore.__version__)"],
    "importing botocore",
    log,
  ).trim();
  if (found !== version) throw new Error(`aws-models: venv has botocore ${found}, want ${version}`);
  log(`aws-models: botocore ${found} (${python})`);
  return python;
}

/** One request as validate.py reads it. */
export interface ModelRequest {
  readonly id: string;
  readonly service: string;
  readonly operation: string;
  readonly params: Record<string, unknown>;
}

/** What validate.py answers (see its docstring). */
export interface ValidationReport {
  readonly botocore: string;
  readonly python: string;
  readonly results: { id: string; errors: string[]; checks: number }[];
  readonly operations: string[];
  readonly checks: number;
  readonly unverifiedActions: string[];
}

/** Runs validate.py on `requests` in the pinned venv; throws when it cannot judge them. */
export function validateRequests(
  requests: readonly ModelRequest[],
  log: (line: string) => void = () => undefined,
): ValidationReport {
  const res = spawnSync(ensureVenv(log), [VALIDATOR], {
    input: JSON.stringify({ requests }),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.error !== undefined || res.status !== 0) {
    throw new Error(
      `validate.py failed: ${res.error?.message ?? `exit ${res.status}`}\n${res.stderr}`,
    );
  }
  return JSON.parse(res.stdout) as ValidationReport;
}

/**
 * Asserts that every one of `requests` is valid against the models and that `control`, a
 * planted invalid request, is not: proof that the validator read them.
 */
export function assertValidWithControl(
  requests: readonly ModelRequest[],
  control: Omit<ModelRequest, "id">,
): void {
  const report = validateRequests([...requests, { id: "negative-control", ...control }]);
  const bad = report.results.filter((r) => r.errors.length > 0);
  assert.deepEqual(
    bad.map((r) => r.id),
    ["negative-control"],
    JSON.stringify(bad, null, 2),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureVenv();
