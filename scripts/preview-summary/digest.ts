// The JSON document `pulumi preview --json` prints (the engine's PreviewDigest), reduced to the
// fields the summary reads. Field names follow the engine's JSON tags.

/** A resource's serialized state (apitype.ResourceV3) as it appears in a preview step. */
export interface ResourceState {
  readonly urn?: string;
  readonly type?: string;
  readonly custom?: boolean;
  readonly id?: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
  readonly additionalSecretOutputs?: readonly string[];
}

/** One property's change: kind is add, delete, update, or one of those with `-replace`. */
export interface PropertyDiff {
  readonly kind: string;
  readonly inputDiff?: boolean;
}

/** One step the engine plans. */
export interface PreviewStep {
  readonly op: string;
  readonly urn: string;
  readonly provider?: string;
  readonly oldState?: ResourceState;
  readonly newState?: ResourceState;
  readonly diffReasons?: readonly string[];
  readonly replaceReasons?: readonly string[];
  readonly detailedDiff?: Readonly<Record<string, PropertyDiff>>;
}

/** A warning or error printed during the preview (info lines include image build logs). */
export interface PreviewDiagnostic {
  readonly urn?: string;
  readonly message?: string;
  readonly severity?: string;
}

/** The whole `pulumi preview --json` document. */
export interface PreviewDigest {
  readonly config?: Readonly<Record<string, string>>;
  readonly steps?: readonly PreviewStep[];
  readonly diagnostics?: readonly PreviewDiagnostic[];
  readonly duration?: number;
  readonly changeSummary?: Readonly<Record<string, number>>;
  readonly maybeCorrupt?: boolean;
}

/** Parses preview JSON, or throws an Error saying what is wrong with it. */
export function parseDigest(text: string): PreviewDigest {
  const trimmed = text.trim();
  if (trimmed === "") throw new Error("the preview printed no JSON (empty input)");
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (e) {
    throw new Error(`the preview output is not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("the preview JSON is not an object with steps/changeSummary");
  }
  const steps = (value as { steps?: unknown }).steps;
  if (steps !== undefined && !Array.isArray(steps))
    throw new Error("the preview JSON's steps is not an array");
  return value as PreviewDigest;
}

/** URN parts: `urn:pulumi:<stack>::<project>::<qualified type>::<name>`. */
export function urnParts(urn: string): { stack: string; type: string; name: string } {
  const parts = urn.split("::");
  const stack = (parts[0] ?? "").replace(/^urn:pulumi:/, "");
  const qualified = parts[2] ?? "";
  const type = qualified.slice(qualified.lastIndexOf("$") + 1);
  return { stack, type, name: parts.slice(3).join("::") };
}
