// Policy results from the text output of `pulumi preview --policy-pack …`. The engine leaves
// policy violations out of `--json` output (a failing pack only shows "preview failed"),
// so the workflow runs a text preview for the pack and the summary reads its "Policies:" block.

/** One reported violation. */
export interface PolicyViolation {
  readonly level: string;
  readonly policy: string;
  /** `type: name` as the engine prints it, or "" for stack policies. */
  readonly resource: string;
  readonly message: string;
}

const HEADER = /^(\s*)- \[(mandatory|advisory|remediate|disabled)\]\s+(\S+)(?:\s+\((.*)\))?\s*$/;

/** Violations listed under "Policies:" in a text preview's output (none when absent). */
export function parsePolicyViolations(text: string): PolicyViolation[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^Policies:\s*$/.test(l));
  if (start < 0) return [];
  const out: PolicyViolation[] = [];
  let i = start + 1;
  while (i < lines.length && (lines[i] ?? "").trim() !== "" && /^\s/.test(lines[i] ?? "")) {
    const m = HEADER.exec(lines[i] ?? "");
    i += 1;
    if (!m) continue;
    const indent = (m[1] ?? "").length;
    // Following lines indented deeper: the policy description, then the message.
    const body: string[] = [];
    while (i < lines.length && /^\s+/.test(lines[i] ?? "") && !HEADER.test(lines[i] ?? "")) {
      const line = lines[i] ?? "";
      if (line.length - line.trimStart().length <= indent) break;
      body.push(line.trim());
      i += 1;
    }
    const message = (body.length > 1 ? body.slice(1) : body).join(" ");
    out.push({ level: m[2] ?? "", policy: m[3] ?? "", resource: m[4] ?? "", message });
  }
  return out;
}
