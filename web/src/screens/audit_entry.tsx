// One access log entry with its NEN 7513 fields, grouped as the standard
// asks: who, what, when, where, why, and the outcome.

import { useEffect, useState } from "preact/hooks";
import { lastResults, type LogEntry } from "../audit/entries";
import { copy } from "../copy";
import { get } from "../keys/op";
import { Layout, nav } from "../ui/layout";
import { Notice } from "../ui/form";
import { say } from "../ui/errors";

export function AuditEntry(props: { seq: number }) {
  const c = copy.value;
  const t = c.audit.entry;
  const kept = lastResults.value?.entries.find((e) => e.seq === props.seq) ?? null;
  const [entry, setEntry] = useState<LogEntry | null>(kept);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    if (entry) return;
    // Opened directly (not from a search): fetch just this entry.
    const after = props.seq === 0 ? "" : `&after=${props.seq - 1}`;
    get<{ entries: LogEntry[] }>(`/v1/log/query?limit=1${after}`).then(
      (page) => {
        const found = page.entries.find((e) => e.seq === props.seq);
        if (found) setEntry(found);
        else setFailure(c.audit.search.none);
      },
      (e) => setFailure(say(e)),
    );
  }, [props.seq]);

  const v = (x: string | null | undefined) => (x === null || x === undefined || x === "" ? t.none : x);
  const row = (label: string, value: string, testid?: string) => (
    <>
      <dt>{label}</dt>
      <dd data-testid={testid}>{value}</dd>
    </>
  );
  return (
    <Layout title={t.title(props.seq)}>
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href="/#/logboek" onClick={nav("/logboek")}>
          {t.back}
        </a>
      </p>
      {failure && <Notice kind="error">{failure}</Notice>}
      {entry && (
        <div class="kluis-entry" data-testid="audit-entry">
          <h2 class="utrecht-heading-2">{t.who}</h2>
          <dl class="kluis-facts">
            {row(t.actor, v(entry.actor), "entry-actor")}
            {row(t.role, v(entry.actor_role))}
            {row(t.org, v(entry.actor_org))}
            {row(t.onBehalfOf, v(entry.on_behalf_of))}
          </dl>
          <h2 class="utrecht-heading-2">{t.what}</h2>
          <dl class="kluis-facts">
            {row(t.event, entry.event, "entry-event")}
            {row(t.action, `${entry.action} (${t.actions[entry.action] ?? entry.action})`)}
            {row(t.household, v(entry.household))}
            {row(t.fields, entry.fields.length ? entry.fields.join(", ") : t.none)}
          </dl>
          <h2 class="utrecht-heading-2">{t.when}</h2>
          <dl class="kluis-facts">{row(t.time, entry.time)}</dl>
          <h2 class="utrecht-heading-2">{t.where}</h2>
          <dl class="kluis-facts">
            {row(t.instance, entry.instance)}
            {row(t.request, entry.request_id)}
          </dl>
          <h2 class="utrecht-heading-2">{t.why}</h2>
          <dl class="kluis-facts">
            {row(t.basis, v(entry.basis))}
            {row(t.purpose, v(entry.purpose))}
            {row(t.reason, v(entry.reason))}
            {row(
              t.flags,
              Object.entries(entry.flags)
                .filter(([, on]) => on)
                .map(([name]) => t.flagNames[name] ?? name)
                .join(", ") || t.none,
            )}
          </dl>
          <h2 class="utrecht-heading-2">{t.outcomeLabel}</h2>
          <p class="utrecht-paragraph" data-testid="entry-outcome">
            {t.outcomes[entry.outcome] ?? entry.outcome}
          </p>
        </div>
      )}
    </Layout>
  );
}
