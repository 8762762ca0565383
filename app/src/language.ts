/**
 * Detects a post's language (ISO 639-3 code, "" when unsure) with franc-min, and maps detected
 * languages to the codes Microsoft Translator uses.
 */
import { franc } from "franc-min";

/** Returns e.g. "eng" or "spa"; "" for text too short or ambiguous to tell. */
export function detectLanguage(text: string): string {
  const code = franc(text, { minLength: 10 });
  return code === "und" ? "" : code;
}

/**
 * franc-min's ISO 639-3 codes → Microsoft Translator codes (its "translation" scope). Languages
 * franc-min detects but Translator does not offer, or whose Translator code depends on a script
 * franc does not report (Serbian: sr-Latn / sr-Cyrl), are left out: their posts get no
 * Translate link. Mandarin is sent as Simplified Chinese.
 */
const TRANSLATOR_CODES: Readonly<Record<string, string>> = {
  amh: "am",
  arb: "ar",
  azj: "az",
  ben: "bn",
  bho: "bho",
  bos: "bs",
  bul: "bg",
  ces: "cs",
  ckb: "ku",
  cmn: "zh-Hans",
  deu: "de",
  ell: "el",
  eng: "en",
  fra: "fr",
  guj: "gu",
  hau: "ha",
  hin: "hi",
  hrv: "hr",
  hun: "hu",
  ibo: "ig",
  ind: "id",
  ita: "it",
  jpn: "ja",
  kan: "kn",
  kaz: "kk",
  kin: "rw",
  kor: "ko",
  lin: "ln",
  mai: "mai",
  mal: "ml",
  mar: "mr",
  mya: "my",
  nld: "nl",
  npi: "ne",
  nya: "nya",
  pan: "pa",
  pbu: "ps",
  pes: "fa",
  plt: "mg",
  pol: "pl",
  por: "pt",
  ron: "ro",
  run: "run",
  rus: "ru",
  sin: "si",
  som: "so",
  spa: "es",
  swe: "sv",
  swh: "sw",
  tam: "ta",
  tel: "te",
  tgl: "fil",
  tha: "th",
  tur: "tr",
  ukr: "uk",
  urd: "ur",
  uzn: "uz",
  vie: "vi",
  yor: "yo",
  zlm: "ms",
  zul: "zu",
};

const KNOWN_TRANSLATOR_CODES = new Set(Object.values(TRANSLATOR_CODES));

/**
 * The Translator code of a language given as a stored (franc) code such as "spa" or as a
 * Translator code such as "es"; null when Translator cannot translate from it.
 */
export function translatorLanguage(code: unknown): string | null {
  if (typeof code !== "string" || code === "") return null;
  if (Object.hasOwn(TRANSLATOR_CODES, code)) return TRANSLATOR_CODES[code]!;
  return KNOWN_TRANSLATOR_CODES.has(code) ? code : null;
}

/**
 * The Translator source code for a post in `postLanguage` seen by a reader using `locale`, or ""
 * when no Translate link should be offered (language unknown, unsupported, or the reader's own).
 */
export function translationSource(postLanguage: unknown, locale: string): string {
  const source = translatorLanguage(postLanguage);
  return source === null || source === locale ? "" : source;
}
