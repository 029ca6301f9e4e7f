// "Bewaren en verwijderen": the households whose retention period is over
// (held ones marked and kept), a proposal to delete them naming who
// approved the list, and the proposals waiting for a second administrator's
// decision (erasures too), approved or turned down here.

import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api/http";
import { copy } from "../copy";
import { get, post } from "../keys/op";
import { session } from "../session";
import { when } from "../history/sentence";
import { say } from "../ui/errors";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { Layout } from "../ui/layout";

interface Due {
  household_id: string;
  closed_at: string | null;
  class: string | null;
  due_at: string | null;
  holds: { id: string; reason: string }[];
}

interface Proposal {
  id: string;
  kind: string;
  basis: string;
  households: string[];
  proposed_by: string;
  proposed_by_name: string | null;
  proposed_at: string;
  expires_at: string;
}

export function AdminRetention() {
  const c = copy.value;
  const t = c.admin.retention;
  const me = session.value!.me.principal_id;
  const [due, setDue] = useState<Due[] | null>(null);
  const [proposals, setProposals] = useState<Proposal[] | null>(null);
  const [approvedBy, setApprovedBy] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function load() {
    try {
      const [d, p] = await Promise.all([
        get<{ households: Due[] }>("/v1/retention/due"),
        get<{ proposals: Proposal[] }>("/v1/proposals"),
      ]);
      setDue(d.households);
      setProposals(p.proposals);
    } catch (e) {
      setFailure(say(e));
    }
  }

  useEffect(() => {
    load();
  }, []);

  async function propose(e: Event) {
    e.preventDefault();
    const found = approvedBy.trim() ? [] : [{ field: "archivaris", text: t.badApprovedBy }];
    setErrors(found);
    setNotice(null);
    setFailure(null);
    if (found.length) return;
    setBusy(true);
    try {
      await post("/v1/retention/destroy", { approved_by: approvedBy.trim() });
      setNotice(t.proposed);
      setApprovedBy("");
      await load();
    } catch (err) {
      setFailure(say(err));
    } finally {
      setBusy(false);
    }
  }

  async function decide(p: Proposal, how: "approve" | "reject") {
    setNotice(null);
    setFailure(null);
    try {
      await post(`/v1/proposals/${p.id}/${how}`, {});
      setNotice(how === "approve" ? t.approved : t.rejected);
      await load();
    } catch (err) {
      setFailure(err instanceof ApiError && err.kind === "second-administrator-needed" ? t.ownProposal : say(err));
    }
  }

  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {failure && <Notice kind="error">{failure}</Notice>}
      <section class="kluis-section" aria-labelledby="klaar">
        <h2 class="utrecht-heading-2" id="klaar">
          {t.dueTitle}
        </h2>
        {due && due.length === 0 && <p class="utrecht-paragraph">{t.dueNone}</p>}
        {due && due.length > 0 && (
          <>
            <ul class="kluis-cases" data-testid="due">
              {due.map((d) => (
                <li class="kluis-case" key={d.household_id}>
                  <code class="utrecht-code">{d.household_id}</code>
                  <dl class="kluis-facts">
                    <dt>{t.closed}</dt>
                    <dd>{d.closed_at ? when(c, d.closed_at) : ""}</dd>
                    <dt>{t.due}</dt>
                    <dd>{d.due_at ? when(c, d.due_at) : ""}</dd>
                  </dl>
                  {d.holds.length > 0 && <span class="kluis-tag">{t.held(d.holds.length)}</span>}
                </li>
              ))}
            </ul>
            <ErrorSummary errors={errors} />
            <form onSubmit={propose} noValidate>
              <TextField id="archivaris" label={t.approvedBy} hint={t.approvedByHint} value={approvedBy} error={errors[0]?.text} onInput={setApprovedBy} />
              <Button busy={busy}>{t.propose}</Button>
            </form>
          </>
        )}
      </section>
      <section class="kluis-section" aria-labelledby="voorstellen">
        <h2 class="utrecht-heading-2" id="voorstellen">
          {t.proposalsTitle}
        </h2>
        {proposals && proposals.length === 0 && <p class="utrecht-paragraph">{t.proposalsNone}</p>}
        {proposals && proposals.length > 0 && (
          <ul class="kluis-cases" data-testid="proposals">
            {proposals.map((p) => (
              <li class="kluis-case" key={p.id} data-proposal={p.id}>
                <h3 class="utrecht-heading-3">{t.kinds[p.kind] ?? p.kind}</h3>
                <p class="utrecht-paragraph">{t.proposedBy(p.proposed_by_name ?? p.proposed_by, when(c, p.proposed_at))}</p>
                <p class="utrecht-paragraph">{t.expires(when(c, p.expires_at))}</p>
                <dl class="kluis-facts">
                  <dt>{t.basis}</dt>
                  <dd>{p.basis}</dd>
                  <dt>{t.households}</dt>
                  <dd>{p.households.join(", ")}</dd>
                </dl>
                {p.proposed_by === me ? (
                  <p class="utrecht-paragraph">{t.ownProposal}</p>
                ) : (
                  <p class="kluis-actions">
                    <button type="button" class="utrecht-button utrecht-button--primary-action" onClick={() => decide(p, "approve")}>
                      {t.approve}
                    </button>{" "}
                    <button type="button" class="utrecht-button utrecht-button--secondary-action" onClick={() => decide(p, "reject")}>
                      {t.reject}
                    </button>
                  </p>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Layout>
  );
}
