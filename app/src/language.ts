/** Detects a post's language (ISO 639-3 code, "" when unsure) with franc-min. */
import { franc } from "franc-min";

/** Returns e.g. "eng" or "spa"; "" for text too short or ambiguous to tell. */
export function detectLanguage(text: string): string {
  const code = franc(text, { minLength: 10 });
  return code === "und" ? "" : code;
}
