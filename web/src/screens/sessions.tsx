// "Apparaten en sessies": where a person is signed in (device, since, last
// use, "dit apparaat"), with "Uitloggen" per session and "Overal
// uitloggen" (`GET /v1/sessions`, `DELETE /v1/sessions/{id}`,
// `DELETE /v1/principals/{me}/sessions`). An administrator sees the same
// list for someone else from the people screen (`SessionTable` with
// `person`), for a lost phone. Each ending is in the person's household
// history. A session ended here refuses its token at once; the device it
// was on locks the next time it talks to the server (`keys/op.ts`).
// Passkeys (`passkeys.tsx`) and new keys (`rotate.tsx`) have their sections here too.

import { useEffect, useState } from "preact/hooks";
import { copy } from "../copy";
import { when } from "../history/sentence";
import { del, get } from "../keys/op";
import { lock, session } from "../session";
import { say } from "../ui/errors";
import { Notice } from "../ui/form";
import { Layout } from "../ui/layout";
import { PasskeySection } from "./passkeys";
import { RotateSection } from "./rotate";

export interface SessionInfo {
  id: string;
  device: string;
  created_at: string | null;
  last_used_at: string | null;
  expires_at: string;
  current: boolean;
}

export function Sessions() {
  const t = copy.value.sessions;
  const me = session.value!.me.principal_id;
  const fingerprint = session.value!.me.fingerprint;
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function endAll() {
    setNotice(null);
    setFailure(null);
    try {
      await del(`/v1/principals/${me}/sessions`);
      lock("ended");
    } catch (e) {
      setFailure(say(e));
    }
  }

  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {failure && <Notice kind="error">{failure}</Notice>}
      {/* New keys (a rotation) mean new sessions and no passkeys: both lists are fetched again. */}
      <SessionTable key={`s-${fingerprint}`} onNotice={setNotice} />
      <PasskeySection key={`p-${fingerprint}`} />
      <RotateSection />
      <section class="kluis-section" aria-labelledby="overal-uitloggen">
        <h2 class="utrecht-heading-2" id="overal-uitloggen">
          {t.endAll}
        </h2>
        <p class="utrecht-paragraph">{t.endAllHint}</p>
        <button type="button" class="utrecht-button utrecht-button--secondary-action" onClick={endAll}>
          {t.endAll}
        </button>
      </section>
    </Layout>
  );
}

/** The sessions of `person` (an administrator looking), or the signed-in person's own. */
export function SessionTable(props: { person?: { id: string; name: string }; onNotice?: (text: string) => void }) {
  const c = copy.value;
  const t = c.sessions;
  const base = props.person ? `/v1/principals/${props.person.id}/sessions` : "/v1/sessions";
  const [list, setList] = useState<SessionInfo[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  async function load() {
    try {
      setList((await get<{ sessions: SessionInfo[] }>(base)).sessions);
    } catch (e) {
      setFailure(say(e));
    }
  }
  useEffect(() => {
    load();
  }, [base]);

  async function end(s: SessionInfo) {
    setFailure(null);
    try {
      await del(props.person ? `${base}/${s.id}` : `/v1/sessions/${s.id}`);
      if (s.current && !props.person) {
        lock("ended");
        return;
      }
      props.onNotice?.(t.ended(s.device));
      await load();
    } catch (e) {
      setFailure(say(e));
    }
  }

  const time = (at: string | null) => (at ? when(c, at) : t.unknownTime);
  return (
    <>
      {props.person && <p class="utrecht-paragraph">{t.introFor(props.person.name)}</p>}
      {failure && <Notice kind="error">{failure}</Notice>}
      {list && list.length === 0 && <p class="utrecht-paragraph">{t.none}</p>}
      {list && list.length > 0 && (
        <div class="kluis-table-scroll" tabIndex={0} role="region" aria-label={props.person ? `${t.title}: ${props.person.name}` : t.title}>
          <table class="utrecht-table" data-testid="sessions">
            <thead class="utrecht-table__header">
              <tr class="utrecht-table__row">
                <th class="utrecht-table__header-cell" scope="col">{t.columns.device}</th>
                <th class="utrecht-table__header-cell" scope="col">{t.columns.since}</th>
                <th class="utrecht-table__header-cell" scope="col">{t.columns.lastUse}</th>
                <th class="utrecht-table__header-cell" scope="col">{t.columns.actions}</th>
              </tr>
            </thead>
            <tbody class="utrecht-table__body">
              {list.map((s) => (
                <tr class="utrecht-table__row" key={s.id} data-session={s.id} data-current={s.current ? "yes" : "no"}>
                  <th class="utrecht-table__header-cell" scope="row">
                    {s.device}
                    {s.current && !props.person && <> ({t.thisDevice})</>}
                  </th>
                  <td class="utrecht-table__cell">{time(s.created_at)}</td>
                  <td class="utrecht-table__cell">{time(s.last_used_at)}</td>
                  <td class="utrecht-table__cell">
                    <button
                      type="button"
                      class="utrecht-button utrecht-button--secondary-action"
                      aria-label={t.endLabel(s.device, time(s.created_at))}
                      onClick={() => end(s)}
                    >
                      {t.end}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
