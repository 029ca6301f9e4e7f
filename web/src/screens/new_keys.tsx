// Someone's keys changed since this device pinned them (`/#/sleutels/p-…`):
// the browser's `kluis keys trust`. The device shows the old key code and
// the new one, computed here from keys the key directory proves, and pins
// the new keys only after the person compared the code with the one the
// other person reads out from their own device.

import { useEffect, useState } from "preact/hooks";
import { copy } from "../copy";
import { KeyError } from "../keys/worker_client";
import { op } from "../keys/op";
import { say } from "../ui/errors";
import { Button, Checkbox, ErrorSummary, Notice } from "../ui/form";
import { Layout } from "../ui/layout";
import type { Person } from "../worker/protocol";

export function NewKeys(props: { principal: string }) {
  const c = copy.value;
  const t = c.newKeys;
  const [person, setPerson] = useState<Person | null>(null);
  const [pinned, setPinned] = useState<string | null>(null);
  const [compared, setCompared] = useState(false);
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [failure, setFailure] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    op("newKeys", { principal_id: props.principal }).then(
      (r) => {
        setPerson(r.person);
        setPinned(r.pinned);
      },
      // Keys the key directory does not prove are never offered.
      (e) => setFailure(e instanceof KeyError && e.kind === "untrusted" ? t.notListed : say(e)),
    );
  }, [props.principal]);

  async function accept(e: Event) {
    e.preventDefault();
    if (!compared) {
      setErrors([{ field: "sleutels-vergeleken", text: t.needCompared }]);
      return;
    }
    setErrors([]);
    setBusy(true);
    try {
      // Pinned only if the keys the server gives now still have the code shown.
      const p = await op("trustKeys", { principal_id: props.principal, fingerprint: person!.fingerprint });
      setDone(t.accepted(p.name));
    } catch (err) {
      setFailure(err instanceof KeyError && err.kind === "untrusted" ? t.notListed : say(err));
    } finally {
      setBusy(false);
    }
  }

  const unchanged = person !== null && pinned === person.fingerprint;
  return (
    <Layout title={t.title}>
      {failure && <Notice kind="error">{failure}</Notice>}
      {done && (
        <Notice kind="ok" focus>
          {done}
        </Notice>
      )}
      {!person && !failure && <p class="utrecht-paragraph">{t.checking}</p>}
      {person && unchanged && !done && <Notice kind="info">{t.unchanged}</Notice>}
      {person && !unchanged && !done && (
        <form onSubmit={accept} noValidate>
          <ErrorSummary errors={errors} />
          <p class="utrecht-paragraph">{t.intro(person.org ? `${person.name} (${person.org})` : person.name)}</p>
          <dl class="kluis-facts">
            {pinned && (
              <>
                <dt>{t.old}</dt>
                <dd>
                  <code class="utrecht-code kluis-fingerprint" data-testid="old-fingerprint">
                    {pinned}
                  </code>
                </dd>
              </>
            )}
            <dt>{t.new}</dt>
            <dd>
              <code class="utrecht-code kluis-fingerprint" data-testid="new-fingerprint">
                {person.fingerprint}
              </code>
            </dd>
          </dl>
          <p class="utrecht-paragraph">{t.compare(person.name)}</p>
          <Checkbox
            id="sleutels-vergeleken"
            label={t.compared}
            checked={compared}
            onChange={setCompared}
            describedBy={errors.length ? "sleutels-vergeleken-error" : undefined}
          />
          {errors.length > 0 && (
            <p class="utrecht-form-field-error-message" id="sleutels-vergeleken-error">
              {t.needCompared}
            </p>
          )}
          <Button busy={busy}>{t.accept}</Button>
        </form>
      )}
      <div class="utrecht-button-group">
        <Button type="button" kind="secondary" onClick={() => history.back()}>
          {t.back}
        </Button>
      </div>
    </Layout>
  );
}
