/**
 * Form input checks. Each returns translated messages per field; an empty object means valid.
 * Inputs come from untrusted bodies, so anything that is not a string counts as empty.
 */
import type { FastifyRequest } from "fastify";
import { HttpError } from "./errors.js";
import type { Translate } from "./i18n.js";
import { parseCursor, type Cursor } from "./db/repository.js";

/** Field name → message. */
export type FieldErrors = Record<string, string>;

/** Longest post or about-me text, in characters (code points). */
export const MAX_POST = 140;

/**
 * Characters never kept from user input: C0 controls except tab, LF and CR (NUL included),
 * DEL and C1 controls, and the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069) that can make text display differently from what it is ("Trojan Source").
 */
const UNSAFE_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes unsafe control characters and replaces lone surrogates with U+FFFD. */
export function cleanText(s: string): string {
  return s.replace(UNSAFE_CHARS, "").replace(LONE_SURROGATE, "\uFFFD");
}

/**
 * A string field of a parsed body, cleaned of control characters (`cleanText`) and trimmed;
 * non-strings become "". `trim = false` is for passwords: they are kept exactly as typed
 * (never stored or shown, only hashed).
 */
export function field(body: unknown, name: string, trim = true): string {
  if (typeof body !== "object" || body === null) return "";
  const v = (body as Record<string, unknown>)[name];
  if (typeof v !== "string") return "";
  return trim ? cleanText(v).trim() : v;
}

/** Length in user-visible characters (code points), as MySQL counts them. */
export function charLength(s: string): number {
  return [...s].length;
}

const USERNAME = /^[A-Za-z0-9_.-]{3,64}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Checks a username's format. */
export function checkUsername(t: Translate, username: string, errors: FieldErrors): void {
  if (username === "") errors.username = t("form.required");
  else if (!USERNAME.test(username)) errors.username = t("form.username_format");
}

/** Checks an email address's format. */
export function checkEmail(t: Translate, email: string, errors: FieldErrors): void {
  if (email === "") errors.email = t("form.required");
  else if (email.length > 120 || !EMAIL.test(email)) errors.email = t("form.email_format");
}

/** Checks a new password and its repetition. */
export function checkNewPassword(
  t: Translate,
  password: string,
  password2: string,
  errors: FieldErrors,
): void {
  if (password === "") errors.password = t("form.required");
  else if (password.length < 8 || password.length > 128)
    errors.password = t("form.password_length");
  if (password2 === "") errors.password2 = t("form.required");
  else if (password2 !== password) errors.password2 = t("form.password_mismatch");
}

/** Checks a post or about-me text: required (posts only) and at most 140 characters. */
export function checkText(
  t: Translate,
  name: string,
  text: string,
  required: boolean,
  errors: FieldErrors,
): void {
  if (required && text === "") errors[name] = t("form.required");
  else if (charLength(text) > MAX_POST) errors[name] = t("form.too_long", { max: MAX_POST });
}

/** Parses `?page=` (default 1); returns null when it is not a whole number from 1 to 100000. */
export function parsePage(query: unknown): number | null {
  const raw = field(query, "page");
  if (raw === "") return 1;
  if (!/^\d{1,6}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 && n <= 100000 ? n : null;
}

/**
 * Reads the `?before=` keyset cursor of an "older posts" link (undefined when absent); a
 * malformed value is a 400 like a bad page number.
 */
export function cursorParam(req: FastifyRequest): Cursor | undefined {
  const raw = field(req.query, "before");
  if (raw === "") return undefined;
  const cursor = parseCursor(raw);
  if (cursor === null) throw new HttpError(400, req.t("error.bad_page"));
  return cursor;
}

/** Reads `?page=`; a bad value is a 400 with a message. */
export function pageParam(req: FastifyRequest): number {
  const page = parsePage(req.query);
  if (page === null) throw new HttpError(400, req.t("error.bad_page"));
  return page;
}
