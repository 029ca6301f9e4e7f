// "Nieuwe sleutels maken", on Apparaten en sessies: the browser's
// `kluis keys rotate`. The order keeps a way back at every step
// (`worker/ops_rotate.ts`): the worker makes the new keys, their keystore
// and a new recovery code; this page stores the keystore beside the current
// one (staged) and has the code typed back; only then is the rotation sent;
// only after it took effect does the staged keystore become the current
// one. A closed tab or a lost answer leaves the staged keystore, which the
// next unlock settles (`keys/unfinished_rotation.ts`).

import { useEffect, useRef, useState } from "preact/hooks";
import { signIn } from "../api/auth";
import { copy } from "../copy";
import { dropStagedKeystore, loadKeystore, promoteStagedKeystore, stageKeystore } from "../keys/keystore_db";
import { op } from "../keys/op";
import { forgetAllPasskeys } from "../keys/passkey";
import { KeyError } from "../keys/worker_client";
import { begin } from "../session";
import { say } from "../ui/errors";
import { Button, Notice, TextField } from "../ui/form";
import { RecoveryCodeCheck } from "../ui/recovery_code_check";

type Step =
  | { kind: "start" }
  | { kind: "code"; code: string; lastGroups: string }
  | { kind: "unsure" }
  | { kind: "done"; fingerprint: string };

const FIELD = "nieuwe-sleutels-wachtzin";

export function RotateSection() {
  const c = copy.value;
  const t = c.rotate;
  const [stored, setStored] = useState<string | undefined | null>(null);
  const [pass, setPass] = useState("");
  const [step, setStep] = useState<Step>({ kind: "start" });
  const [error, setError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    loadKeystore().then(setStored, () => setStored(undefined));
  }, []);
  // Each new step is announced from its heading, for keyboard and screen reader users.
  useEffect(() => {
    if (step.kind !== "start") heading.current?.focus();
  }, [step.kind]);

  async function prepare(event: Event) {
    event.preventDefault();
    if (busy || !stored) return;
    setFailure(null);
    setNotice(null);
    if (!pass) {
      setError(c.unlock.empty);
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const made = await op("rotatePrepare", { keystore: stored, passphrase: pass });
      // Kept on this device before anything is sent.
      await stageKeystore(made.keystore);
      setStep({ kind: "code", code: made.recovery.code, lastGroups: made.recovery.last_groups });
    } catch (e) {
      if (e instanceof KeyError && e.kind === "wrong-passphrase") setError(c.unlock.wrong);
      else setFailure(say(e));
    } finally {
      setPass("");
      setBusy(false);
    }
  }

  async function send() {
    if (busy) return;
    setFailure(null);
    setBusy(true);
    try {
      const rotated = await op("rotateSend", {});
      await promoteStagedKeystore();
      // The server forgot every passkey copy of the old keys.
      forgetAllPasskeys();
      begin(await signIn(rotated.keys, rotated.fingerprint));
      setStored(await loadKeystore());
      setStep({ kind: "done", fingerprint: rotated.fingerprint });
    } catch (e) {
      if (e instanceof KeyError && e.kind === "rotation-refused") {
        await dropStagedKeystore().catch(() => undefined);
        setStep({ kind: "start" });
        setFailure(t.refused);
      } else if (e instanceof KeyError && e.kind === "rotation-unsure") {
        setStep({ kind: "unsure" });
      } else {
        setFailure(say(e));
      }
    } finally {
      setBusy(false);
    }
  }

  async function stop() {
    if (busy) return;
    await op("rotateCancel", {}).catch(() => undefined);
    await dropStagedKeystore().catch(() => undefined);
    setStep({ kind: "start" });
    setNotice(t.stopped);
  }

  return (
    <section class="kluis-section" aria-labelledby="nieuwe-sleutels" data-testid="rotate">
      <h2 class="utrecht-heading-2" id="nieuwe-sleutels" tabIndex={-1} ref={heading}>
        {step.kind === "code" ? t.codeTitle : t.title}
      </h2>
      {step.kind === "start" && (
        <>
          <p class="utrecht-paragraph">{t.intro}</p>
          <p class="utrecht-paragraph">{t.introMore}</p>
          {notice && <Notice kind="ok">{notice}</Notice>}
          {failure && (
            <Notice kind="error" focus>
              {failure}
            </Notice>
          )}
          {stored === undefined && <p class="utrecht-paragraph">{t.noKeystore}</p>}
          {stored && (
            <form onSubmit={prepare} noValidate>
              <TextField
                id={FIELD}
                label={t.passphrase}
                hint={t.passphraseHint}
                type="password"
                value={pass}
                onInput={setPass}
                error={error ?? undefined}
                autocomplete="current-password"
              />
              {busy && <Notice kind="info">{t.working}</Notice>}
              <Button busy={busy}>{t.submit}</Button>
            </form>
          )}
        </>
      )}
      {step.kind === "code" && (
        <>
          <RecoveryCodeCheck
            code={step.code}
            lastGroups={step.lastGroups}
            intro={t.codeIntro}
            busy={busy}
            busyText={t.sending}
            failure={failure}
            onConfirmed={send}
          />
          <p class="utrecht-paragraph">
            <Button kind="secondary" type="button" busy={busy} onClick={stop}>
              {t.stop}
            </Button>
          </p>
        </>
      )}
      {step.kind === "unsure" && (
        <>
          <Notice kind="info">{t.unsure}</Notice>
          {failure && <Notice kind="error">{failure}</Notice>}
          {busy && <Notice kind="info">{t.sending}</Notice>}
          <Button type="button" busy={busy} onClick={send}>
            {t.retry}
          </Button>
        </>
      )}
      {step.kind === "done" && (
        <>
          <Notice kind="ok">{t.done(step.fingerprint)}</Notice>
          <p class="utrecht-paragraph">{t.doneElsewhere}</p>
        </>
      )}
    </section>
  );
}
