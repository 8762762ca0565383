// Preview digest → plain summary data (counts, rows, notable diagnostics). No Markdown here.
import {
  changedInputs,
  changeKind,
  mergeSteps,
  replaceProperties,
  statefulReason,
  updatedProperties,
  type ChangeKind,
} from "./classify.js";
import { urnParts, type PreviewDigest, type PreviewStep } from "./digest.js";
import { leafDiffs, maskText, showValue, valueAt } from "./values.js";

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

/** `old → new` of one property, narrowed to the leaves that differ inside a big value. */
function change(step: PreviewStep, prop: string): string {
  const before = valueAt(step.oldState?.inputs, prop);
  const after = valueAt(step.newState?.inputs, prop);
  const leaves = leafDiffs(before, after, prop);
  const one = (path: string) => {
    const key = path.slice(path.lastIndexOf(".") + 1);
    const from = showValue(valueAt(step.oldState?.inputs, path), key, 40);
    const to = showValue(valueAt(step.newState?.inputs, path), key, 40);
    return `${from} → ${to}`;
  };
  if (leaves.length === 0 || (leaves.length === 1 && leaves[0] === prop)) return one(prop);
  return leaves.map((l) => `\`${l}\` ${one(l)}`).join(", ");
}

function describe(step: PreviewStep, kind: Counted): string {
  if (kind === "replace") {
    const props = replaceProperties(step);
    if (props.length === 0) {
      const changed = changedInputs(step).map((p) => `\`${p}\``);
      return changed.length === 0
        ? "replaced (the engine reported no property)"
        : `no reason reported; inputs that change: ${changed.join(", ")}`;
    }
    return props
      .slice(0, 3)
      .map((p) => `\`${p}\` forces replacement: ${change(step, p)}`)
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
  // Group by resource: with --show-replacement-steps one replacement is several steps.
  const byUrn = new Map<string, PreviewStep[]>();
  for (const step of digest.steps ?? []) {
    const kind = changeKind(step.op);
    if (kind === "same" || kind === "other") continue;
    if (urnParts(step.urn).type === "pulumi:pulumi:Stack") continue;
    byUrn.set(step.urn, [...(byUrn.get(step.urn) ?? []), step]);
  }
  const rows: Row[] = [];
  for (const steps of byUrn.values()) {
    const step = mergeSteps(steps);
    const kind = changeKind(step.op) as Counted;
    const { type, name } = urnParts(step.urn);
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
      // The engine prefixes messages with their severity already.
      const text = (d.message ?? "").trim().replace(/^(warning|error): /, "");
      return `${d.severity}: ${where}${maskText(text)}`;
    })
    .filter((line, i, all) => all.indexOf(line) === i);
  const first = digest.steps?.[0]?.urn;
  return {
    stack: stack ?? (first ? urnParts(first).stack : "unknown"),
    counts: countFrom(digest, rows),
    rows,
    diagnostics,
  };
}
