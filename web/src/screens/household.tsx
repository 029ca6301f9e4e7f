// One household: what can be done with it, and its members (after the
// device checked the household's signed chain), with adding a member, and
// its trusted contacts (`contact.tsx`).

import { useEffect, useState } from "preact/hooks";
import { copy } from "../copy";
import { KeyError } from "../keys/worker_client";
import { op } from "../keys/op";
import { session } from "../session";
import { Failure } from "../ui/failure";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { Layout } from "../ui/layout";
import { LinkList } from "../ui/link_list";
import type { Member } from "../worker/protocol";
import { HouseholdContacts } from "./contact";

export function Household(props: { household: string }) {
  const c = copy.value;
  const t = c.household;
  const base = `/huishouden/${props.household}`;
  const professional = session.value?.me.role === "professional";
  const links: Array<[string, string]> = professional
    ? [
        [`${base}/plan`, t.plan],
        [`${base}/notities`, c.observations.link],
      ]
    : [
        [`${base}/plan`, t.plan],
        [`${base}/delen`, t.sharing],
        [`${base}/geschiedenis`, t.history],
        [`${base}/gegevens`, t.data],
      ];
  return (
    <Layout title={t.title}>
      <dl class="kluis-facts">
        <dt>{t.id}</dt>
        <dd>
          <code class="utrecht-code" data-testid="household-id">
            {props.household}
          </code>
        </dd>
      </dl>
      <nav aria-label={t.title}>
        <LinkList links={links} />
      </nav>
      {!professional && <Members household={props.household} />}
      {!professional && <HouseholdContacts household={props.household} />}
    </Layout>
  );
}

function Members(props: { household: string }) {
  const c = copy.value;
  const t = c.members;
  const me = session.value!.me.principal_id;
  const [members, setMembers] = useState<Member[] | null>(null);
  const [principal, setPrincipal] = useState("");
  const [fingerprint, setFingerprint] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    op("household", { household: props.household }).then(
      (h) => setMembers(h.members),
      setFailure,
    );
  useEffect(() => {
    load();
  }, [props.household]);

  async function add(e: Event) {
    e.preventDefault();
    const found = [];
    if (!/^p-[0-9a-f]{32}$/.test(principal.trim())) found.push({ field: "lid-nummer", text: t.badPrincipal });
    setErrors(found);
    setNotice(null);
    setFailure(null);
    if (found.length) return;
    setBusy(true);
    try {
      const { member } = await op("addMember", {
        household: props.household,
        principal_id: principal.trim(),
        fingerprint: fingerprint.trim() || undefined,
      });
      setNotice(t.added(member.name));
      setPrincipal("");
      setFingerprint("");
      await load();
    } catch (err) {
      if (err instanceof KeyError && err.kind === "fingerprint-mismatch") {
        setErrors([{ field: "lid-code", text: t.mismatch }]);
      } else {
        setFailure(err);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="kluis-section" aria-labelledby="leden">
      <h2 class="utrecht-heading-2" id="leden">
        {t.title}
      </h2>
      <p class="utrecht-paragraph">{t.intro}</p>
      {members && (
        <ul class="utrecht-unordered-list" data-testid="members">
          {members.map((m) => (
            <li class="utrecht-unordered-list__item" key={m.principal_id}>
              {m.name ?? m.principal_id} {m.principal_id === me ? t.you : ""}
            </li>
          ))}
        </ul>
      )}
      <h3 class="utrecht-heading-3">{t.add}</h3>
      <ErrorSummary errors={errors} />
      {notice && <Notice kind="ok">{notice}</Notice>}
      {failure !== null && <Failure error={failure} />}
      <form onSubmit={add} noValidate>
        <TextField
          id="lid-nummer"
          label={t.principal}
          hint={t.principalHint}
          value={principal}
          onInput={setPrincipal}
          error={errors.find((x) => x.field === "lid-nummer")?.text}
        />
        <TextField
          id="lid-code"
          label={t.fingerprint}
          hint={t.fingerprintHint}
          value={fingerprint}
          onInput={setFingerprint}
          error={errors.find((x) => x.field === "lid-code")?.text}
        />
        <Button busy={busy}>{t.add}</Button>
      </form>
    </section>
  );
}
