// Command: turns `pulumi preview --json` output into a Markdown summary on stdout.
//   node --import tsx scripts/preview-summary/main.ts [--stack NAME] [--exit-code N]
//        [--log FILE] [--max-rows N] < preview.json
// --log names the text output of `pulumi preview --policy-pack ...` (or any stderr): its
// "Policies:" block is listed, and its tail is shown when the exit code is not 0.
//   node --import tsx scripts/preview-summary/main.ts dev=dev.json ecs=ecs.json
// Exits 1 (after printing a Markdown note) when a preview's JSON cannot be read.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseDigest } from "./digest.js";
import { parsePolicyViolations } from "./policy.js";
import { renderMarkdown } from "./markdown.js";
import { summarize } from "./summarize.js";
import { maskText } from "./values.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    stack: { type: "string" },
    "exit-code": { type: "string" },
    log: { type: "string" },
    "max-rows": { type: "string" },
  },
});

/** The log's text, or a note saying it could not be read. */
function readLog(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch {
    return `(could not read ${file})`;
  }
}

/** Last lines of the log, with credentials masked. */
function tail(text: string | undefined, lines = 30): string | undefined {
  if (text === undefined) return undefined;
  return maskText(text.trimEnd().split("\n").slice(-lines).join("\n"));
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
const log = readLog(values.log);
const violations = parsePolicyViolations(log ?? "").map((v) => ({
  ...v,
  message: maskText(v.message),
}));
// The tail only helps when the policy list does not already explain the failure.
const errorText = violations.some((v) => v.level === "mandatory") ? undefined : tail(log);
for (const { stack, text } of inputs) {
  try {
    const summary = summarize(parseDigest(text), stack);
    process.stdout.write(renderMarkdown(summary, { exitCode, maxRows, errorText, violations }));
  } catch (e) {
    failed = true;
    const head = `### Pulumi preview: \`${stack ?? "unknown"}\`\n\n**No summary:** ${(e as Error).message}`;
    const err = tail(log);
    process.stdout.write(err ? `${head}\n\n\`\`\`\n${err}\n\`\`\`\n` : `${head}\n`);
  }
  if (inputs.length > 1) process.stdout.write("\n");
}
process.exitCode = failed ? 1 : 0;
