// "Ik ben mijn wachtzin kwijt": the recovery code gets the keys back. The
// key worker reads the code (a typo is caught there, nothing is sent) and
// derives its lookup id; the server hands back the blob filed under it; the
// worker opens it with the code and writes a keystore with the new
// passphrase, which replaces the one kept in this browser. The server never
// sees the code (see README "Lost your passphrase?").

import { useState } from "preact/hooks";
import { signIn } from "../api/auth";
import { ApiError } from "../api/http";
import { fetchRecovery } from "../api/recovery";
import { copy } from "../copy";
import { saveKeystore } from "../keys/keystore_db";
import { ask, KeyError } from "../keys/worker_client";
import { go } from "../router";
import { begin } from "../session";
import { say } from "../ui/errors";
import { Layout, nav } from "../ui/layout";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { MIN_PASSPHRASE } from "./welcome";

export function Recover() {
  const t = copy.value.recover;
  const w = copy.value.welcome;
  const [code, setCode] = useState("");
  const [pass, setPass] = useState("");
  const [again, setAgain] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorOf = (field: string) => errors.find((e) => e.field === field)?.text;

  async function submit(event: Event) {
    event.preventDefault();
    if (busy) return;
    const found: Array<{ field: string; text: string }> = [];
    if (!code.trim()) found.push({ field: "herstelcode", text: t.needCode });
    if ([...pass].length < MIN_PASSPHRASE) found.push({ field: "nieuwe-wachtzin", text: w.shortPassphrase });
    else if (pass !== again) found.push({ field: "nieuwe-wachtzin-nogmaals", text: w.notSame });
    setErrors(found);
    setFailure(null);
    if (found.length) return;
    setBusy(true);
    try {
      const { lookup_id } = await ask("recoveryLookup", { code });
      const { blob } = await fetchRecovery(lookup_id);
      const opened = await ask("recover", { code, blob, passphrase: pass });
      await saveKeystore(opened.keystore);
      begin(await signIn(opened.keys, opened.fingerprint));
      go("/");
    } catch (e) {
      if (e instanceof KeyError && e.kind === "recovery-code") {
        setErrors([{ field: "herstelcode", text: t.badCode }]);
      } else if (e instanceof ApiError && e.kind === "not-found") {
        setErrors([{ field: "herstelcode", text: t.unknownCode }]);
      } else if (e instanceof ApiError && e.kind === "too-many-refusals") {
        setFailure(t.tooMany);
      } else {
        setFailure(say(e));
      }
    } finally {
      setBusy(false);
    }
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
        <TextField
          id="herstelcode"
          label={t.code}
          hint={t.codeHint}
          value={code}
          onInput={setCode}
          error={errorOf("herstelcode")}
          autocomplete="off"
        />
        <TextField
          id="nieuwe-wachtzin"
          label={t.passphrase}
          hint={w.passphraseHint}
          type="password"
          value={pass}
          onInput={setPass}
          error={errorOf("nieuwe-wachtzin")}
          autocomplete="new-password"
        />
        <TextField
          id="nieuwe-wachtzin-nogmaals"
          label={t.passphraseAgain}
          type="password"
          value={again}
          onInput={setAgain}
          error={errorOf("nieuwe-wachtzin-nogmaals")}
          autocomplete="new-password"
        />
        {busy && <Notice kind="info">{t.working}</Notice>}
        <Button busy={busy}>{t.submit}</Button>
      </form>
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href="/#/" onClick={nav("/")}>
          {t.back}
        </a>
      </p>
    </Layout>
  );
}
