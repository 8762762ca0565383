/**
 * Translations (English, Spanish) from JSON catalogues in locales/, chosen from the browser's
 * Accept-Language or an explicit `lang` cookie, plus relative dates via Intl.RelativeTimeFormat.
 * Catalogues are loaded and checked once at start-up (a missing key fails fast).
 */
import fs from "node:fs";
import path from "node:path";
import { APP_ROOT } from "./config.js";

/** Supported locales; the first is the fallback. */
export const LOCALES = ["en", "es"] as const;
/** A supported locale. */
export type Locale = (typeof LOCALES)[number];

type Catalogue = Record<string, string>;

function loadCatalogues(): Record<Locale, Catalogue> {
  const out = {} as Record<Locale, Catalogue>;
  for (const locale of LOCALES) {
    const file = path.join(APP_ROOT, "locales", `${locale}.json`);
    out[locale] = JSON.parse(fs.readFileSync(file, "utf8")) as Catalogue;
  }
  const keys = Object.keys(out.en);
  for (const locale of LOCALES) {
    const missing = keys.filter((k) => !(k in out[locale]));
    if (missing.length > 0) throw new Error(`locale ${locale} lacks keys: ${missing.join(", ")}`);
  }
  return out;
}

const catalogues = loadCatalogues();

/** True for a supported locale code. */
export function isLocale(code: unknown): code is Locale {
  return typeof code === "string" && (LOCALES as readonly string[]).includes(code);
}

/** A translate function: `t("key", { name: "x" })` fills `{name}` placeholders. */
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** Returns the translate function of a locale; unknown keys come back as the key itself. */
export function translator(locale: Locale): Translate {
  const cat = catalogues[locale];
  return (key, vars) => {
    const template = cat[key] ?? catalogues.en[key] ?? key;
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) =>
      name in vars ? String(vars[name]) : m,
    );
  };
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

const rtfCache = new Map<Locale, Intl.RelativeTimeFormat>();

/** "3 minutes ago" / "hace 3 minutos" for an epoch-milliseconds time. */
export function relativeTime(locale: Locale, ms: number, now = Date.now()): string {
  let rtf = rtfCache.get(locale);
  if (!rtf) {
    rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
    rtfCache.set(locale, rtf);
  }
  const seconds = Math.round((Number(ms) - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") {
      return rtf.format(Math.trunc(seconds / size), unit);
    }
  }
  return rtf.format(0, "second");
}

/**
 * Absolute time for tooltips, as "2026-01-31 14:05 UTC". ISO-style on purpose: it reads the same
 * in both languages and costs far less than Intl.DateTimeFormat on pages listing many posts.
 */
export function absoluteTime(_locale: Locale, ms: number): string {
  return new Date(Number(ms)).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}
