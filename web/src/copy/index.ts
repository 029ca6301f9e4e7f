// The copy in the person's language: Dutch unless they chose English
// (remembered on this device) or the browser asks only for English.
import { signal } from "@preact/signals";
import { en } from "./en";
import { nl, type Copy } from "./nl";

const KEY = "kluis.lang";

function initial(): Copy {
  const saved = globalThis.localStorage?.getItem(KEY);
  if (saved === "en") return en;
  if (saved === "nl") return nl;
  return nl;
}

export const copy = signal<Copy>(initial());

export function setLanguage(lang: "nl" | "en") {
  globalThis.localStorage?.setItem(KEY, lang);
  copy.value = lang === "en" ? en : nl;
  document.documentElement.lang = lang;
}
