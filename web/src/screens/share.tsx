// Sharing with a professional: find them in the server's directory of
// professionals, choose parts of the plan, a purpose and an end date, check
// it all (with the professional's key code, computed on this device) and
// sign. Below it: everyone who has access, each withdrawn with one action.

import { useEffect, useState } from "preact/hooks";
import { copy } from "../copy";
import { when } from "../history/sentence";
import { get, op } from "../keys/op";
import { KeyError } from "../keys/worker_client";
import { fieldLabel, sectionName, sections, type Section } from "../plan/template";
import { say } from "../ui/errors";
import { Failure } from "../ui/failure";
import { Button, Checkbox, ErrorSummary, Notice, TextField } from "../ui/form";
import { Layout } from "../ui/layout";
import type { GrantSummary, Person } from "../worker/protocol";
import { preselected } from "./share_link";

const PURPOSES = ["wmo", "jeugd", "participatie", "schuldhulp", "zorg", "veiligheid", "onderzoek"];
const DAY_MS = 86_400_000;
const MAX_MS = 5 * 366 * DAY_MS;

interface Professional {
  principal_id: string;
  name: string;
  org: string | null;
  fingerprint: string;
}

export function Share(props: { household: string }) {
  const c = copy.value;
  const t = c.share;
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Professional[] | null>(null);
  // A share link may have chosen the person already (checked there).
  const [person, setPerson] = useState<Person | null>(() => {
    const p = preselected.value;
    preselected.value = null;
    return p;
  });
  const [secs, setSecs] = useState<Section[]>([]);
  /** Whole sections chosen (ids). */
  const [chosen, setChosen] = useState<string[]>([]);
  /** Single fields chosen (paths), outside the whole sections chosen. */
  const [single, setSingle] = useState<string[]>([]);
  const [fields, setFields] = useState<string[]>([]);
  const [write, setWrite] = useState(false);
  const [coordinate, setCoordinate] = useState(false);
  const [purpose, setPurpose] = useState("");
  const [until, setUntil] = useState("");
  const [step, setStep] = useState<"form" | "check">("form");
  const [compared, setCompared] = useState(false);
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    sections().then(setSecs, setFailure);
    op("listFields", { household: props.household }).then(
      (r) => setFields(r.fields.filter((f) => !f.private).map((f) => f.path)),
      () => setFields([]),
    );
  }, [props.household]);

  /** What the grant covers: whole sections, then single fields outside them. */
  const scope = () => [
    ...chosen.map((id) => `${id}/*`),
    ...single.filter((p) => !chosen.includes(p.split("/")[0] ?? "")),
  ];

  async function search(e: Event) {
    e.preventDefault();
    setFailure(null);
    try {
      const q = encodeURIComponent(query.trim());
      const r = await get<{ professionals: Professional[] }>(`/v1/professionals?q=${q}`);
      setFound(r.professionals);
    } catch (err) {
      setFailure(err);
    }
  }

  async function pick(p: Professional) {
    setFailure(null);
    try {
      // The key code shown later is computed on this device, never taken from the server.
      setPerson(await op("person", { principal_id: p.principal_id }));
      setStep("form");
    } catch (err) {
      setFailure(err instanceof KeyError && err.kind === "untrusted" ? t.untrustedPerson : err);
    }
  }

  function untilMs(): number | null {
    const d = Date.parse(`${until}T23:59:59`);
    if (Number.isNaN(d) || d <= Date.now() || d > Date.now() + MAX_MS) return null;
    return d;
  }

  function next(e: Event) {
    e.preventDefault();
    const errs = [];
    if (!scope().length) errs.push({ field: "delen-wat", text: t.needWhat });
    if (!purpose) errs.push({ field: "delen-waarvoor", text: t.needWhy });
    if (untilMs() === null) errs.push({ field: "delen-tot", text: t.needUntil });
    setErrors(errs);
    if (!errs.length) setStep("check");
  }

  async function confirm(e: Event) {
    e.preventDefault();
    if (!compared) {
      setErrors([{ field: "vergeleken", text: t.needCompared }]);
      return;
    }
    setErrors([]);
    setBusy(true);
    try {
      await op("grant", {
        household: props.household,
        grantee: person!.principal_id,
        fingerprint: person!.fingerprint,
        scope: scope(),
        write,
        coordinate,
        purpose,
        until_ms: untilMs()!,
      });
      setNotice(t.done(person!.name));
      setPerson(null);
      setFound(null);
      setChosen([]);
      setSingle([]);
      setPurpose("");
      setWrite(false);
      setCoordinate(false);
      setUntil("");
      setCompared(false);
      setReload((n) => n + 1);
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  const nameOf = (id: string) => sectionName(secs.find((s) => s.id === id) ?? { id, name: id, name_en: id });
  const names = () =>
    scope()
      .map((sel) => (sel.endsWith("/*") ? nameOf(sel.slice(0, -2)) : `${nameOf(sel.split("/")[0] ?? "")}: ${fieldLabel(sel)}`))
      .join(", ");

  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      {notice && <Notice kind="ok" focus>{notice}</Notice>}
      {failure !== null && <Failure error={failure} />}
      <ErrorSummary errors={errors} />
      {!person && (
        <section aria-labelledby="wie">
          <h2 class="utrecht-heading-2" id="wie">
            {t.who}
          </h2>
          <form onSubmit={search} role="search">
            <TextField id="zoek" type="search" label={t.search} value={query} onInput={setQuery} />
            <Button kind="secondary">{t.searchButton}</Button>
          </form>
          {found && found.length === 0 && <p class="utrecht-paragraph">{t.noResults}</p>}
          {found && found.length > 0 && (
            <ul class="utrecht-unordered-list" data-testid="professionals">
              {found.map((p) => (
                <li class="utrecht-unordered-list__item" key={p.principal_id}>
                  {p.name} ({p.org ?? "-"}){" "}
                  <button
                    type="button"
                    class="utrecht-button utrecht-button--secondary-action"
                    aria-label={`${t.choose}: ${p.name}`}
                    onClick={() => pick(p)}
                  >
                    {t.choose}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {person && step === "form" && (
        <form onSubmit={next} noValidate>
          <p class="utrecht-paragraph">{t.chosen(person.name, person.org ?? "-")}</p>
          <fieldset class="kluis-fieldset" id="delen-wat" aria-describedby={errors.some((x) => x.field === "delen-wat") ? "delen-wat-error" : undefined}>
            <legend class="kluis-legend">{t.what}</legend>
            {errors.some((x) => x.field === "delen-wat") && (
              <p class="utrecht-form-field-error-message" id="delen-wat-error">{t.needWhat}</p>
            )}
            {secs
              .filter((s) => s.id !== "observaties")
              .map((s) => {
                const inside = fields.filter((p) => p.startsWith(`${s.id}/`));
                return (
                  <div key={s.id}>
                    <Checkbox
                      id={`deel-${s.id}`}
                      label={sectionName(s)}
                      checked={chosen.includes(s.id)}
                      onChange={(on) => setChosen((old) => (on ? [...old, s.id] : old.filter((x) => x !== s.id)))}
                    />
                    {inside.length > 0 && !chosen.includes(s.id) && (
                      <details class="kluis-details">
                        <summary>{t.singleFields(sectionName(s))}</summary>
                        {inside.map((p) => (
                          <Checkbox
                            key={p}
                            id={`veld-${p.replace("/", "--")}`}
                            label={fieldLabel(p)}
                            checked={single.includes(p)}
                            onChange={(on) => setSingle((old) => (on ? [...old, p] : old.filter((x) => x !== p)))}
                          />
                        ))}
                      </details>
                    )}
                  </div>
                );
              })}
            <Checkbox id="deel-schrijven" label={t.write} checked={write} onChange={setWrite} />
            <Checkbox
              id="deel-casushouder"
              label={t.coordinate}
              checked={coordinate}
              onChange={setCoordinate}
              describedBy="deel-casushouder-hint"
            />
            <p class="utrecht-form-field-description kluis-choice-hint" id="deel-casushouder-hint">
              {t.coordinateHint}
            </p>
          </fieldset>
          <fieldset class="kluis-fieldset" id="delen-waarvoor" aria-describedby={errors.some((x) => x.field === "delen-waarvoor") ? "delen-waarvoor-error" : undefined}>
            <legend class="kluis-legend">{t.why}</legend>
            {errors.some((x) => x.field === "delen-waarvoor") && (
              <p class="utrecht-form-field-error-message" id="delen-waarvoor-error">{t.needWhy}</p>
            )}
            {PURPOSES.map((p) => (
              <div class="kluis-choice" key={p}>
                <input
                  class="utrecht-radio-button utrecht-radio-button--html-input"
                  type="radio"
                  name="doel"
                  id={`doel-${p}`}
                  checked={purpose === p}
                  onChange={() => setPurpose(p)}
                />
                <label class="utrecht-form-label utrecht-form-label--radio" for={`doel-${p}`}>
                  {c.purposes[p]}
                </label>
              </div>
            ))}
          </fieldset>
          <TextField
            id="delen-tot"
            type="date"
            label={t.until}
            hint={t.untilHint}
            value={until}
            onInput={setUntil}
            error={errors.find((x) => x.field === "delen-tot")?.text}
          />
          <Button>{t.next}</Button>
        </form>
      )}
      {person && step === "check" && (
        <form onSubmit={confirm} noValidate>
          <h2 class="utrecht-heading-2">{t.checkTitle}</h2>
          <dl class="kluis-facts" data-testid="check">
            <dt>{t.checkWho}</dt>
            <dd>
              {person.name} ({person.org ?? "-"})
            </dd>
            <dt>{t.checkWhat}</dt>
            <dd>{names()}</dd>
            <dt>{t.checkMay}</dt>
            <dd data-testid="check-may">{t.may(write, coordinate)}</dd>
            <dt>{t.checkWhy}</dt>
            <dd>{c.purposes[purpose]}</dd>
            <dt>{t.checkUntil}</dt>
            <dd>
              {new Intl.DateTimeFormat(c.lang === "nl" ? "nl-NL" : "en-GB", { dateStyle: "long" }).format(
                new Date(`${until}T12:00:00`),
              )}
            </dd>
            <dt>{t.checkFingerprint}</dt>
            <dd>
              <code class="utrecht-code kluis-fingerprint" data-testid="grantee-fingerprint">
                {person.fingerprint}
              </code>
            </dd>
          </dl>
          <p class="utrecht-paragraph">{t.compare}</p>
          <Checkbox
            id="vergeleken"
            label={t.compared}
            checked={compared}
            onChange={setCompared}
            describedBy={errors.some((x) => x.field === "vergeleken") ? "vergeleken-error" : undefined}
          />
          {errors.some((x) => x.field === "vergeleken") && (
            <p class="utrecht-form-field-error-message" id="vergeleken-error">{t.needCompared}</p>
          )}
          <div class="utrecht-button-group">
            <Button busy={busy}>{t.confirm}</Button>
            <Button type="button" kind="secondary" onClick={() => setStep("form")}>
              {t.change}
            </Button>
          </div>
        </form>
      )}
      <Grants household={props.household} reload={reload} />
    </Layout>
  );
}

function Grants(props: { household: string; reload: number }) {
  const c = copy.value;
  const t = c.share;
  const [grants, setGrants] = useState<GrantSummary[] | null>(null);
  const [asking, setAsking] = useState<GrantSummary | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [n, setN] = useState(0);

  useEffect(() => {
    op("grants", { household: props.household }).then(
      (r) => setGrants(r.grants),
      (e) => setFailure(say(e)),
    );
  }, [props.household, props.reload, n]);

  async function revoke(g: GrantSummary) {
    setBusy(true);
    try {
      await op("revoke", { household: props.household, grant_id: g.grant_id });
      setNotice(t.revoked);
      setAsking(null);
      setN((x) => x + 1);
    } catch (e) {
      setFailure(say(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="kluis-section" aria-labelledby="toegang">
      <h2 class="utrecht-heading-2" id="toegang">
        {t.grantsTitle}
      </h2>
      {notice && <Notice kind="ok" focus>{notice}</Notice>}
      {failure && <Notice kind="error">{failure}</Notice>}
      {grants && grants.length === 0 && <p class="utrecht-paragraph">{t.noGrants}</p>}
      {grants && grants.length > 0 && (
        <ul class="kluis-grants" data-testid="grants">
          {grants.map((g) => {
            const name = g.grantee_name ?? g.grantee;
            return (
              <li key={g.grant_id}>
                <p class="utrecht-paragraph">
                  <strong>{t.grantLine(name, g.scope, when(c, g.valid_until))}</strong>
                  {g.actions.includes("coordinate") && ` (${t.coordinator})`}
                  {" — "}
                  {t.status[g.status] ?? g.status}
                  {" — "}
                  {c.purposes[g.purpose] ?? g.purpose}
                </p>
                {g.status === "active" && asking?.grant_id !== g.grant_id && (
                  <button type="button" class="utrecht-button utrecht-button--secondary-action" onClick={() => setAsking(g)}>
                    {t.revoke}: {name}
                  </button>
                )}
                {asking?.grant_id === g.grant_id && (
                  <div class="kluis-confirm" role="group" aria-label={t.revoke}>
                    <p class="utrecht-paragraph">{t.revokeConfirm(name)}</p>
                    <div class="utrecht-button-group">
                      <Button type="button" busy={busy} onClick={() => revoke(g)}>
                        {t.revokeYes}
                      </Button>
                      <Button type="button" kind="secondary" onClick={() => setAsking(null)}>
                        {t.revokeNo}
                      </Button>
                    </div>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
