// Preview digest → plain summary data (counts, rows, notable diagnostics). No Markdown here.
import {
  changeKind,
  replaceProperties,
  statefulReason,
  updatedProperties,
  type ChangeKind,
} from "./classify.js";
import { urnParts, type PreviewDigest, type PreviewStep } from "./digest.js";
import { maskText, showValue, valueAt } from "./values.js";

/** The kinds of change that are counted and listed, riskiest first. */
export const COUNTED = ["delete", "replace", "update", "create"] as const;
/** One of the counted kinds. */
export type Counted = (typeof COUNTED)[number];

/** One changed resource. */
export interface Row {
  readonly kind: Counted;
  readonly name: string;
  readonly type: string;
  /** Set when the resource holds data or is protected (bold when replaced or deleted). */
  readonly stateful?: string;
  /** Property-level explanation, secret-free. */
  readonly detail: string;
}

/** What the Markdown renderer needs for one stack. */
export interface StackSummary {
  readonly stack: string;
  readonly counts: Readonly<Record<Counted | "same", number>>;
  readonly rows: readonly Row[];
  /** Warnings and errors, image build output and info lines left out. */
  readonly diagnostics: readonly string[];
}

/** Types whose diagnostics are build logs, never worth a PR comment. */
const IMAGE_TYPES = /^(docker:index\/image:Image|docker-build:index:Image)$/;

function describe(step: PreviewStep, kind: Counted): string {
  if (kind === "replace") {
    const props = replaceProperties(step);
    if (props.length === 0) return "replaced (no property reported)";
    return props
      .slice(0, 3)
      .map((p) => {
        const before = showValue(valueAt(step.oldState?.inputs, p), p, 40);
        const after = showValue(valueAt(step.newState?.inputs, p), p, 40);
        return `\`${p}\` forces replacement: ${before} → ${after}`;
      })
      .concat(props.length > 3 ? [`and ${props.length - 3} more`] : [])
      .join("; ");
  }
  if (kind === "update") {
    const props = updatedProperties(step);
    const shown = props.slice(0, 5).map((p) => `\`${p}\``);
    return shown.join(", ") + (props.length > 5 ? ` and ${props.length - 5} more` : "");
  }
  if (kind === "delete" && step.oldState?.retainOnDelete === true)
    return "retained (retainOnDelete)";
  return "";
}

function countFrom(digest: PreviewDigest, rows: readonly Row[]): Record<Counted | "same", number> {
  const counts = { create: 0, update: 0, replace: 0, delete: 0, same: 0 };
  if (digest.changeSummary !== undefined) {
    for (const [op, n] of Object.entries(digest.changeSummary)) {
      const kind: ChangeKind = changeKind(op);
      if (kind !== "other") counts[kind] += n;
    }
    return counts;
  }
  for (const r of rows) counts[r.kind] += 1;
  return counts;
}

/** Summarises one preview; the stack comes from `stack` or the steps' URNs. */
export function summarize(digest: PreviewDigest, stack?: string): StackSummary {
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const step of digest.steps ?? []) {
    const kind = changeKind(step.op);
    if (kind === "same" || kind === "other" || seen.has(step.urn)) continue;
    const { type, name } = urnParts(step.urn);
    if (type === "pulumi:pulumi:Stack") continue;
    // With --show-replacement-steps a replacement is several steps; list it once.
    seen.add(step.urn);
    const stateful = statefulReason(step);
    rows.push({
      kind,
      name,
      type,
      detail: describe(step, kind),
      ...(stateful ? { stateful } : {}),
    });
  }
  rows.sort((a, b) => COUNTED.indexOf(a.kind) - COUNTED.indexOf(b.kind));
  const diagnostics = (digest.diagnostics ?? [])
    .filter((d) => d.severity === "warning" || d.severity === "error")
    .filter((d) => !IMAGE_TYPES.test(urnParts(d.urn ?? "").type))
    .map((d) => {
      const where = d.urn ? `\`${urnParts(d.urn).name}\`: ` : "";
      return `${d.severity}: ${where}${maskText((d.message ?? "").trim())}`;
    });
  const first = digest.steps?.[0]?.urn;
  return {
    stack: stack ?? (first ? urnParts(first).stack : "unknown"),
    counts: countFrom(digest, rows),
    rows,
    diagnostics,
  };
}
