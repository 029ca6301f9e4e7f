// One entry of the household's access history as a plain sentence:
// "Piet de Coach van Wijkteam Noord heeft Geld en schulden: situatie
// bekeken, op basis van uw toestemming voor hulp bij schulden en
// geldzaken." A private observation shows as existing, never its content
// (the log never holds content anyway).

import type { Copy } from "../copy/nl";

export interface AccessItem {
  seq: number;
  time: string;
  event: string;
  action: string;
  outcome: "allowed" | "denied" | "error" | string;
  actor: string | null;
  actor_name: string | null;
  actor_role: string | null;
  actor_org: string | null;
  actor_is_member: boolean;
  fields: string[];
  subject_name?: string | null;
  basis: string | null;
  purpose: string | null;
  reason: string | null;
}

export interface Names {
  /** Names of people the household knows (members, grantees), by id. */
  people: Map<string, string>;
  /** Display names of the plan's sections, by id. */
  sections: Map<string, string>;
}

function who(c: Copy, i: AccessItem, names: Names): string {
  const h = c.history;
  const name = i.actor_name ?? (i.actor ? names.people.get(i.actor) : undefined);
  if (name && i.actor_org && !i.actor_is_member) return h.personFrom(name, i.actor_org);
  if (name) return name;
  if (i.actor_org) return h.someoneFrom(i.actor_org);
  if (i.actor_role) return `${h.someone} (${h.roles[i.actor_role] ?? i.actor_role})`;
  return h.someone;
}

function part(c: Copy, path: string, names: Names): string {
  const [section, ...rest] = path.split("/");
  const name = names.sections.get(section ?? "") ?? section ?? path;
  const own = rest.join("/");
  return own === "*" ? c.history.wholeSection(name) : c.history.part(name, own);
}

function what(c: Copy, i: AccessItem, names: Names): string {
  if (!i.fields.length) return c.history.plan;
  return i.fields.map((f) => part(c, f, names)).join(", ");
}

/** Whom an account event was about: its one field (`Entry::subject`). */
function subject(c: Copy, i: AccessItem, names: Names): string {
  const id = i.fields[0] ?? "";
  if (i.actor && i.actor === id) return c.history.events.self;
  return i.subject_name ?? names.people.get(id) ?? id;
}

/** The trusted contact a `contact.*` entry is about: its one field. */
function contact(c: Copy, i: AccessItem, names: Names): string {
  const id = i.fields[0] ?? "";
  return names.people.get(id) ?? c.history.someone.toLowerCase();
}

function event(c: Copy, i: AccessItem, names: Names): string[] {
  const e = c.history.events;
  const w = what(c, i, names);
  switch (i.event) {
    case "field.read":
      return e.read(w);
    case "field.write":
      return i.action === "C" ? e.create(w) : e.change(w);
    case "field.list":
      return i.fields.length ? e.versions(w) : e.list();
    case "household.create":
      return e.householdCreate();
    case "household.member-add":
      return e.memberAdd();
    case "household.member-readmit":
      return e.memberReadmit();
    case "grant.create":
      return e.grant(w);
    case "grant.revoke":
      return e.revoke();
    case "observation.create":
      return e.privateNote();
    case "observation.publish":
      return e.publish(w);
    case "log.query":
      return e.history();
    case "field.readers":
      return e.readers(w);
    case "field.stale":
      return e.stale();
    case "grant.list":
      return e.grants();
    case "household.view":
      return e.view();
    case "export":
      return e.export();
    case "household.close":
      return e.close();
    case "household.reopen":
      return e.reopen();
    case "household.hold":
      return e.hold();
    case "household.release":
      return e.release();
    case "retention.proposal":
      return i.action === "C" ? e.propose() : e.reject();
    case "erasure":
      return e.erasure();
    case "destruction":
      return e.destruction();
    case "principal.disable":
      return e.disable(subject(c, i, names));
    case "principal.enable":
      return e.enable(subject(c, i, names));
    case "principal.sign-out":
      // `one_session`: one device (`unknown_session` when refused as such).
      return ["one_session", "unknown_session"].includes(i.reason ?? "") ? e.signOutOne(subject(c, i, names)) : e.signOutAll(subject(c, i, names));
    case "principal.recovery-set":
      return e.recoverySet();
    case "principal.rotate":
      return e.rotate();
    case "principal.reenrol":
      return e.reenrol();
    case "principal.recovery-use":
      return e.recoveryUse(i.subject_name ?? (i.fields[0] ? names.people.get(i.fields[0]) : undefined) ?? c.history.someone);
    case "principal.passkey-add":
      return e.passkeyAdd();
    case "principal.passkey-remove":
      return e.passkeyRemove();
    case "principal.passkey-use":
      return e.passkeyUse(i.subject_name ?? (i.fields[0] ? names.people.get(i.fields[0]) : undefined) ?? c.history.someone);
    case "contact.add":
      return e.contactAdd(contact(c, i, names));
    case "contact.remove":
      return e.contactRemove(contact(c, i, names));
    case "contact.request":
      return e.contactRequest();
    case "contact.refuse":
      return e.contactRefuse(contact(c, i, names));
    case "contact.release":
      return e.contactRelease();
    default:
      return e.other(i.event);
  }
}

function basis(c: Copy, i: AccessItem): string | null {
  const b = c.history.basis;
  if (!i.basis) return null;
  if (i.basis === "membership") return b.member;
  if (i.basis === "author") return b.author;
  if (i.basis.startsWith("role:")) return b.admin;
  if (i.basis === "trusted-contact") return b.contact;
  if (i.basis.startsWith("g-") && i.purpose) return b.grant(c.purposes[i.purpose] ?? i.purpose);
  return null;
}

/** The sentence for one entry, in the language of `c`. */
export function sentence(c: Copy, i: AccessItem, names: Names): string {
  const [done, tried] = event(c, i, names);
  const person = who(c, i, names);
  if (i.outcome === "allowed") {
    const why = basis(c, i);
    return `${person} ${done}${why ? `, ${why}` : ""}.`;
  }
  const reason = i.reason ? c.history.reasons[i.reason] : undefined;
  const end = i.outcome === "denied" ? c.history.refused : c.history.failed;
  return `${person} ${tried}. ${end}${reason ? ` ${reason}` : ""}`;
}

/** "30 november 2026, 14:05" in the person's language and time zone. */
export function when(c: Copy, time: string): string {
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return time;
  return new Intl.DateTimeFormat(c.lang === "nl" ? "nl-NL" : "en-GB", {
    dateStyle: "long",
    timeStyle: "short",
  }).format(d);
}
