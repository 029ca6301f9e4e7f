// Enrolment by link: `/welkom#CODE`. The person chooses a name and a
// passphrase; the key worker makes the keys, the keystore (the CLI's
// format) and a recovery code; the keystore is kept in this browser; the
// keys are registered with the invite code. Then the recovery code is shown
// once and the person types its last two groups back (`RecoveryCodeCheck`); only then is its
// blob stored on the server and the session begun, so nobody reaches the
// start screen (or makes a household) without having written the code down.

import { useState } from "preact/hooks";
import { register, signIn } from "../api/auth";
import { storeRecovery } from "../api/recovery";
import { ApiError } from "../api/http";
import { copy } from "../copy";
import { saveKeystore } from "../keys/keystore_db";
import { ask } from "../keys/worker_client";
import { go, inviteCode } from "../router";
import { begin } from "../session";
import { say } from "../ui/errors";
import { Layout } from "../ui/layout";
import { RecoveryCodeCheck } from "../ui/recovery_code_check";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";

export const MIN_PASSPHRASE = 12;

export function Welcome() {
  const t = copy.value.welcome;
  const code = inviteCode();
  const [name, setName] = useState("");
  const [pass, setPass] = useState("");
  const [again, setAgain] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<{
    recovery: { code: string; last_groups: string; lookup_id: string; blob: string };
    signed: Awaited<ReturnType<typeof signIn>>;
  } | null>(null);

  if (!code) {
    return (
      <Layout title={t.title}>
        <Notice kind="error">{t.noCode}</Notice>
      </Layout>
    );
  }

  const errorOf = (field: string) => errors.find((e) => e.field === field)?.text;

  async function submit(event: Event) {
    event.preventDefault();
    if (busy) return;
    const found: Array<{ field: string; text: string }> = [];
    if (!name.trim()) found.push({ field: "naam", text: t.needName });
    if ([...pass].length < MIN_PASSPHRASE) found.push({ field: "wachtzin", text: t.shortPassphrase });
    else if (pass !== again) found.push({ field: "wachtzin-nogmaals", text: t.notSame });
    setErrors(found);
    setFailure(null);
    if (found.length) return;
    setBusy(true);
    try {
      const made = await ask("create", { name: name.trim(), passphrase: pass });
      await register(code, made.keys);
      await saveKeystore(made.keystore);
      // The worker holds the new keys already: sign in with them, but show
      // the recovery code before the session begins.
      setPending({ recovery: made.recovery, signed: await signIn(made.keys, made.fingerprint) });
      setPass("");
      setAgain("");
    } catch (e) {
      setFailure(message(e));
    } finally {
      setBusy(false);
    }
  }

  async function confirm() {
    if (busy || !pending) return;
    setFailure(null);
    setBusy(true);
    try {
      const { lookup_id, blob } = pending.recovery;
      await storeRecovery(pending.signed.token.token, lookup_id, blob);
      begin(pending.signed);
      history.replaceState(null, "", "/");
      go("/");
    } catch (e) {
      setFailure(say(e));
    } finally {
      setBusy(false);
    }
  }

  function message(e: unknown): string {
    if (e instanceof ApiError) {
      if (e.kind === "invite-used") return t.inviteUsed;
      if (e.kind === "invite-expired") return t.inviteExpired;
      if (e.kind === "invite-invalid") return t.inviteInvalid;
    }
    return say(e);
  }

  if (pending) {
    return (
      <Layout title={t.codeTitle}>
        <RecoveryCodeCheck
          code={pending.recovery.code}
          lastGroups={pending.recovery.last_groups}
          intro={t.codeIntro}
          busy={busy}
          busyText={t.codeSaving}
          failure={failure}
          onConfirmed={confirm}
        />
      </Layout>
    );
  }

  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      <ErrorSummary errors={errors} />
      {failure && (
        <Notice kind="error" focus>
          {failure}
        </Notice>
      )}
      <form onSubmit={submit} noValidate>
        <TextField id="naam" label={t.name} hint={t.nameHint} value={name} onInput={setName} error={errorOf("naam")} autocomplete="name" />
        <TextField
          id="wachtzin"
          label={t.passphrase}
          hint={t.passphraseHint}
          type="password"
          value={pass}
          onInput={setPass}
          error={errorOf("wachtzin")}
          autocomplete="new-password"
        />
        <TextField
          id="wachtzin-nogmaals"
          label={t.passphraseAgain}
          type="password"
          value={again}
          onInput={setAgain}
          error={errorOf("wachtzin-nogmaals")}
          autocomplete="new-password"
        />
        {busy && <Notice kind="info">{t.working}</Notice>}
        <Button busy={busy}>{t.submit}</Button>
      </form>
    </Layout>
  );
}
