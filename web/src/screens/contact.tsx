// Trusted contacts (vertrouwenspersoon, `vault/src/api/contacts.rs`).
// `HouseholdContacts`, on the household screen for members: requests that
// wait (with a refuse button), the contacts (with remove), and naming one
// (the key worker checks their keys, envelopes the household key and signs
// the naming). `TrustedFor`, on the start screen of a client someone named:
// ask for access, see the waiting time, fetch access after it; the device
// then checks the household's signed history before showing it.

import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api/http";
import { copy } from "../copy";
import { when } from "../history/sentence";
import { del, get, op, post } from "../keys/op";
import { KeyError } from "../keys/worker_client";
import { Failure } from "../ui/failure";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { nav } from "../ui/layout";

const DAY_MS = 86_400_000;

interface ContactInfo {
  contact_id: string;
  name: string;
  named_by: string;
  named_at: string;
  wait_ms: number;
}

interface ContactRequest {
  request_id: string;
  household_id: string;
  contact_id: string;
  contact_name: string;
  requested_at: string;
  release_at: string;
  state: "waiting" | "refused" | "released" | "removed" | string;
  ended_at: string | null;
}

interface HouseholdContactList {
  contacts: ContactInfo[];
  requests: ContactRequest[];
}

interface NamedBy {
  household_id: string;
  wait_ms: number;
  named_at: string;
  request: ContactRequest | null;
}

const days = (ms: number) => Math.round(ms / DAY_MS);

/** For members: who may ask, who asks now, and naming someone. */
export function HouseholdContacts(props: { household: string }) {
  const c = copy.value;
  const t = c.contacts;
  const base = `/v1/households/${props.household}`;
  const [list, setList] = useState<HouseholdContactList | null>(null);
  const [principal, setPrincipal] = useState("");
  const [fingerprint, setFingerprint] = useState("");
  const [wait, setWait] = useState("7");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = () => get<HouseholdContactList>(`${base}/contacts`).then(setList, setFailure);
  useEffect(() => {
    load();
  }, [props.household]);

  async function act(what: () => Promise<string>) {
    setNotice(null);
    setFailure(null);
    setBusy(true);
    try {
      setNotice(await what());
      await load();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  async function add(e: Event) {
    e.preventDefault();
    const found = [];
    if (!/^p-[0-9a-f]{32}$/.test(principal.trim())) found.push({ field: "vertrouwd-nummer", text: c.members.badPrincipal });
    const n = Number(wait.trim());
    if (!Number.isInteger(n) || n < 1 || n > 90) found.push({ field: "vertrouwd-wachttijd", text: t.badWait });
    setErrors(found);
    if (found.length) return;
    await act(async () => {
      try {
        const { contact } = await op("nameContact", {
          household: props.household,
          principal_id: principal.trim(),
          fingerprint: fingerprint.trim() || undefined,
          wait_ms: n * DAY_MS,
        });
        setPrincipal("");
        setFingerprint("");
        return t.added(contact.name);
      } catch (err) {
        if (err instanceof KeyError && err.kind === "fingerprint-mismatch") {
          setErrors([{ field: "vertrouwd-code", text: c.members.mismatch }]);
          return "";
        }
        throw err;
      }
    });
  }

  const waiting = list?.requests.filter((r) => r.state === "waiting") ?? [];
  return (
    <section class="kluis-section" aria-labelledby="vertrouwenspersoon">
      <h2 class="utrecht-heading-2" id="vertrouwenspersoon">
        {t.title}
      </h2>
      {waiting.map((r) => (
        <div key={r.request_id} data-testid="contact-request">
          <Notice kind="info">{t.asks(r.contact_name, when(c, r.release_at))}</Notice>
          <Button
            type="button"
            kind="secondary"
            busy={busy}
            onClick={() =>
              act(async () => {
                await post(`${base}/contact-requests/${r.request_id}/refuse`, {});
                return t.refused(r.contact_name);
              })
            }
          >
            {t.refuse(r.contact_name)}
          </Button>
        </div>
      ))}
      <p class="utrecht-paragraph">{t.intro}</p>
      <p class="utrecht-paragraph">{t.server}</p>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {failure !== null && <Failure error={failure} />}
      {list && list.contacts.length === 0 && <p class="utrecht-paragraph">{t.none}</p>}
      {list && list.contacts.length > 0 && (
        <ul class="utrecht-unordered-list" data-testid="contacts">
          {list.contacts.map((k) => (
            <li class="utrecht-unordered-list__item" key={k.contact_id}>
              {t.listed(k.name, days(k.wait_ms))}{" "}
              <Button
                type="button"
                kind="secondary"
                busy={busy}
                onClick={() =>
                  act(async () => {
                    await del(`${base}/contacts/${k.contact_id}`);
                    return t.removed(k.name);
                  })
                }
              >
                {t.remove(k.name)}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <h3 class="utrecht-heading-3">{t.add}</h3>
      <ErrorSummary errors={errors} />
      <form onSubmit={add} noValidate>
        <TextField
          id="vertrouwd-nummer"
          label={t.principal}
          hint={t.principalHint}
          value={principal}
          onInput={setPrincipal}
          error={errors.find((x) => x.field === "vertrouwd-nummer")?.text}
        />
        <TextField
          id="vertrouwd-code"
          label={t.fingerprint}
          hint={c.members.fingerprintHint}
          value={fingerprint}
          onInput={setFingerprint}
          error={errors.find((x) => x.field === "vertrouwd-code")?.text}
        />
        <TextField
          id="vertrouwd-wachttijd"
          label={t.wait}
          hint={t.waitHint}
          value={wait}
          onInput={setWait}
          error={errors.find((x) => x.field === "vertrouwd-wachttijd")?.text}
        />
        <Button busy={busy}>{t.add}</Button>
      </form>
    </section>
  );
}

/** For a client someone named: ask, wait, fetch. Shows nothing when nobody named them. */
export function TrustedFor() {
  const [named, setNamed] = useState<NamedBy[] | null>(null);
  const load = () =>
    get<{ households: NamedBy[] }>("/v1/contacts").then(
      (l) => setNamed(l.households),
      () => setNamed([]),
    );
  useEffect(() => {
    load();
  }, []);
  if (!named || named.length === 0) return null;
  const t = copy.value.contacts;
  return (
    <section class="kluis-section" aria-labelledby="vertrouwd-voor">
      <h2 class="utrecht-heading-2" id="vertrouwd-voor">
        {t.forTitle}
      </h2>
      <p class="utrecht-paragraph">{t.forIntro}</p>
      {named.map((n) => (
        <NamedHousehold key={n.household_id} named={n} reload={load} />
      ))}
    </section>
  );
}

function NamedHousehold(props: { named: NamedBy; reload: () => Promise<void> }) {
  const c = copy.value;
  const t = c.contacts;
  const n = props.named;
  const h = n.household_id;
  const r = n.request;
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [released, setReleased] = useState(false);

  async function ask() {
    setBusy(true);
    setMessage(null);
    setFailure(null);
    try {
      await post(`/v1/households/${h}/contact-requests`, {});
      await props.reload();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  async function fetchAccess(request: ContactRequest) {
    setBusy(true);
    setMessage(null);
    setFailure(null);
    try {
      await post(`/v1/households/${h}/contact-requests/${request.request_id}/release`, {});
      // Nothing is shown before this device checked the household's signed
      // history (it ends in a member's naming of these keys).
      await op("household", { household: h });
      setReleased(true);
      setMessage({ kind: "ok", text: t.released });
    } catch (err) {
      if (err instanceof ApiError && err.kind === "contact-waiting") {
        setMessage({ kind: "error", text: t.tooEarly(when(c, request.release_at)) });
      } else if (err instanceof ApiError && err.kind === "contact-refused") {
        setMessage({ kind: "error", text: t.wasRefused });
        await props.reload();
      } else {
        setFailure(err);
      }
    } finally {
      setBusy(false);
    }
  }

  const to = `/huishouden/${h}`;
  return (
    <div class="kluis-section" data-testid="named-by">
      <h3 class="utrecht-heading-3">{t.household(h)}</h3>
      {message && <Notice kind={message.kind}>{message.text}</Notice>}
      {failure !== null && <Failure error={failure} />}
      {released ? (
        <a class="utrecht-link" href={`/#${to}`} onClick={nav(to)}>
          {t.open}
        </a>
      ) : r && r.state === "waiting" ? (
        <>
          <p class="utrecht-paragraph">{t.waiting(when(c, r.release_at))}</p>
          <Button type="button" busy={busy} onClick={() => fetchAccess(r)}>
            {t.fetch}
          </Button>
        </>
      ) : (
        <>
          {r && r.state === "refused" && <p class="utrecht-paragraph">{t.wasRefused}</p>}
          <p class="utrecht-paragraph">{t.askHint(days(n.wait_ms))}</p>
          <Button type="button" busy={busy} onClick={ask}>
            {t.ask}
          </Button>
        </>
      )}
    </div>
  );
}
