// The self-sufficiency scores (ZRM) in the plan: the score now per domain,
// a form to enter a new one, and the scores over time as a table (the
// accessible version) with a radar chart per date and a line per domain
// drawn as SVG on the device. Each domain is one plan field; its versions
// are its scores over time (see web/src/zrm/entry.ts for the format).

import { useEffect, useState } from "preact/hooks";
import { copy } from "../copy";
import type { Copy } from "../copy/nl";
import { when } from "../history/sentence";
import { KeyError } from "../keys/worker_client";
import { op } from "../keys/op";
import { sectionName, type Section, type ZrmTemplate } from "../plan/template";
import { say } from "../ui/errors";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { Line, Radar } from "../zrm/chart";
import { encodeEntry, isZrmDate, isZrmNote, SCORES, type Score } from "../zrm/entry";
import { series, type DomainScores, type ScoreVersion, type Series } from "../zrm/series";

/** "30 november 2026" from "2026-11-30", in the reader's language. */
export function dayName(c: Copy, date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  return new Intl.DateTimeFormat(c.lang === "nl" ? "nl-NL" : "en-GB", { dateStyle: "long", timeZone: "UTC" }).format(d);
}

function today(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

interface Loaded {
  series: Series;
  /** The newest version of each domain's field (0: none yet), the base of a write. */
  newest: Record<string, number>;
}

async function load(household: string, zrm: ZrmTemplate): Promise<Loaded> {
  const { fields } = await op("listFields", { household });
  const mine = fields.filter((f) => !f.private && f.path.split("/").length === 2 && f.path.split("/")[0] === zrm.section);
  const ids = mine.map((f) => f.path.split("/")[1]!);
  const domains: Section[] = [
    ...zrm.domains,
    // A score field the template does not list is still shown, by its id.
    ...ids.filter((id) => !zrm.domains.some((d) => d.id === id)).sort().map((id) => ({ id, name: id, name_en: id })),
  ];
  const newest: Record<string, number> = {};
  const input = await Promise.all(
    domains.map(async (d) => {
      let versions: ScoreVersion[] = [];
      if (ids.includes(d.id)) {
        const path = `${zrm.section}/${d.id}`;
        try {
          versions = (await op("fieldHistory", { household, path })).versions;
        } catch (e) {
          // A professional's grant opens only the versions from its start:
          // then show the score now, which it does open.
          if (!(e instanceof KeyError && e.kind === "not-shared")) throw e;
          versions = [await op("readField", { household, path })];
        }
      }
      newest[d.id] = versions.reduce((m, v) => Math.max(m, v.version), 0);
      return { domain: { id: d.id, name: sectionName(d) }, versions };
    }),
  );
  return { series: series(input), newest };
}

export function Zrm(props: { household: string; zrm: ZrmTemplate }) {
  const c = copy.value;
  const t = c.zrm;
  const [data, setData] = useState<Loaded | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function reload() {
    try {
      setData(await load(props.household, props.zrm));
    } catch (e) {
      setFailure(say(e));
    }
  }
  useEffect(() => {
    reload();
  }, [props.household, c.lang]);

  if (failure) return <Notice kind="error">{failure}</Notice>;
  if (!data) return <p class="utrecht-paragraph">{t.loading}</p>;
  const s = data.series;
  const scored = s.domains.filter((d) => d.byDate.size > 0);
  return (
    <div class="kluis-zrm" data-testid="zrm">
      <p class="utrecht-paragraph">{t.intro}</p>
      <Now series={s} />
      <ZrmForm household={props.household} zrm={props.zrm} data={data} onSaved={reload} />
      {s.moments.length > 0 && (
        <section class="kluis-section" aria-labelledby="zrm-tijd">
          <h3 class="utrecht-heading-3" id="zrm-tijd">
            {t.chartsTitle}
          </h3>
          <p class="utrecht-paragraph">{t.chartsIntro}</p>
          <h4 class="utrecht-heading-4">{t.radarsTitle}</h4>
          <div class="kluis-charts" data-testid="zrm-radars">
            {s.moments.map((date, i) => (
              <figure class="kluis-chart-figure" key={date}>
                <Radar series={s} date={date} id={`zrm-radar-${i}`} title={t.radarTitle(dayName(c, date))} desc={t.radarDesc} />
                <figcaption>{dayName(c, date)}</figcaption>
              </figure>
            ))}
          </div>
          <h4 class="utrecht-heading-4">{t.linesTitle}</h4>
          <div class="kluis-charts" data-testid="zrm-lines">
            {scored.map((d) => (
              <figure class="kluis-chart-figure" key={d.domain.id}>
                <Line
                  series={s}
                  domain={d.domain.id}
                  id={`zrm-line-${d.domain.id}`}
                  title={t.lineTitle(d.domain.name)}
                  desc={t.lineDesc}
                />
                <figcaption>
                  {s.domains.indexOf(d) + 1}. {d.domain.name}
                </figcaption>
              </figure>
            ))}
          </div>
          <Table series={s} />
        </section>
      )}
      <History series={s} />
    </div>
  );
}

/** The newest score per domain. */
function Now(p: { series: Series }) {
  const c = copy.value;
  const t = c.zrm;
  return (
    <div class="kluis-table-scroll" role="region" aria-labelledby="zrm-nu" tabIndex={0}>
      <table class="utrecht-table kluis-zrm-now" data-testid="zrm-now">
        <caption class="utrecht-table__caption" id="zrm-nu">
          {t.nowCaption}
        </caption>
        <thead class="utrecht-table__header">
          <tr class="utrecht-table__row">
            <th class="utrecht-table__header-cell" scope="col">{t.domain}</th>
            <th class="utrecht-table__header-cell" scope="col">{t.score}</th>
            <th class="utrecht-table__header-cell" scope="col">{t.date}</th>
            <th class="utrecht-table__header-cell" scope="col">{t.note}</th>
          </tr>
        </thead>
        <tbody class="utrecht-table__body">
          {p.series.domains.map((d) => {
            const e = d.current?.entry;
            return (
              <tr class="utrecht-table__row" key={d.domain.id} data-domain={d.domain.id} data-score={e?.score ?? ""}>
                <th class="utrecht-table__header-cell" scope="row">{d.domain.name}</th>
                <td class="utrecht-table__cell">{e ? t.scoreOf(e.score, t.short[e.score - 1]!) : t.noScore}</td>
                <td class="utrecht-table__cell">{e ? dayName(c, e.date) : ""}</td>
                <td class="utrecht-table__cell kluis-zrm-note">{e?.note ?? ""}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Every score per domain and date: what the charts draw, as a table. */
function Table(p: { series: Series }) {
  const c = copy.value;
  const t = c.zrm;
  const s = p.series;
  return (
    <div class="kluis-table-scroll" role="region" aria-label={t.tableRegion} tabIndex={0}>
      <table class="utrecht-table" data-testid="zrm-table">
        <caption class="utrecht-table__caption">{t.tableCaption}</caption>
        <thead class="utrecht-table__header">
          <tr class="utrecht-table__row">
            <th class="utrecht-table__header-cell" scope="col">{t.domain}</th>
            {s.moments.map((date) => (
              <th class="utrecht-table__header-cell" scope="col" key={date} data-date={date}>
                {dayName(c, date)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody class="utrecht-table__body">
          {s.domains.map((d, i) => (
            <tr class="utrecht-table__row" key={d.domain.id}>
              <th class="utrecht-table__header-cell" scope="row">
                {i + 1}. {d.domain.name}
              </th>
              {s.moments.map((date) => {
                const e = d.byDate.get(date);
                return (
                  <td class="utrecht-table__cell" key={date} data-domain={d.domain.id} data-date={date} data-score={e?.score ?? ""}>
                    {e ? e.score : <span class="kluis-muted">{t.noScoreCell}</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Every version of every domain's field, with who entered it. */
function History(p: { series: Series }) {
  const c = copy.value;
  const t = c.zrm;
  const withVersions = p.series.domains.filter((d) => d.versions.length > 0);
  if (withVersions.length === 0) return <p class="utrecht-paragraph">{t.none}</p>;
  return (
    <details class="kluis-zrm-history">
      <summary>{t.historyTitle}</summary>
      {withVersions.map((d: DomainScores) => (
        <div key={d.domain.id}>
          <h4 class="utrecht-heading-4">{d.domain.name}</h4>
          <ol class="kluis-history">
            {d.versions.map((v) => (
              <li key={v.version}>
                <p class="utrecht-paragraph">
                  {v.entry
                    ? `${t.scoreOf(v.entry.score, t.short[v.entry.score - 1]!)} (${dayName(c, v.entry.date)})${v.entry.note ? `: ${v.entry.note}` : ""}`
                    : t.bad[v.error!.kind]}
                </p>
                <p class="utrecht-paragraph kluis-written">{t.versionLine(v.version, v.writer, when(c, v.written_at))}</p>
              </li>
            ))}
          </ol>
        </div>
      ))}
    </details>
  );
}

function ZrmForm(p: { household: string; zrm: ZrmTemplate; data: Loaded; onSaved: () => Promise<void> }) {
  const c = copy.value;
  const t = c.zrm;
  const [domain, setDomain] = useState("");
  const [score, setScore] = useState<Score | null>(null);
  const [date, setDate] = useState(today());
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const err = (f: string) => errors.find((x) => x.field === f)?.text;

  async function submit(e: Event) {
    e.preventDefault();
    const found: Array<{ field: string; text: string }> = [];
    if (!p.zrm.domains.some((d) => d.id === domain)) found.push({ field: "zrm-onderwerp", text: t.needDomain });
    if (score === null) found.push({ field: "zrm-score-1", text: t.needScore });
    if (!isZrmDate(date)) found.push({ field: "zrm-datum", text: t.badDate });
    if (!isZrmNote(note)) found.push({ field: "zrm-notitie", text: t.badNote });
    setErrors(found);
    setNotice(null);
    if (found.length || score === null) return;
    setBusy(true);
    const name = sectionName(p.zrm.domains.find((d) => d.id === domain)!);
    try {
      const value = encodeEntry({ score, date, note });
      await op("writeField", { household: p.household, path: `${p.zrm.section}/${domain}`, value, base: p.data.newest[domain] ?? 0 });
      await p.onSaved();
      setNotice({ kind: "ok", text: t.saved(name, score) });
      setScore(null);
      setNote("");
    } catch (x) {
      if (x instanceof KeyError && x.kind === "conflict") {
        // Someone scored this domain in between: show theirs, keep ours in the form.
        await p.onSaved();
        setNotice({ kind: "error", text: t.conflict });
      } else {
        setNotice({ kind: "error", text: say(x) });
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="kluis-section" aria-labelledby="zrm-invullen">
      <h3 class="utrecht-heading-3" id="zrm-invullen">
        {t.formTitle}
      </h3>
      <form onSubmit={submit} noValidate class="kluis-zrm-form">
        <ErrorSummary errors={errors} />
        {notice && <Notice kind={notice.kind}>{notice.text}</Notice>}
        <div class={`utrecht-form-field${err("zrm-onderwerp") ? " utrecht-form-field--invalid" : ""}`}>
          <div class="utrecht-form-field__label">
            <label class="utrecht-form-label" for="zrm-onderwerp">
              {t.formDomain}
            </label>
          </div>
          {err("zrm-onderwerp") && (
            <div class="utrecht-form-field-error-message" id="zrm-onderwerp-error">
              {err("zrm-onderwerp")}
            </div>
          )}
          <div class="utrecht-form-field__input">
            <select
              class="utrecht-select utrecht-select--html-select"
              id="zrm-onderwerp"
              value={domain}
              aria-invalid={err("zrm-onderwerp") ? "true" : undefined}
              aria-describedby={err("zrm-onderwerp") ? "zrm-onderwerp-error" : undefined}
              onChange={(e) => setDomain((e.target as HTMLSelectElement).value)}
            >
              <option value="">{t.chooseDomain}</option>
              {p.zrm.domains.map((d) => (
                <option value={d.id} key={d.id}>
                  {sectionName(d)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <fieldset
          class="kluis-fieldset"
          aria-describedby={["zrm-score-hint", err("zrm-score-1") && "zrm-score-error"].filter(Boolean).join(" ")}
        >
          <legend class="kluis-legend">{t.formScore}</legend>
          <p class="utrecht-form-field-description" id="zrm-score-hint">
            {t.formScoreHint}
          </p>
          {err("zrm-score-1") && (
            <p class="utrecht-form-field-error-message" id="zrm-score-error">
              {err("zrm-score-1")}
            </p>
          )}
          {SCORES.map((n) => (
            <div class="kluis-choice" key={n}>
              <input
                class="utrecht-radio-button utrecht-radio-button--html-input"
                type="radio"
                name="zrm-score"
                id={`zrm-score-${n}`}
                checked={score === n}
                onChange={() => setScore(n)}
              />
              <label class="utrecht-form-label utrecht-form-label--radio" for={`zrm-score-${n}`}>
                {n}: {t.levels[n - 1]}
              </label>
            </div>
          ))}
        </fieldset>
        <TextField id="zrm-datum" type="date" label={t.formDate} hint={t.formDateHint} value={date} onInput={setDate} error={err("zrm-datum")} />
        <TextField id="zrm-notitie" label={t.formNote} hint={t.formNoteHint} value={note} onInput={setNote} error={err("zrm-notitie")} />
        <Button busy={busy}>{t.save}</Button>
      </form>
    </section>
  );
}
