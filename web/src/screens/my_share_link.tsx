// A professional's share link (`kluis whoami --share-link`): their id and
// the key code this device computed, in the fragment of the app's address,
// as text to copy and as a QR code to scan. A household that opens it
// picks them in the sharing flow, after its own device checked the keys.

import { useState } from "preact/hooks";
import { copy } from "../copy";
import { session } from "../session";
import { QrCode } from "../ui/qr_code";

/** The link for the signed-in person, as the CLI makes it. */
export function shareLink(origin: string, principal: string, fingerprint: string): string {
  return `${origin}/#/delen-met/${principal}/${fingerprint.replaceAll(" ", "")}`;
}

export function MyShareLink() {
  const t = copy.value.myLink;
  const me = session.value!.me;
  const link = shareLink(location.origin, me.principal_id, me.fingerprint);
  const [copied, setCopied] = useState(false);
  return (
    <section aria-labelledby="deellink" class="kluis-section">
      <h2 class="utrecht-heading-2" id="deellink">
        {t.title}
      </h2>
      <p class="utrecht-paragraph">{t.intro}</p>
      <div class="utrecht-form-field">
        <div class="utrecht-form-field__label">
          <label class="utrecht-form-label" for="deellink-tekst">
            {t.label}
          </label>
        </div>
        <div class="utrecht-form-field__input">
          <input
            class="utrecht-textbox utrecht-textbox--html-input utrecht-textbox--readonly"
            id="deellink-tekst"
            readOnly
            value={link}
            data-testid="share-link"
            onFocus={(e) => (e.target as HTMLInputElement).select()}
          />
        </div>
      </div>
      <p class="kluis-actions">
        <button
          type="button"
          class="utrecht-button utrecht-button--secondary-action"
          onClick={() =>
            navigator.clipboard?.writeText(link).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {t.copy}
        </button>
      </p>
      <p class="utrecht-paragraph" role="status">
        {copied ? t.copied : ""}
      </p>
      <QrCode text={link} label={t.qr(me.name)} />
    </section>
  );
}
