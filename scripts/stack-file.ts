/**
 * Writes a private stack config file (for `pulumi … --config-file`) from a committed one, so
 * scripts and tests never edit a tracked `Pulumi.<stack>.yaml`:
 *
 *   tsx scripts/stack-file.ts <committed.yaml> <out.yaml> [key=value ...]
 *
 * The output's config is, in order of precedence: each `key=value` (a bare key is namespaced with
 * the project name, `aws:region` stays as written; an empty value removes the key), then the
 * committed file's `config:`, then what the previous `<out.yaml>` held besides (values the user
 * set with `pulumi config set --config-file <out.yaml>`, secrets included, are kept). The
 * secrets-provider fields (`encryptionsalt`, `encryptedkey`, `secretsprovider`) never come from
 * the committed file: each stack keeps its own, from the previous `<out.yaml>`, so a rewritten
 * file still decrypts what it encrypted before.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { dump, load } from "js-yaml";

/** The keys of a stack file that belong to its own secrets provider. */
export const SECRETS_PROVIDER_KEYS = ["secretsprovider", "encryptedkey", "encryptionsalt"] as const;

type StackFile = { config?: Record<string, unknown> } & Record<string, unknown>;

const PROJECT = "microblog-infra";

function read(path: string): StackFile {
  const parsed = load(readFileSync(path, "utf8")) ?? {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`${path}: expected a YAML mapping`);
  }
  return parsed as StackFile;
}

/** Full config key: `appPort` → `microblog-infra:appPort`; `aws:region` unchanged. */
export function configKey(key: string): string {
  return key.includes(":") ? key : `${PROJECT}:${key}`;
}

/**
 * The stack file to write: `previous`'s config under `committed`'s under `overrides`, and the
 * secrets provider of `previous` (if any). Nothing of `committed` but its `config` is kept.
 */
export function composeStackFile(
  committed: StackFile,
  overrides: Readonly<Record<string, string>>,
  previous?: StackFile,
): StackFile {
  const config: Record<string, unknown> = { ...previous?.config, ...committed.config };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === "") delete config[configKey(key)];
    else config[configKey(key)] = value;
  }
  const out: StackFile = {};
  for (const k of SECRETS_PROVIDER_KEYS) {
    if (previous?.[k] !== undefined) out[k] = previous[k];
  }
  out.config = config;
  return out;
}

function main(argv: readonly string[]): void {
  const [committedPath, outPath, ...pairs] = argv;
  if (committedPath === undefined || outPath === undefined) {
    throw new Error("usage: tsx scripts/stack-file.ts <committed.yaml> <out.yaml> [key=value ...]");
  }
  const overrides: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`expected key=value, got '${pair}'`);
    overrides[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const previous = existsSync(outPath) ? read(outPath) : undefined;
  const file = composeStackFile(read(committedPath), overrides, previous);
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(
    outPath,
    `# Written by scripts/stack-file.ts from ${committedPath}; rewritten on each run.\n` +
      dump(file, { lineWidth: -1 }),
    { mode: 0o600 },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`stack-file: ${(err as Error).message}`);
    process.exit(2);
  }
}
