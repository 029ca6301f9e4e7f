// "Logboek controleren": the whole access log checked in this browser, in
// the key worker (`client/audit_verify.ts`), with a progress bar; the
// verdict in plain words and, for a failure, the CLI's exact words too.

import { useState } from "preact/hooks";
import { copy } from "../copy";
import { op } from "../keys/op";
import { KeyError } from "../keys/worker_client";
import { Layout } from "../ui/layout";
import { Button, Notice } from "../ui/form";
import { say } from "../ui/errors";
import type { Verified } from "../worker/protocol";
import { when } from "../history/sentence";

type State =
  | { kind: "idle" }
  | { kind: "running"; done: number; total: number }
  | { kind: "ok"; result: Verified }
  | { kind: "failed"; plain: string; technical: string | null };

export function AuditVerify() {
  const c = copy.value;
  const t = c.audit.verify;
  const [state, setState] = useState<State>({ kind: "idle" });

  async function start() {
    setState({ kind: "running", done: 0, total: 0 });
    try {
      const result = await op("verifyLog", {}, (done, total) => setState({ kind: "running", done, total }));
      setState({ kind: "ok", result });
    } catch (e) {
      if (e instanceof KeyError && e.kind === "log-problem") {
        const detail = e.detail ?? {};
        const words = t.problems[detail.code ?? ""];
        setState({ kind: "failed", plain: words ? words(detail) : e.message, technical: e.message });
      } else {
        setState({ kind: "failed", plain: say(e), technical: null });
      }
    }
  }

  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      <ol class="utrecht-ordered-list">
        {t.steps.map((s) => (
          <li class="utrecht-ordered-list__item" key={s}>
            {s}
          </li>
        ))}
      </ol>
      <Button type="button" busy={state.kind === "running"} onClick={start}>
        {t.start}
      </Button>
      {state.kind === "running" && (
        <div class="kluis-section">
          <label class="utrecht-form-label" for="voortgang">
            {t.progressLabel}
          </label>
          <progress id="voortgang" class="kluis-progress" max={Math.max(state.total, 1)} value={state.done}>
            {t.progress(state.done, state.total)}
          </progress>
          <p class="utrecht-paragraph" aria-live="polite">
            {t.progress(state.done, state.total)}
          </p>
        </div>
      )}
      {state.kind === "ok" && (
        <div data-testid="verify-ok">
          <Notice kind="ok" focus>
            {state.result.size === 0 ? t.okEmpty : t.ok(state.result.size)}
          </Notice>
          {state.result.last_entry_time && <p class="utrecht-paragraph">{t.lastTime(when(c, state.result.last_entry_time))}</p>}
          <p class="utrecht-paragraph">{state.result.previous_size === null ? t.firstTime : t.extends(state.result.previous_size)}</p>
          <p class="utrecht-paragraph">{t.counts(state.result.allowed_reads, state.result.denied, state.result.errors)}</p>
        </div>
      )}
      {state.kind === "failed" && (
        <div data-testid="verify-failed">
          <Notice kind="error" focus>
            {t.failed} {state.plain}
          </Notice>
          {state.technical && (
            <details class="kluis-details">
              <summary>{t.technical}</summary>
              <p class="utrecht-paragraph">
                <code class="utrecht-code" data-testid="verify-technical">
                  {state.technical}
                </code>
              </p>
            </details>
          )}
        </div>
      )}
    </Layout>
  );
}
