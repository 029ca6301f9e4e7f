// The plan's sections with their display names, from the server's
// template (`GET /v1/template`), fetched once per session.

import { get } from "../keys/op";
import { copy } from "../copy";

export interface Section {
  id: string;
  name: string;
  name_en: string;
}

/** Where the self-sufficiency scores live: one field per domain in `section`. */
export interface ZrmTemplate {
  section: string;
  domains: Section[];
}

export interface Template {
  sections: Section[];
  zrm: ZrmTemplate | null;
}

let cached: Promise<Template> | null = null;

/** The template (it changes only with a server restart). */
export function template(): Promise<Template> {
  cached ??= get<{ sections: Section[]; zrm?: ZrmTemplate | null }>("/v1/template").then(
    (t) => ({ sections: t.sections, zrm: t.zrm ?? null }),
    (e) => {
      cached = null;
      throw e;
    },
  );
  return cached;
}

/** The sections, in order. */
export function sections(): Promise<Section[]> {
  return template().then((t) => t.sections);
}

export function sectionName(s: Section): string {
  return copy.value.lang === "en" ? s.name_en : s.name;
}

/** A field path's own part: "financien/doel-1" → "doel-1". */
export function fieldLabel(path: string): string {
  return path.split("/").slice(1).join("/") || path;
}

/** Field names as the server accepts them (one path segment). */
export function isFieldName(text: string): boolean {
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(text) && text.length <= 64;
}
