// Which screen shows: `/welkom` (the invite link, with its code in the
// fragment) is a page of its own; everything else lives under `/` with the
// screen in the fragment (`/#/plan/h-…`), so the server serves one page
// and no screen's address ever reaches it.

import { signal } from "@preact/signals";

function current(): string {
  if (location.pathname === "/welkom") return "/welkom";
  const hash = location.hash.startsWith("#/") ? location.hash.slice(1) : "/";
  return hash;
}

export const route = signal<string>(current());

globalThis.addEventListener?.("hashchange", () => {
  route.value = current();
});
globalThis.addEventListener?.("popstate", () => {
  route.value = current();
});

export function go(to: string) {
  if (to === "/welkom") return;
  if (location.pathname !== "/") history.pushState(null, "", `/#${to}`);
  else location.hash = to === "/" ? "" : to;
  route.value = to;
  // Move the focus to the new screen's content, as a page load would.
  queueMicrotask(() => document.getElementById("inhoud")?.focus());
}

/** The invite code of a `/welkom#CODE` link. */
export function inviteCode(): string {
  return decodeURIComponent(location.hash.replace(/^#/, "")).trim();
}
