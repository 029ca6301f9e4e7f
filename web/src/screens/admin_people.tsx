// "Mensen": everyone with an account (`GET /v1/principals`, every look
// logged), with their status; an administrator ends someone's sessions (a
// lost phone: all of them, or one from the list of their devices,
// `SessionTable`), blocks them (with a reason, which their household can read
// in its history) or lets them in again.

import { useEffect, useRef, useState } from "preact/hooks";
import { copy } from "../copy";
import { del, get, post } from "../keys/op";
import { session } from "../session";
import { say } from "../ui/errors";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { Layout } from "../ui/layout";
import { SessionTable } from "./sessions";

interface Person {
  principal_id: string;
  name: string;
  role: string;
  org: string | null;
  fingerprint: string;
  disabled_at: string | null;
}

export function AdminPeople() {
  const c = copy.value;
  const t = c.admin.people;
  const me = session.value!.me.principal_id;
  const [q, setQ] = useState("");
  const [people, setPeople] = useState<{ people: Person[]; more: boolean } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [blocking, setBlocking] = useState<Person | null>(null);
  const [devices, setDevices] = useState<Person | null>(null);

  async function load(text = q) {
    try {
      setPeople(await get(`/v1/principals${text.trim() ? `?q=${encodeURIComponent(text.trim())}` : ""}`));
    } catch (e) {
      setFailure(say(e));
    }
  }

  useEffect(() => {
    load("");
  }, []);

  async function act(what: () => Promise<string>) {
    setNotice(null);
    setFailure(null);
    try {
      setNotice(await what());
      await load();
    } catch (e) {
      setFailure(say(e));
    }
  }

  const signOut = (p: Person) =>
    act(async () => {
      const r = await del<{ sessions_ended: number }>(`/v1/principals/${p.principal_id}/sessions`);
      return t.signedOut(p.name, r.sessions_ended);
    });
  const enable = (p: Person) =>
    act(async () => {
      await post(`/v1/principals/${p.principal_id}/enable`, {});
      return t.enabledNow(p.name);
    });

  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {failure && <Notice kind="error">{failure}</Notice>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          load();
        }}
        noValidate
        role="search"
      >
        <TextField id="mensen-zoeken" type="search" label={t.search} value={q} onInput={setQ} />
        <Button>{t.submit}</Button>
      </form>
      {blocking && (
        <Block
          person={blocking}
          onDone={(text) => {
            setBlocking(null);
            if (text) {
              setNotice(text);
              load();
            }
          }}
        />
      )}
      {devices && (
        <section class="kluis-section" aria-labelledby="apparaten-van">
          <h2 class="utrecht-heading-2" id="apparaten-van" tabIndex={-1}>
            {`${c.sessions.title}: ${devices.name}`}
          </h2>
          <SessionTable person={{ id: devices.principal_id, name: devices.name }} onNotice={setNotice} />
        </section>
      )}
      {people && people.people.length === 0 && <p class="utrecht-paragraph">{t.none}</p>}
      {people && people.people.length > 0 && (
        <div class="kluis-table-scroll" tabIndex={0} role="region" aria-label={t.title}>
          <table class="utrecht-table" data-testid="people">
            <thead class="utrecht-table__header">
              <tr class="utrecht-table__row">
                <th class="utrecht-table__header-cell" scope="col">{t.columns.name}</th>
                <th class="utrecht-table__header-cell" scope="col">{t.columns.role}</th>
                <th class="utrecht-table__header-cell" scope="col">{t.columns.org}</th>
                <th class="utrecht-table__header-cell" scope="col">{t.columns.status}</th>
                <th class="utrecht-table__header-cell" scope="col">{t.columns.actions}</th>
              </tr>
            </thead>
            <tbody class="utrecht-table__body">
              {people.people.map((p) => (
                <tr class="utrecht-table__row" key={p.principal_id} data-principal={p.principal_id}>
                  <th class="utrecht-table__header-cell" scope="row">
                    {p.name}
                  </th>
                  <td class="utrecht-table__cell">{c.admin.roles[p.role] ?? p.role}</td>
                  <td class="utrecht-table__cell">{p.org ?? ""}</td>
                  <td class="utrecht-table__cell">{p.disabled_at ? t.disabled : t.active}</td>
                  <td class="utrecht-table__cell">
                    {p.principal_id !== me && (
                      <span class="kluis-actions">
                        <button
                          type="button"
                          class="utrecht-button utrecht-button--secondary-action"
                          aria-label={`${t.sessionsShort}: ${p.name}`}
                          onClick={() => {
                            setDevices(p);
                            queueMicrotask(() => document.getElementById("apparaten-van")?.focus());
                          }}
                        >
                          {t.sessionsShort}
                        </button>{" "}
                        <button type="button" class="utrecht-button utrecht-button--secondary-action" aria-label={`${t.signOutShort}: ${p.name}`} onClick={() => signOut(p)}>
                          {t.signOutShort}
                        </button>{" "}
                        {p.disabled_at ? (
                          <button type="button" class="utrecht-button utrecht-button--secondary-action" aria-label={`${t.enableShort}: ${p.name}`} onClick={() => enable(p)}>
                            {t.enableShort}
                          </button>
                        ) : (
                          <button type="button" class="utrecht-button utrecht-button--secondary-action" aria-label={`${t.disableShort}: ${p.name}`} onClick={() => setBlocking(p)}>
                            {t.disableShort}
                          </button>
                        )}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {people?.more && <p class="utrecht-paragraph">{t.more}</p>}
    </Layout>
  );
}

/** Blocking someone asks why first (the reason goes into the log). */
function Block(props: { person: Person; onDone: (notice: string | null) => void }) {
  const t = copy.value.admin.people;
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [props.person.principal_id]);

  async function submit(e: Event) {
    e.preventDefault();
    const found = reason.trim() ? [] : [{ field: "blokkeer-reden", text: t.badReason }];
    setErrors(found);
    if (found.length) return;
    setBusy(true);
    try {
      await post(`/v1/principals/${props.person.principal_id}/disable`, { reason: reason.trim() });
      props.onDone(t.disabledNow(props.person.name));
    } catch (err) {
      setFailure(say(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="kluis-section" aria-labelledby="blokkeren">
      <h2 class="utrecht-heading-2" id="blokkeren" tabIndex={-1} ref={heading}>
        {t.disable(props.person.name)}
      </h2>
      <ErrorSummary errors={errors} />
      {failure && <Notice kind="error">{failure}</Notice>}
      <form onSubmit={submit} noValidate>
        <TextField id="blokkeer-reden" label={t.reason} hint={t.reasonHint} value={reason} error={errors[0]?.text} onInput={setReason} />
        <Button busy={busy}>{t.disableShort}</Button>{" "}
        <button type="button" class="utrecht-button utrecht-button--secondary-action" onClick={() => props.onDone(null)}>
          {t.cancel}
        </button>
      </form>
    </section>
  );
}
