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
import { Caseload } from "./caseload";
import { TrustedFor } from "./contact";
import { MyShareLink } from "./my_share_link";
import { LinkList } from "../ui/link_list";

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
    if (s.me.role !== "client") return;
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
    <Layout title={s.me.role === "client" ? t.title : t.startTitle}>
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
      {s.me.role === "auditor" && <AuditorStart />}
      {s.me.role === "admin" && <AdminStart />}
      {s.me.role === "professional" && <Caseload />}
      {s.me.role === "professional" && <MyShareLink />}
      {s.me.role === "client" && (
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
      )}
      {s.me.role === "client" && <TrustedFor />}
      <section aria-labelledby="apparaten" class="kluis-section">
        <h2 class="utrecht-heading-2" id="apparaten">
          {copy.value.sessions.title}
        </h2>
        <p class="utrecht-paragraph">{copy.value.sessions.homeHint}</p>
        <a class="utrecht-link" href="/#/apparaten" onClick={nav("/apparaten")}>
          {copy.value.sessions.homeLink}
        </a>
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

/** The auditor's start: the log, to search and to check. */
function AuditorStart() {
  const t = copy.value.audit;
  return (
    <section aria-labelledby="logboek" class="kluis-section">
      <h2 class="utrecht-heading-2" id="logboek">
        {t.homeTitle}
      </h2>
      <p class="utrecht-paragraph">{t.homeIntro}</p>
      <LinkList
        links={[
          ["/logboek", t.searchLink],
          ["/logboek/controleren", t.verifyLink],
        ]}
      />
    </section>
  );
}

/** The administrator's start: invitations, people, keeping and deleting. */
function AdminStart() {
  const t = copy.value.admin;
  const links: Array<[string, string]> = [
    ["/beheer/uitnodigen", t.inviteLink],
    ["/beheer/mensen", t.peopleLink],
    ["/beheer/bewaren", t.retentionLink],
  ];
  return (
    <section aria-labelledby="beheer" class="kluis-section">
      <h2 class="utrecht-heading-2" id="beheer">
        {t.homeTitle}
      </h2>
      <p class="utrecht-paragraph">{t.homeIntro}</p>
      <LinkList links={links} />
    </section>
  );
}
