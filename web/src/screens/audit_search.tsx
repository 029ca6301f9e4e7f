// "Logboek doorzoeken": the auditor searches the access log by household,
// person, kind of event and dates, sees the matches in a table, opens one
// entry with its NEN 7513 fields, and saves the matches as CSV or JSON Lines.

import { useState } from "preact/hooks";
import { lastResults, search, type LogFilter } from "../audit/entries";
import { toCsv, toJsonLines } from "../audit/export";
import { EVENTS } from "../client/log_entry";
import { copy } from "../copy";
import { Layout, nav } from "../ui/layout";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { download } from "../ui/download";
import { say } from "../ui/errors";

const HOUSEHOLD = /^h-[0-9a-f]{32}$/;
const PERSON = /^p-[0-9a-f]{32}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function AuditSearch() {
  const t = copy.value.audit.search;
  const previous = lastResults.value?.filter ?? {};
  const [household, setHousehold] = useState(previous.household ?? "");
  const [actor, setActor] = useState(previous.actor ?? "");
  const [event, setEvent] = useState(previous.event ?? "");
  const [since, setSince] = useState(previous.since ?? "");
  const [until, setUntil] = useState(previous.until ?? "");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const results = lastResults.value;

  async function submit(e: Event) {
    e.preventDefault();
    const found: Array<{ field: string; text: string }> = [];
    const h = household.trim().toLowerCase();
    const a = actor.trim().toLowerCase();
    if (h && !HOUSEHOLD.test(h)) found.push({ field: "huishouden", text: t.badHousehold });
    if (a && !PERSON.test(a)) found.push({ field: "persoon", text: t.badActor });
    if (since && !DATE.test(since)) found.push({ field: "vanaf", text: t.badDate });
    if (until && !DATE.test(until)) found.push({ field: "tot", text: t.badDate });
    setErrors(found);
    if (found.length) return;
    const filter: LogFilter = {};
    if (h) filter.household = h;
    if (a) filter.actor = a;
    if (event) filter.event = event;
    if (since) filter.since = since;
    // "Up to and including" a date: to the end of that day (UTC).
    if (until) filter.until = `${until}T23:59:59.999Z`;
    setBusy(true);
    setFailure(null);
    try {
      lastResults.value = await search(filter);
    } catch (err) {
      setFailure(say(err));
    } finally {
      setBusy(false);
    }
  }

  const errorOf = (field: string) => errors.find((e) => e.field === field)?.text;
  const untilShown = results?.filter.until?.slice(0, 10) ?? "";
  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      <ErrorSummary errors={errors} />
      <form onSubmit={submit} noValidate>
        <TextField id="huishouden" label={t.household} hint={t.householdHint} value={household} error={errorOf("huishouden")} onInput={setHousehold} />
        <TextField id="persoon" label={t.actor} hint={t.actorHint} value={actor} error={errorOf("persoon")} onInput={setActor} />
        <div class="utrecht-form-field">
          <div class="utrecht-form-field__label">
            <label class="utrecht-form-label" for="soort">
              {t.event}
            </label>
          </div>
          <div class="utrecht-form-field__input">
            <select class="utrecht-select utrecht-select--html-select" id="soort" value={event} onChange={(e) => setEvent((e.target as HTMLSelectElement).value)}>
              <option value="">{t.anyEvent}</option>
              {EVENTS.map((code) => (
                <option value={code} key={code}>
                  {code}
                </option>
              ))}
            </select>
          </div>
        </div>
        <TextField id="vanaf" type="date" label={t.since} hint={t.dateHint} value={since} error={errorOf("vanaf")} onInput={setSince} />
        <TextField id="tot" type="date" label={t.until} hint={t.dateHint} value={until || untilShown} error={errorOf("tot")} onInput={setUntil} />
        <Button busy={busy}>{busy ? t.searching : t.submit}</Button>
      </form>
      {failure && <Notice kind="error">{failure}</Notice>}
      {results && <ResultList />}
    </Layout>
  );
}

function ResultList() {
  const c = copy.value;
  const t = c.audit.search;
  const results = lastResults.value!;
  const { entries } = results;
  return (
    <section aria-labelledby="resultaten" class="kluis-section">
      <h2 class="utrecht-heading-2" id="resultaten">
        {t.results}
      </h2>
      <p class="utrecht-paragraph" role="status" data-testid="audit-count">
        {entries.length ? t.found(entries.length, results.more) : t.none}
      </p>
      {entries.length > 0 && (
        <>
          <p class="utrecht-paragraph">{t.exportHint}</p>
          <p class="kluis-actions">
            <button type="button" class="utrecht-button utrecht-button--secondary-action" onClick={() => download("logboek.csv", toCsv(entries))}>
              {t.exportCsv}
            </button>{" "}
            <button
              type="button"
              class="utrecht-button utrecht-button--secondary-action"
              onClick={() => download("logboek.jsonl", toJsonLines(entries))}
            >
              {t.exportJsonl}
            </button>
          </p>
          <div class="kluis-table-scroll" tabIndex={0} role="region" aria-labelledby="resultaten">
            <table class="utrecht-table" data-testid="audit-results">
              <thead class="utrecht-table__header">
                <tr class="utrecht-table__row">
                  <th class="utrecht-table__header-cell" scope="col">{t.columns.seq}</th>
                  <th class="utrecht-table__header-cell" scope="col">{t.columns.time}</th>
                  <th class="utrecht-table__header-cell" scope="col">{t.columns.event}</th>
                  <th class="utrecht-table__header-cell" scope="col">{t.columns.outcome}</th>
                  <th class="utrecht-table__header-cell" scope="col">{t.columns.actor}</th>
                  <th class="utrecht-table__header-cell" scope="col">{t.columns.household}</th>
                </tr>
              </thead>
              <tbody class="utrecht-table__body">
                {entries.map((e) => (
                  <tr class="utrecht-table__row" key={e.seq}>
                    <td class="utrecht-table__cell">
                      <a class="utrecht-link" href={`/#/logboek/item/${e.seq}`} onClick={nav(`/logboek/item/${e.seq}`)} aria-label={t.show(e.seq)}>
                        {e.seq}
                      </a>
                    </td>
                    <td class="utrecht-table__cell">
                      <time dateTime={e.time}>{e.time.replace("T", " ").replace(/\.\d+Z$|Z$/, "")}</time>
                    </td>
                    <td class="utrecht-table__cell">{e.event}</td>
                    <td class="utrecht-table__cell">{c.audit.entry.outcomes[e.outcome] ?? e.outcome}</td>
                    <td class="utrecht-table__cell">
                      {e.actor ?? c.audit.entry.none}
                      {e.actor_org ? ` (${e.actor_org})` : ""}
                    </td>
                    <td class="utrecht-table__cell">{e.household ?? c.audit.entry.none}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
