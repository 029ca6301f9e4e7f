// "Iemand uitnodigen": an administrator (or a professional, for a client)
// makes an invitation; the link carries the code in its fragment, which no
// server log sees, and shows as a QR code to scan with the person's phone.

import { useState } from "preact/hooks";
import { copy } from "../copy";
import { post } from "../keys/op";
import { session } from "../session";
import { say } from "../ui/errors";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { Layout } from "../ui/layout";
import { QrCode } from "../ui/qr_code";

const ROLES = ["client", "professional", "auditor", "admin"] as const;
type Role = (typeof ROLES)[number];

export function AdminInvite() {
  const c = copy.value;
  const t = c.admin.invite;
  const mine = session.value!.me.role;
  // A professional invites clients only (the server refuses anything else).
  const roles: readonly Role[] = mine === "admin" ? ROLES : ["client"];
  const [role, setRole] = useState<Role>("client");
  const [name, setName] = useState("");
  const [org, setOrg] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [made, setMade] = useState<{ name: string; link: string } | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    const found = [];
    if (!name.trim()) found.push({ field: "uitnodiging-naam", text: t.badName });
    if ((role === "professional" || role === "auditor") && !org.trim()) found.push({ field: "uitnodiging-org", text: t.badOrg });
    setErrors(found);
    setFailure(null);
    if (found.length) return;
    setBusy(true);
    try {
      const r = await post<{ code: string; name: string }>("/v1/invites", {
        role,
        name: name.trim(),
        ...(org.trim() ? { org: org.trim() } : {}),
      });
      setMade({ name: r.name, link: `${location.origin}/welkom#${r.code}` });
      setName("");
      setOrg("");
    } catch (err) {
      setFailure(say(err));
    } finally {
      setBusy(false);
    }
  }

  const errorOf = (f: string) => errors.find((x) => x.field === f)?.text;
  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      <ErrorSummary errors={errors} />
      {failure && <Notice kind="error">{failure}</Notice>}
      <form onSubmit={submit} noValidate>
        <fieldset class="utrecht-form-fieldset">
          <legend class="utrecht-form-fieldset__legend">{t.role}</legend>
          {roles.map((r) => (
            <div class="kluis-choice" key={r}>
              <input
                class="utrecht-radio-button utrecht-radio-button--html-input"
                type="radio"
                name="rol"
                id={`rol-${r}`}
                checked={role === r}
                onChange={() => setRole(r)}
              />
              <label class="utrecht-form-label utrecht-form-label--radio" for={`rol-${r}`}>
                {c.admin.roles[r]}
              </label>
            </div>
          ))}
        </fieldset>
        <TextField id="uitnodiging-naam" label={t.name} hint={t.nameHint} value={name} error={errorOf("uitnodiging-naam")} onInput={setName} />
        {role !== "client" && (
          <TextField id="uitnodiging-org" label={t.org} hint={t.orgHint} value={org} error={errorOf("uitnodiging-org")} onInput={setOrg} />
        )}
        <Button busy={busy}>{t.submit}</Button>
      </form>
      {made && (
        <section class="kluis-section" aria-labelledby="uitnodiging-klaar">
          <h2 class="utrecht-heading-2" id="uitnodiging-klaar">
            {t.made(made.name)}
          </h2>
          <div class="utrecht-form-field">
            <div class="utrecht-form-field__label">
              <label class="utrecht-form-label" for="uitnodiging-link">
                {t.link}
              </label>
            </div>
            <div class="utrecht-form-field-description" id="uitnodiging-link-hint">
              {t.linkHint}
            </div>
            <div class="utrecht-form-field__input">
              <input
                class="utrecht-textbox utrecht-textbox--html-input utrecht-textbox--readonly"
                id="uitnodiging-link"
                readOnly
                value={made.link}
                aria-describedby="uitnodiging-link-hint"
                data-testid="invite-link"
                onFocus={(e) => (e.target as HTMLInputElement).select()}
              />
            </div>
          </div>
          <QrCode text={made.link} label={t.qr(made.name)} />
        </section>
      )}
    </Layout>
  );
}
