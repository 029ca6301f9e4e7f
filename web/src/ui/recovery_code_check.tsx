// A new recovery code, shown once, and the check that it was written down:
// the person types its last two groups back (GOV.UK's "confirm you saved
// it" pattern). Only then does `onConfirmed` run: at enrolment the code's
// blob is stored and the session begins (`welcome.tsx`); when keys are
// rotated the rotation is sent (`screens/rotate.tsx`). So nobody gets a code
// that took effect without having written it down.

import { useMemo, useState } from "preact/hooks";
import { typedBack } from "../api/recovery";
import { copy } from "../copy";
import { Button, ErrorSummary, Notice, TextField } from "./form";

const FIELD = "herstelcode-controle";

export function RecoveryCodeCheck(p: {
  code: string;
  /** The code's last two groups as its own symbols (`RecoveryCode.lastGroups`). */
  lastGroups: string;
  intro: string;
  busy: boolean;
  /** Said while `onConfirmed` runs. */
  busyText: string;
  failure: string | null;
  onConfirmed: () => void;
}) {
  const t = copy.value.recoveryCode;
  const [typed, setTyped] = useState("");
  const [error, setError] = useState<string | null>(null);
  // One array per error, not per render: the summary takes the focus whenever its list changes.
  const errors = useMemo(() => (error ? [{ field: FIELD, text: error }] : []), [error]);

  function confirm(event: Event) {
    event.preventDefault();
    if (p.busy) return;
    const problem = !typed.trim() ? t.empty : typedBack(typed) !== p.lastGroups ? t.wrong : null;
    setError(problem);
    if (!problem) p.onConfirmed();
  }

  return (
    <>
      <p class="utrecht-paragraph">{p.intro}</p>
      <p class="kluis-recovery-code" data-testid="herstelcode">
        <code>{p.code}</code>
      </p>
      <p class="utrecht-paragraph">{t.write}</p>
      <Notice kind="info">{t.warn}</Notice>
      <ErrorSummary errors={errors} />
      {p.failure && (
        <Notice kind="error" focus>
          {p.failure}
        </Notice>
      )}
      <form onSubmit={confirm} noValidate>
        <TextField
          id={FIELD}
          label={t.typeBack}
          hint={t.typeBackHint}
          value={typed}
          onInput={setTyped}
          error={error ?? undefined}
          autocomplete="off"
        />
        {p.busy && <Notice kind="info">{p.busyText}</Notice>}
        <Button busy={p.busy}>{t.submit}</Button>
      </form>
    </>
  );
}
