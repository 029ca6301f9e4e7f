// Passkeys, on "Apparaten en sessies": the person's passkeys that unlock
// kluis (`GET /v1/passkeys`), "Verwijderen" per passkey, and adding one.
// Adding asks for the passphrase again (the worker holds the keys only as
// non-extractable keys, so it opens the keystore kept in this browser to
// wrap its secrets; checked before the passkey is made), then makes a
// passkey with the PRF extension; the key
// worker wraps the keystore with the key the PRF output derives and the
// server keeps that copy (`PUT /v1/passkeys`). A passkey or browser without
// PRF is said plainly; the passphrase keeps working either way.

import { useEffect, useState } from "preact/hooks";
import type { PasskeyInfo } from "../api/passkeys";
import { copy } from "../copy";
import { when } from "../history/sentence";
import { loadKeystore } from "../keys/keystore_db";
import { del, get, put } from "../keys/op";
import { createPasskey, forgetPasskey, PasskeyProblem } from "../keys/passkey";
import { ask, KeyError } from "../keys/worker_client";
import { session } from "../session";
import { say } from "../ui/errors";
import { Button, Notice, TextField } from "../ui/form";

/** Plain words for a passkey that could not be used (also for the unlock screen). */
export function passkeyTrouble(e: unknown): string | null {
  const t = copy.value.passkeys;
  if (e instanceof PasskeyProblem) return t.problem[e.kind];
  if (e instanceof KeyError && e.kind === "passkey-blob") return t.blobBad;
  return null;
}

export function PasskeySection() {
  const c = copy.value;
  const t = c.passkeys;
  const me = session.value!.me;
  const [list, setList] = useState<PasskeyInfo[] | null>(null);
  const [stored, setStored] = useState<string | undefined | null>(null);
  const [label, setLabel] = useState("");
  const [pass, setPass] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function load() {
    try {
      setList((await get<{ passkeys: PasskeyInfo[] }>("/v1/passkeys")).passkeys);
    } catch (e) {
      setFailure(say(e));
    }
  }
  useEffect(() => {
    load();
    loadKeystore().then(setStored, () => setStored(undefined));
  }, []);

  async function add(event: Event) {
    event.preventDefault();
    if (busy || !stored) return;
    const found: Array<{ field: string; text: string }> = [];
    if (!label.trim()) found.push({ field: "passkey-naam", text: t.needLabel });
    if (!pass) found.push({ field: "passkey-wachtzin", text: c.unlock.empty });
    setErrors(found);
    setNotice(null);
    setFailure(null);
    if (found.length) return;
    setBusy(true);
    try {
      // The passphrase first: a wrong one should not leave a passkey made for nothing.
      await ask("passkeyPrepare", { keystore: stored, passphrase: pass });
      let made;
      try {
        made = await createPasskey({ id: me.principal_id, name: me.name });
      } catch (e) {
        await ask("passkeyCancel", {});
        throw e;
      }
      const sealed = await ask("passkeySeal", { prf: made.prf });
      made.prf.fill(0);
      await put("/v1/passkeys", { ...sealed, credential_id: made.credentialId, label: label.trim() });
      setNotice(t.added(label.trim()));
      setLabel("");
      await load();
    } catch (e) {
      if (e instanceof KeyError && e.kind === "wrong-passphrase") {
        setErrors([{ field: "passkey-wachtzin", text: c.unlock.wrong }]);
      } else {
        setFailure(passkeyTrouble(e) ?? say(e));
      }
    } finally {
      setPass("");
      setBusy(false);
    }
  }

  async function remove(p: PasskeyInfo) {
    setNotice(null);
    setFailure(null);
    try {
      await del(`/v1/passkeys/${p.id}`);
      forgetPasskey(p.credential_id);
      setNotice(t.removed(p.label));
      await load();
    } catch (e) {
      setFailure(say(e));
    }
  }

  const errorOf = (field: string) => errors.find((e) => e.field === field)?.text;
  return (
    <section class="kluis-section" aria-labelledby="passkeys">
      <h2 class="utrecht-heading-2" id="passkeys">
        {t.title}
      </h2>
      <p class="utrecht-paragraph">{t.intro}</p>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {failure && (
        <Notice kind="error" focus>
          {failure}
        </Notice>
      )}
      {list && list.length === 0 && <p class="utrecht-paragraph">{t.none}</p>}
      {list && list.length > 0 && (
        <ul class="utrecht-unordered-list" data-testid="passkeys">
          {list.map((p) => (
            <li class="utrecht-unordered-list__item" key={p.id} data-passkey={p.id}>
              {t.item(p.label, when(c, p.created_at), p.last_used_at ? when(c, p.last_used_at) : null)}{" "}
              <button
                type="button"
                class="utrecht-button utrecht-button--secondary-action"
                aria-label={t.removeLabel(p.label)}
                onClick={() => remove(p)}
              >
                {t.remove}
              </button>
            </li>
          ))}
        </ul>
      )}
      <h3 class="utrecht-heading-3">{t.addTitle}</h3>
      {stored === undefined && <p class="utrecht-paragraph">{t.noKeystore}</p>}
      {stored && (
        <form onSubmit={add} noValidate>
          <p class="utrecht-paragraph">{t.addIntro}</p>
          {errors.length > 0 && (
            <Notice kind="error">{errors.map((e) => e.text).join(" ")}</Notice>
          )}
          <TextField id="passkey-naam" label={t.label} hint={t.labelHint} value={label} onInput={setLabel} error={errorOf("passkey-naam")} autocomplete="off" />
          <TextField
            id="passkey-wachtzin"
            label={t.passphrase}
            type="password"
            value={pass}
            onInput={setPass}
            error={errorOf("passkey-wachtzin")}
            autocomplete="current-password"
          />
          {busy && <Notice kind="info">{t.working}</Notice>}
          <Button busy={busy}>{t.add}</Button>
        </form>
      )}
    </section>
  );
}
