/**
 * Writes what is derived from the config table (components/config-schema.ts): the `config:`
 * block of Pulumi.yaml and the key table under "Configuration reference" in docs/program.md.
 *
 *   node --import tsx scripts/gen-config.ts --write   # rewrite both files
 *   node --import tsx scripts/gen-config.ts --check   # exit 1 when either differs (also a unit test)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CONFIG_KEYS } from "../components/config-schema.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** The files this script owns a part of, relative to the repository root. */
const GENERATED_FILES = ["Pulumi.yaml", "docs/program.md"] as const;

type Spec = (typeof CONFIG_KEYS)[keyof typeof CONFIG_KEYS];

const tagged = (spec: Spec): string =>
  `${spec.target === "both" ? "" : `[${spec.target}] `}${spec.description}${spec.secret ? " Secret." : ""}`;

/** Pulumi.yaml with its `config:` block (from that line to the end) generated. */
function pulumiYaml(current: string): string {
  const head = current.slice(0, current.search(/^config:$/m));
  const lines = ["config:"];
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as [string, Spec][]) {
    lines.push(`  ${key}:`, `    type: ${spec.type}`);
    if (spec.type === "array") lines.push("    items:", "      type: string");
    lines.push(`    default: ${JSON.stringify(spec.default)}`);
    lines.push(`    description: ${JSON.stringify(tagged(spec))}`);
  }
  return `${head}${lines.join("\n")}\n`;
}

/** docs/program.md with the rows of the table under the `| key | type |…` header generated. */
function programDoc(current: string): string {
  const header =
    "| key | type | default | target | description |\n| --- | --- | --- | --- | --- |\n";
  const start = current.indexOf(header);
  if (start < 0) throw new Error("docs/program.md: configuration table header not found");
  const rowsStart = start + header.length;
  const rest = current.slice(rowsStart);
  const rowsEnd =
    rowsStart + (rest.search(/^(?!\|)/m) === -1 ? rest.length : rest.search(/^(?!\|)/m));
  const rows = (Object.entries(CONFIG_KEYS) as [string, Spec][]).map(([key, spec]) => {
    const dflt =
      spec.default === ""
        ? '`""` (unset)'
        : `\`${typeof spec.default === "string" ? spec.default : JSON.stringify(spec.default)}\``;
    const type = `${spec.type}${spec.secret ? " (secret)" : ""}`;
    const description = spec.description.replace(/\|/g, "\\|");
    return `| \`${key}\` | ${type} | ${dflt} | ${spec.target} | ${description} |\n`;
  });
  return current.slice(0, rowsStart) + rows.join("") + current.slice(rowsEnd);
}

/** Each generated file's path and its content as the table says it should be. */
export function generated(): { path: string; current: string; wanted: string }[] {
  return GENERATED_FILES.map((path) => {
    const current = readFileSync(`${ROOT}${path}`, "utf8");
    return {
      path,
      current,
      wanted: path === "Pulumi.yaml" ? pulumiYaml(current) : programDoc(current),
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mode = process.argv[2];
  if (mode !== "--write" && mode !== "--check") {
    console.error("usage: gen-config.ts --write | --check");
    process.exit(2);
  }
  const stale = generated().filter((f) => f.current !== f.wanted);
  for (const f of stale) {
    if (mode === "--write") writeFileSync(`${ROOT}${f.path}`, f.wanted);
    console.log(`${mode === "--write" ? "wrote" : "out of date"}: ${f.path}`);
  }
  if (mode === "--check" && stale.length > 0) {
    console.error("run: node --import tsx scripts/gen-config.ts --write");
    process.exit(1);
  }
}
