// The signed-in start screen: who you are (with the key code to compare),
// your households, and your keystore to take to another device.

import { useEffect, useState } from "preact/hooks";
import { copy } from "../copy";
import { loadKeystore } from "../keys/keystore_db";
import { session } from "../session";
import { Layout, nav } from "../ui/layout";
import { Button, Notice } from "../ui/form";
import { get, op } from "../keys/op";
import { go } from "../router";
import { say } from "../ui/errors";
import { download as save } from "../ui/download";

export function Home() {
  const t = copy.value.home;
  const s = session.value!;
  const [households, setHouseholds] = useState<string[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function create() {
    setBusy(true);
    setFailure(null);
    try {
      const { household } = await op("createHousehold", {});
      go(`/huishouden/${household}`);
    } catch (e) {
      setFailure(say(e));
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    get<{ households: string[] }>("/v1/households").then(
      (list) => setHouseholds(list.households),
      () => setFailure(copy.value.errors.unknown),
    );
  }, []);

  async function download() {
    const text = await loadKeystore();
    if (!text) return;
    save("kluis.keystore", text);
  }

  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.signedInAs(s.me.name)}</p>
      <dl class="kluis-facts">
        <dt>{t.fingerprint}</dt>
        <dd>
          <code class="utrecht-code kluis-fingerprint" data-testid="fingerprint">
            {s.me.fingerprint}
          </code>
        </dd>
      </dl>
      <p class="utrecht-paragraph">{t.fingerprintHint}</p>
      <section aria-labelledby="huishoudens" class="kluis-section">
        <h2 class="utrecht-heading-2" id="huishoudens">
          {t.households}
        </h2>
        {failure && <Notice kind="error">{failure}</Notice>}
        {households && households.length === 0 && <p class="utrecht-paragraph">{t.none}</p>}
        {households && s.me.role === "client" && (
          <Button type="button" busy={busy} onClick={create}>
            {t.create}
          </Button>
        )}
        {households && households.length > 0 && (
          <ul class="utrecht-unordered-list" data-testid="households">
            {households.map((h) => (
              <li class="utrecht-unordered-list__item" key={h}>
                <a class="utrecht-link" href={`/#/huishouden/${h}`} onClick={nav(`/huishouden/${h}`)}>
                  {t.open} <code class="utrecht-code">{h}</code>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="sleutels" class="kluis-section">
        <h2 class="utrecht-heading-2" id="sleutels">
          {t.downloadKeystore}
        </h2>
        <p class="utrecht-paragraph">{t.downloadHint}</p>
        <button type="button" class="utrecht-button utrecht-button--secondary-action" onClick={download}>
          {t.downloadKeystore}
        </button>
      </section>
    </Layout>
  );
}
