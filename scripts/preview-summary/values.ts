// Renders property values for the summary without leaking secrets: the engine already writes
// secrets as "[secret]"; credentials that slipped through in clear are masked here too.

/** The engine's sentinel for a value only known after the update. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The engine's signature key on a serialized secret, asset or archive. */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

const CREDENTIAL_NAME =
  /(PASS(WORD|WD)?|SECRET(_?KEY)?|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)$/i;

/** Reads a value at a detailed-diff path such as `envs[2]` or `healthcheck.tests[0]`. */
export function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** True when a value is (or wraps) a secret. */
function isSecret(v: unknown): boolean {
  if (v === "[secret]") return true;
  return (
    typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** Masks credentials inside a string: `NAME=value` with a credential NAME, and URL passwords. */
export function maskString(s: string): string {
  const eq = s.indexOf("=");
  if (
    eq > 0 &&
    CREDENTIAL_NAME.test(s.slice(0, eq)) &&
    !/^(yes|no|true|false|0|1)$/i.test(s.slice(eq + 1))
  ) {
    return `${s.slice(0, eq)}=[secret]`;
  }
  return s.replace(/(:\/\/[^:/@\s]+:)[^@\s]+@/g, "$1[secret]@");
}

/** A short, secret-free rendering of a value for a table cell. */
export function showValue(v: unknown, key = "", max = 60): string {
  if (v === undefined) return "(none)";
  if (isSecret(v)) return "[secret]";
  if (CREDENTIAL_NAME.test(key) && v !== null && v !== "") return "[secret]";
  if (v === UNKNOWN) return "(known after update)";
  let text: string;
  if (typeof v === "string") text = JSON.stringify(maskString(v));
  else if (typeof v !== "object" || v === null) text = String(v);
  else
    text = JSON.stringify(v, (k, inner: unknown) => {
      if (isSecret(inner) || (CREDENTIAL_NAME.test(k) && typeof inner === "string"))
        return "[secret]";
      if (inner === UNKNOWN) return "(known after update)";
      return typeof inner === "string" ? maskString(inner) : inner;
    });
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Masks credentials in free text (diagnostics, stderr), word by word. */
export function maskText(text: string): string {
  return text
    .split(/(\s+)/)
    .map((w) => (/^\s+$/.test(w) ? w : maskString(w)))
    .join("");
}

/**
 * The leaf paths where two values differ (`volumes[0].volumeName`), at most `limit` of them;
 * secrets and unknowns count as leaves. Used to point at the part of a big value that changes.
 */
export function leafDiffs(before: unknown, after: unknown, path: string, limit = 3): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, at: string): void => {
    if (out.length >= limit || JSON.stringify(a) === JSON.stringify(b)) return;
    const container = (v: unknown) => typeof v === "object" && v !== null && !isSecret(v);
    if (!container(a) || !container(b) || Array.isArray(a) !== Array.isArray(b)) {
      out.push(at);
      return;
    }
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    for (const k of [...new Set([...ka, ...kb])]) {
      if (k === "__defaults") continue;
      const next = Array.isArray(a) ? `${at}[${k}]` : `${at}.${k}`;
      walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], next);
    }
  };
  walk(before, after, path);
  return out;
}
