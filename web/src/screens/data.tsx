// Take your data: the export (the CLI's age file, encrypted to the
// person's own key) and, after the passphrase is typed again, the key that
// opens it, with the CLI's warning.

import { useState } from "preact/hooks";
import { copy } from "../copy";
import { loadKeystore } from "../keys/keystore_db";
import { ask, KeyError } from "../keys/worker_client";
import { op } from "../keys/op";
import { download } from "../ui/download";
import { say } from "../ui/errors";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { Layout } from "../ui/layout";

export function Data(props: { household: string }) {
  const t = copy.value.data;
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [pass, setPass] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [keyNotice, setKeyNotice] = useState<string | null>(null);

  async function exportNow() {
    setBusy(true);
    setFailure(null);
    setNotice(t.working);
    try {
      const r = await op("exportHousehold", { household: props.household });
      download(`kluis-export-${props.household}.age`, r.file);
      setNotice(t.done(r.fields, r.versions, r.log_entries));
    } catch (e) {
      setNotice(null);
      setFailure(say(e));
    } finally {
      setBusy(false);
    }
  }

  async function key(e: Event) {
    e.preventDefault();
    setErrors([]);
    setKeyNotice(null);
    const keystore = await loadKeystore();
    if (!keystore) return;
    try {
      const { identity } = await ask("ageIdentity", { keystore, passphrase: pass });
      download("kluis-sleutel.txt", `${identity}\n`);
      setKeyNotice(t.keyDone);
    } catch (err) {
      if (err instanceof KeyError && err.kind === "wrong-passphrase") {
        setErrors([{ field: "sleutel-wachtzin", text: t.wrong }]);
      } else {
        setFailure(say(err));
      }
    } finally {
      setPass("");
    }
  }

  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      {notice && <Notice kind="info">{notice}</Notice>}
      {failure && <Notice kind="error">{failure}</Notice>}
      <Button type="button" busy={busy} onClick={exportNow}>
        {t.download}
      </Button>
      <section class="kluis-section" aria-labelledby="sleutel">
        <h2 class="utrecht-heading-2" id="sleutel">
          {t.keyTitle}
        </h2>
        <Notice kind="info">{t.keyWarning}</Notice>
        <p class="utrecht-paragraph">
          <code class="utrecht-code">{t.keyHow}</code>
        </p>
        <ErrorSummary errors={errors} />
        {keyNotice && <Notice kind="ok">{keyNotice}</Notice>}
        <form onSubmit={key} noValidate>
          <TextField
            id="sleutel-wachtzin"
            type="password"
            label={t.passphrase}
            value={pass}
            onInput={setPass}
            error={errors.find((x) => x.field === "sleutel-wachtzin")?.text}
            autocomplete="current-password"
          />
          <Button kind="secondary">{t.keyDownload}</Button>
        </form>
      </section>
    </Layout>
  );
}
