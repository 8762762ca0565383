// Narrowing helpers for the untyped `props` bags the policy runtime hands to rules.

/** A plain object, or undefined. */
export function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

/** An array (of unknowns), or an empty one. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A string, or undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** A finite number, or undefined. */
export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Stands for a value the engine only knows after the update (preview of new resources). */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
/** A value, or UNKNOWN. */
export type Maybe<T> = T | typeof UNKNOWN;

/**
 * Runs a read of resource inputs; when it touches a value that is unknown during preview
 * (the policy runtime's proxy throws an UnknownValueError), returns UNKNOWN instead. Rules
 * skip what they cannot see in preview; on `up` every input is known and they run in full.
 */
export function known<T>(read: () => T): Maybe<T> {
  try {
    return read();
  } catch (e) {
    if (e instanceof Error && e.constructor.name === "UnknownValueError") return UNKNOWN;
    throw e;
  }
}

/** True when the value is known. */
export function isKnown<T>(v: Maybe<T>): v is T {
  return v !== UNKNOWN;
}
