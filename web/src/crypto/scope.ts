/**
 * Selectors and scopes: which fields a grant covers, as
 * `policy/src/selector.rs` reads them.
 *
 * A selector is one exact field path (`financien/situatie`) or a whole
 * section (`financien/*`); nothing broader exists. A scope is 1 to 64
 * distinct selectors in the order the household gave them; duplicates are
 * refused rather than merged, so a signed scope has one spelling.
 */
import { IdError, parseFieldPath, sectionOf, type FieldPath } from "./ids.js";

export const MAX_SELECTORS = 64;

/** Check one selector; returns it unchanged (its canonical spelling). */
export function parseSelector(text: string): string {
  if (text.endsWith("/*")) {
    const section = parseFieldPath(text.slice(0, -2));
    if (section.includes("/")) {
      throw new IdError(`'${text.slice(0, 140)}' is not a field selector: a wildcard is allowed only as 'section/*'`);
    }
    return text;
  }
  if (text.includes("*")) {
    throw new IdError(`'${text.slice(0, 140)}' is not a field selector: a wildcard is allowed only as 'section/*'`);
  }
  parseFieldPath(text);
  return text;
}

/** Check a list of selectors as a scope (`Scope::new` after parsing each). */
export function parseScope(selectors: readonly string[]): string[] {
  // Rust's visitor refuses the 65th element before checking emptiness or repeats.
  if (selectors.length > MAX_SELECTORS) {
    throw new IdError(`a scope names at most ${MAX_SELECTORS} field selectors`);
  }
  const parsed = selectors.map(parseSelector);
  if (parsed.length === 0) throw new IdError("a scope names at least one field selector");
  parsed.forEach((s, i) => {
    if (parsed.indexOf(s) !== i) throw new IdError(`field selector '${s}' appears twice in the scope`);
  });
  return parsed;
}

/** Whether `selector` covers the field at `path`. */
export function selectorMatches(selector: string, path: FieldPath): boolean {
  return selector.endsWith("/*") ? sectionOf(path) === selector.slice(0, -2) : selector === path;
}

/** Whether any selector of `scope` covers the field at `path`. */
export function scopeCovers(scope: readonly string[], path: FieldPath): boolean {
  return scope.some((s) => selectorMatches(s, path));
}
