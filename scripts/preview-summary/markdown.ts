// Stack summary → compact Markdown for a pull-request comment.
import type { PolicyViolation } from "./policy.js";
import { COUNTED, type Counted, type StackSummary } from "./summarize.js";

/** Rendering limits and the preview's outcome. */
export interface MarkdownOptions {
  /** Rows listed before "and N more" (default 40). */
  readonly maxRows?: number;
  /** Exit status of `pulumi preview`; non-zero adds a failure banner. */
  readonly exitCode?: number;
  /** The tail of the preview's log, shown folded when it failed (already secret-free). */
  readonly errorText?: string;
  /** Policy pack results (from the text preview's "Policies:" block). */
  readonly violations?: readonly PolicyViolation[];
}

const SIGN: Readonly<Record<Counted, string>> = {
  create: "+",
  update: "~",
  replace: "+-",
  delete: "-",
};

/** Escapes what would break a table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** Diagnostics are free text: fold each to one short line. */
function shortLine(text: string, max = 240): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Renders one stack's summary. */
export function renderMarkdown(s: StackSummary, opts: MarkdownOptions = {}): string {
  const maxRows = opts.maxRows ?? 40;
  const out: string[] = [`### Pulumi preview: \`${s.stack}\``, ""];
  if (opts.exitCode !== undefined && opts.exitCode !== 0) {
    const why = (opts.violations ?? []).some((v) => v.level === "mandatory")
      ? "A mandatory policy is violated (below)."
      : "Errors are in the job log.";
    out.push(`**Preview failed (exit ${opts.exitCode}).** ${why}`, "");
    if (opts.errorText?.trim()) {
      out.push(
        "<details><summary>Error output</summary>",
        "",
        "```",
        opts.errorText.trim(),
        "```",
        "",
        "</details>",
        "",
      );
    }
  }
  const c = s.counts;
  const total = COUNTED.reduce((n, k) => n + c[k], 0);
  out.push(
    total === 0
      ? `No changes (${c.same} unchanged).`
      : `**${c.create} to create · ${c.update} to update · ${c.replace} to replace · ${c.delete} to delete** · ${c.same} unchanged`,
  );
  out.push(...policyLines(opts.violations ?? []));
  const risky = s.rows.filter((r) => r.stateful && (r.kind === "replace" || r.kind === "delete"));
  if (risky.length > 0) {
    const names = risky.map((r) => `**\`${r.name}\`** (${r.stateful}, ${r.kind})`).join(", ");
    out.push("", `> **Warning: data at risk.** ${names}`);
  }
  if (s.rows.length > 0) {
    out.push("", "| Op | Resource | Type | Details |", "| --- | --- | --- | --- |");
    for (const r of s.rows.slice(0, maxRows)) {
      const bold = r.stateful !== undefined && (r.kind === "replace" || r.kind === "delete");
      const name = bold ? `**\`${r.name}\`**` : `\`${r.name}\``;
      out.push(`| ${SIGN[r.kind]} ${r.kind} | ${cell(name)} | \`${r.type}\` | ${cell(r.detail)} |`);
    }
    if (s.rows.length > maxRows)
      out.push("", `…and ${s.rows.length - maxRows} more changes (see the job log).`);
  }
  if (s.diagnostics.length > 0) {
    out.push("", "<details><summary>Warnings and errors</summary>", "");
    for (const d of s.diagnostics.slice(0, 10)) out.push(`- ${shortLine(d)}`);
    if (s.diagnostics.length > 10) out.push(`- …and ${s.diagnostics.length - 10} more`);
    out.push("", "</details>");
  }
  return out.join("\n") + "\n";
}

/** The policy block: counts by level, then one line per violation. */
function policyLines(violations: readonly PolicyViolation[]): string[] {
  if (violations.length === 0) return [];
  const count = (level: string) => violations.filter((v) => v.level === level).length;
  const lines = [
    "",
    `**Policy violations: ${count("mandatory")} mandatory, ${count("advisory")} advisory**`,
    "",
  ];
  for (const v of violations.slice(0, 20)) {
    const cut = v.resource.lastIndexOf(": ");
    const on =
      cut < 0 ? "" : ` on \`${v.resource.slice(cut + 2)}\` (\`${v.resource.slice(0, cut)}\`)`;
    lines.push(`- ${v.level} \`${v.policy}\`${on}: ${shortLine(v.message)}`);
  }
  if (violations.length > 20) lines.push(`- …and ${violations.length - 20} more (see the job log)`);
  return lines;
}
