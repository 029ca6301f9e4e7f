// "Mijn cliënten": a professional's caseload on the start screen. Each
// household by the name it shared (or a short neutral id), what the grants
// cover in the plan's own words, what for, and how long they still run;
// grants ending within 30 days are marked in words, not by colour alone.

import { useEffect, useState } from "preact/hooks";
import { copy } from "../copy";
import { get, op } from "../keys/op";
import { sectionName, sections, type Section } from "../plan/template";
import { say } from "../ui/errors";
import { Notice } from "../ui/form";
import { nav } from "../ui/layout";
import type { Case, CaseGrant } from "../worker/protocol";

/** Grants ending within this many days are marked. */
export const ENDING_SOON_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

/** Whole days from `now` until `until` (rounded down; 0 on the last day). */
export function daysLeft(until: string, now = Date.now()): number {
  return Math.floor((new Date(until).getTime() - now) / DAY_MS);
}

/** A selector in the plan's words: a whole section by its name, a field as "Section: field". */
function coverage(selector: string, secs: Section[]): string {
  const [id, rest] = selector.split("/", 2) as [string, string | undefined];
  const s = secs.find((x) => x.id === id);
  const name = s ? sectionName(s) : id;
  return rest === "*" || rest === undefined ? name : `${name}: ${selector.slice(id.length + 1)}`;
}

export function Caseload() {
  const c = copy.value;
  const t = c.caseload;
  const [cases, setCases] = useState<Case[] | null>(null);
  const [secs, setSecs] = useState<Section[]>([]);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    sections().then((s) => live && setSecs(s), () => undefined);
    get<{ households: string[] }>("/v1/households")
      .then((list) => op("caseload", { households: list.households }))
      .then(
        (r) => live && setCases(r.cases),
        (e) => live && setFailure(say(e)),
      );
    return () => {
      live = false;
    };
  }, []);

  const runs = (g: CaseGrant) => {
    if (g.status === "not-yet-valid") return t.startsLater(g.valid_until.slice(0, 10));
    return t.daysLeft(daysLeft(g.valid_until));
  };
  return (
    <section aria-labelledby="clienten" class="kluis-section">
      <h2 class="utrecht-heading-2" id="clienten">
        {t.title}
      </h2>
      <p class="utrecht-paragraph">{t.intro}</p>
      {failure && <Notice kind="error">{failure}</Notice>}
      {!cases && !failure && <p class="utrecht-paragraph">{t.loading}</p>}
      {cases && cases.length === 0 && <p class="utrecht-paragraph">{t.none}</p>}
      {cases && cases.length > 0 && (
        <ul class="kluis-cases" data-testid="caseload">
          {cases.map((k) => {
            const soon = k.grants.some((g) => g.status === "active" && daysLeft(g.valid_until) < ENDING_SOON_DAYS);
            const name = k.label ?? t.unnamed(k.household);
            return (
              <li key={k.household} class="kluis-case" data-household={k.household}>
                <h3 class="utrecht-heading-3">
                  <a class="utrecht-link" href={`/#/huishouden/${k.household}`} onClick={nav(`/huishouden/${k.household}`)}>
                    {name}
                  </a>
                  {soon && (
                    <>
                      {" "}
                      <span class="kluis-tag" data-testid="ending-soon">
                        {t.endingSoon}
                      </span>
                    </>
                  )}
                </h3>
                {k.grants.map((g) => (
                  <dl class="kluis-facts" key={g.grant_id}>
                    <dt>{t.covers}</dt>
                    <dd>
                      {g.scope.map((sel) => coverage(sel, secs)).join(", ")} (
                      {g.actions.includes("write") ? t.canWrite : t.readOnly})
                    </dd>
                    <dt>{t.purpose}</dt>
                    <dd>{c.purposes[g.purpose] ?? g.purpose}</dd>
                    <dt>{t.runs}</dt>
                    <dd data-testid="runs">{runs(g)}</dd>
                    {g.coordinate && <dd>{t.coordinator}</dd>}
                  </dl>
                ))}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
