// Unlock: the keystore kept in this browser is opened with the passphrase
// in the key worker, and the person is signed in. A keystore file (from
// the CLI or another browser) can be brought over first. A new keystore
// staged by a rotation that did not finish is settled here
// (`keys/unfinished_rotation.ts`).

import { useEffect, useState } from "preact/hooks";
import { signInOrOffline } from "../api/auth";
import { copy } from "../copy";
import { loadKeystore, loadStagedKeystore, looksLikeKeystore, saveKeystore } from "../keys/keystore_db";
import { rotationOutcome, unlockUnfinished } from "../keys/unfinished_rotation";
import { ask, KeyError } from "../keys/worker_client";
import { begin, lockReason } from "../session";
import { say } from "../ui/errors";
import { Layout, nav } from "../ui/layout";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { ApiError } from "../api/http";
import { fetchPasskey } from "../api/passkeys";
import { signIn } from "../api/auth";
import { usePasskey } from "../keys/passkey";
import { passkeyTrouble } from "./passkeys";

export function Unlock() {
  const t = copy.value.unlock;
  const [stored, setStored] = useState<string | undefined | null>(null);
  const [staged, setStaged] = useState<string | undefined>(undefined);
  const [pass, setPass] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [imported, setImported] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    // What an earlier unlock settled is old news by the next one.
    rotationOutcome.value = null;
    loadKeystore().then(setStored, () => setStored(undefined));
    loadStagedKeystore().then(setStaged, () => setStaged(undefined));
  }, []);

  async function unlock(event: Event) {
    event.preventDefault();
    if (busy || !stored) return;
    setFailure(null);
    if (!pass) {
      setErrors([{ field: "wachtzin", text: t.empty }]);
      return;
    }
    setErrors([]);
    setBusy(true);
    try {
      if (staged) {
        begin(await unlockUnfinished(stored, staged, pass));
      } else {
        const opened = await ask("unlock", { keystore: stored, passphrase: pass });
        begin(await signInOrOffline(opened.keys, opened.fingerprint));
      }
    } catch (e) {
      if (e instanceof KeyError && e.kind === "wrong-passphrase") {
        setErrors([{ field: "wachtzin", text: t.wrong }]);
      } else {
        setFailure(say(e));
      }
    } finally {
      setBusy(false);
      setPass("");
    }
  }

  // A passkey instead of the passphrase: its PRF output derives the lookup
  // id and the key of the copy the server keeps. On a device without a
  // keystore this signs in too; nothing is written here (README "Passkeys").
  async function withPasskey() {
    if (busy) return;
    setFailure(null);
    setErrors([]);
    setBusy(true);
    try {
      const { prf } = await usePasskey();
      try {
        const { lookup_id } = await ask("passkeyLookup", { prf });
        const { blob } = await fetchPasskey(lookup_id);
        const opened = await ask("passkeyUnlock", { prf, blob });
        begin(await signIn(opened.keys, opened.fingerprint));
      } finally {
        prf.fill(0);
      }
    } catch (e) {
      if (e instanceof ApiError && e.kind === "not-found") setFailure(copy.value.passkeys.unknown);
      else if (e instanceof ApiError && e.kind === "too-many-refusals") setFailure(copy.value.recover.tooMany);
      else setFailure(passkeyTrouble(e) ?? say(e));
    } finally {
      setBusy(false);
    }
  }

  async function importFile(event: Event) {
    event.preventDefault();
    const input = document.getElementById("sleutelbestand") as HTMLInputElement | null;
    const file = input?.files?.[0];
    const text = file && file.size < 64 * 1024 ? await file.text() : "";
    if (!looksLikeKeystore(text)) {
      setErrors([{ field: "sleutelbestand", text: t.importBad }]);
      return;
    }
    await saveKeystore(text.trim() + "\n");
    setStored(text.trim() + "\n");
    setErrors([]);
    setImported(true);
  }

  const errorOf = (field: string) => errors.find((e) => e.field === field)?.text;
  const fileError = errorOf("sleutelbestand");

  return (
    <Layout title={t.title}>
      {lockReason.value === "idle" && <Notice kind="info">{t.locked}</Notice>}
      {lockReason.value === "ended" && <Notice kind="info">{t.ended}</Notice>}
      {imported && <Notice kind="ok">{t.imported}</Notice>}
      {staged && stored && <Notice kind="info">{copy.value.rotate.unfinished}</Notice>}
      <ErrorSummary errors={errors} />
      {failure && (
        <Notice kind="error" focus>
          {failure}
        </Notice>
      )}
      {stored === undefined && <p class="utrecht-paragraph">{t.noKeystore}</p>}
      {stored && (
        <form onSubmit={unlock} noValidate>
          <p class="utrecht-paragraph">{t.intro}</p>
          <TextField
            id="wachtzin"
            label={t.passphrase}
            type="password"
            value={pass}
            onInput={setPass}
            error={errorOf("wachtzin")}
            autocomplete="current-password"
          />
          {busy && <Notice kind="info">{t.working}</Notice>}
          <Button busy={busy}>{t.submit}</Button>
        </form>
      )}
      {stored !== null && (
        <section aria-labelledby="met-passkey" class="kluis-section">
          <h2 class="utrecht-heading-2" id="met-passkey">
            {t.passkeyTitle}
          </h2>
          <p class="utrecht-paragraph">{stored ? t.passkeyIntro : t.passkeyNewDevice}</p>
          <Button type="button" kind="secondary" busy={busy} onClick={withPasskey}>
            {stored ? t.passkeyUnlock : t.passkeySignIn}
          </Button>
        </section>
      )}
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href="/#/herstellen" onClick={nav("/herstellen")}>
          {t.lost}
        </a>
      </p>
      <section aria-labelledby="overzetten" class="kluis-section">
        <h2 class="utrecht-heading-2" id="overzetten">
          {t.importTitle}
        </h2>
        <p class="utrecht-paragraph">{t.importIntro}</p>
        <form onSubmit={importFile} noValidate>
          <div class={`utrecht-form-field${fileError ? " utrecht-form-field--invalid" : ""}`}>
            <div class="utrecht-form-field__label">
              <label class="utrecht-form-label" for="sleutelbestand">
                {t.importFile}
              </label>
            </div>
            {fileError && (
              <div class="utrecht-form-field-error-message" id="sleutelbestand-error">
                {fileError}
              </div>
            )}
            <div class="utrecht-form-field__input">
              <input
                id="sleutelbestand"
                type="file"
                class="kluis-file"
                aria-invalid={fileError ? "true" : undefined}
                aria-describedby={fileError ? "sleutelbestand-error" : undefined}
              />
            </div>
          </div>
          <Button kind="secondary">{t.importSubmit}</Button>
        </form>
      </section>
    </Layout>
  );
}
