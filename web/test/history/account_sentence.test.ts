// Account events in the household's history read as sentences: whose
// sessions ended, one device or all, and a refused attempt with its reason.
import assert from "node:assert/strict";
import { test } from "node:test";

import { en } from "../../src/copy/en.js";
import { nl } from "../../src/copy/nl.js";
import { sentence, type AccessItem } from "../../src/history/sentence.js";

const names = { people: new Map([["p-anna", "Anna"]]), sections: new Map<string, string>() };
const item = (over: Partial<AccessItem>): AccessItem => ({
  seq: 1,
  time: "2026-11-30T10:00:00Z",
  event: "principal.sign-out",
  action: "D",
  outcome: "allowed",
  actor: "p-admin",
  actor_name: null,
  actor_role: "admin",
  actor_org: null,
  actor_is_member: false,
  fields: ["p-anna"],
  subject_name: "Anna",
  basis: "role:admin",
  purpose: null,
  reason: null,
  ...over,
});

test("an administrator ends one session or all of them", () => {
  assert.match(sentence(nl, item({ reason: "one_session" }), names), /heeft Anna uitgelogd op één apparaat/);
  assert.match(sentence(nl, item({}), names), /heeft Anna uitgelogd op alle apparaten/);
  assert.match(sentence(en, item({ reason: "one_session" }), names), /signed Anna out on one device/);
});

test("a person signing out themselves, and a refused attempt", () => {
  const own = item({ actor: "p-anna", actor_name: "Anna", actor_role: "client", actor_is_member: true, basis: null, reason: "one_session" });
  assert.equal(sentence(nl, own, names), "Anna heeft zichzelf uitgelogd op één apparaat.");
  const refused = item({ outcome: "denied", actor_role: "professional", actor_org: "Wijkteam Noord", basis: null, reason: "role" });
  assert.match(sentence(nl, refused, names), /wilde Anna uitloggen op alle apparaten\. .*Alleen beheerders mogen dat\./);
});
