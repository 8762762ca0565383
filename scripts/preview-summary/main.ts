// Command: turns `pulumi preview --json` output into a Markdown summary on stdout.
//   node --import tsx scripts/preview-summary/main.ts [--stack NAME] [--exit-code N]
//        [--stderr FILE] [--max-rows N] < preview.json
//   node --import tsx scripts/preview-summary/main.ts dev=dev.json ecs=ecs.json
// Exits 1 (after printing a Markdown note) when a preview's JSON cannot be read.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseDigest } from "./digest.js";
import { renderMarkdown } from "./markdown.js";
import { summarize } from "./summarize.js";
import { maskText } from "./values.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stack: { type: "string" },
    "exit-code": { type: "string" },
    stderr: { type: "string" },
    "max-rows": { type: "string" },
  },
});

/** Last lines of a preview's stderr, with credentials masked. */
function tail(file: string | undefined, lines = 30): string | undefined {
  if (file === undefined) return undefined;
  try {
    return maskText(readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n"));
  } catch {
    return `(could not read ${file})`;
  }
}

const inputs: { stack?: string; text: string }[] =
  positionals.length === 0
    ? [{ stack: values.stack, text: readFileSync(0, "utf8") }]
    : positionals.map((p) => {
        const eq = p.indexOf("=");
        const [stack, file] = eq > 0 ? [p.slice(0, eq), p.slice(eq + 1)] : [undefined, p];
        return { stack, text: readFileSync(file, "utf8") };
      });

let failed = false;
const exitCode = values["exit-code"] === undefined ? undefined : Number(values["exit-code"]);
const maxRows = values["max-rows"] === undefined ? undefined : Number(values["max-rows"]);
for (const { stack, text } of inputs) {
  try {
    const summary = summarize(parseDigest(text), stack);
    process.stdout.write(
      renderMarkdown(summary, { exitCode, maxRows, errorText: tail(values.stderr) }),
    );
  } catch (e) {
    failed = true;
    const head = `### Pulumi preview: \`${stack ?? "unknown"}\`\n\n**No summary:** ${(e as Error).message}`;
    const err = tail(values.stderr);
    process.stdout.write(err ? `${head}\n\n\`\`\`\n${err}\n\`\`\`\n` : `${head}\n`);
  }
  if (inputs.length > 1) process.stdout.write("\n");
}
process.exitCode = failed ? 1 : 0;
