/**
 * Human languages as projects name their locale files: an issue says "Spanish months should
 * be lowercase", the files are `locale/es.js`, `es-mx.js`, `es_AR.po.js`. The names are
 * English, as issue titles mostly are; the codes are ISO 639-1 (639-2 where a language has
 * no two-letter code).
 */

/** English name of a language → its code. */
const LANGUAGE_CODES: ReadonlyMap<string, string> = new Map([
  ["afrikaans", "af"], ["albanian", "sq"], ["amharic", "am"], ["arabic", "ar"], ["armenian", "hy"],
  ["azerbaijani", "az"], ["basque", "eu"], ["belarusian", "be"], ["bengali", "bn"], ["bosnian", "bs"],
  ["breton", "br"], ["bulgarian", "bg"], ["burmese", "my"], ["catalan", "ca"], ["chinese", "zh"],
  ["croatian", "hr"], ["czech", "cs"], ["danish", "da"], ["dutch", "nl"], ["english", "en"],
  ["esperanto", "eo"], ["estonian", "et"], ["faroese", "fo"], ["finnish", "fi"], ["french", "fr"],
  ["galician", "gl"], ["georgian", "ka"], ["german", "de"], ["greek", "el"], ["gujarati", "gu"],
  ["hebrew", "he"], ["hindi", "hi"], ["hungarian", "hu"], ["icelandic", "is"], ["indonesian", "id"],
  ["irish", "ga"], ["italian", "it"], ["japanese", "ja"], ["javanese", "jv"], ["kannada", "kn"],
  ["kazakh", "kk"], ["khmer", "km"], ["korean", "ko"], ["kurdish", "ku"], ["kyrgyz", "ky"],
  ["lao", "lo"], ["latvian", "lv"], ["lithuanian", "lt"], ["luxembourgish", "lb"], ["macedonian", "mk"],
  ["malay", "ms"], ["malayalam", "ml"], ["maltese", "mt"], ["maori", "mi"], ["marathi", "mr"],
  ["mongolian", "mn"], ["nepali", "ne"], ["norwegian", "nb"], ["persian", "fa"], ["farsi", "fa"],
  ["polish", "pl"], ["portuguese", "pt"], ["punjabi", "pa"], ["romanian", "ro"], ["russian", "ru"],
  ["serbian", "sr"], ["sinhala", "si"], ["slovak", "sk"], ["slovenian", "sl"], ["spanish", "es"],
  ["swahili", "sw"], ["swedish", "sv"], ["tagalog", "tl"], ["tajik", "tg"], ["tamil", "ta"],
  ["tatar", "tt"], ["telugu", "te"], ["thai", "th"], ["tibetan", "bo"], ["turkish", "tr"],
  ["turkmen", "tk"], ["ukrainian", "uk"], ["urdu", "ur"], ["uyghur", "ug"], ["uzbek", "uz"],
  ["vietnamese", "vi"], ["welsh", "cy"], ["yoruba", "yo"],
]);

/** Norwegian files are `nb`, `nn` or the older `no`. */
const SAME_LANGUAGE: ReadonlyMap<string, readonly string[]> = new Map([["nb", ["nb", "nn", "no"]], ["he", ["he", "iw"]], ["id", ["id", "in"]]]);

/** The codes a language's locale files may start with, or undefined when `word` names no language. */
export function localeCodesOf(word: string): readonly string[] | undefined {
  const code = LANGUAGE_CODES.get(word.toLowerCase());
  return code === undefined ? undefined : (SAME_LANGUAGE.get(code) ?? [code]);
}

/**
 * The language part of a file-name stem that is a locale tag (`es`, `es-mx`, `es_AR`,
 * `sr-cyrl`, `es-419`, `zh-Hant-TW`); undefined for any other name (`es-module`, `index`).
 */
export function localeOfStem(stem: string): string | undefined {
  const m = /^([a-z]{2,3})(?:[-_][A-Za-z]{4})?(?:[-_](?:[A-Za-z]{2}|\d{3}))?$/.exec(stem);
  return m?.[1];
}
