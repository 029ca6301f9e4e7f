// "Notities": a professional writes an observation and chooses, every
// time, who may read it (no choice is made for them); their own private
// notes are listed, each with "share in the plan".

import { useEffect, useState } from "preact/hooks";
import { copy } from "../copy";
import { op } from "../keys/op";
import { decode, encode } from "../plan/text";
import { session } from "../session";
import { say } from "../ui/errors";
import { Button, ErrorSummary, Notice } from "../ui/form";
import { Layout } from "../ui/layout";

type Who = "shared" | "private" | null;

interface Note {
  path: string;
  text: string;
}

export function Observations(props: { household: string }) {
  const c = copy.value;
  const t = c.observations;
  const me = session.value!.me.principal_id;
  const [text, setText] = useState("");
  const [who, setWho] = useState<Who>(null);
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [mine, setMine] = useState<Note[] | null>(null);

  async function load() {
    try {
      const { fields } = await op("listFields", { household: props.household });
      const own = fields.filter((f) => f.private && f.writer === me);
      const notes: Note[] = [];
      for (const f of own) {
        const v = await op("readField", { household: props.household, path: f.path });
        notes.push({ path: f.path, text: decode(v.value) });
      }
      setMine(notes);
    } catch (e) {
      setFailure(say(e));
    }
  }

  useEffect(() => {
    load();
  }, [props.household]);

  async function save(e: Event) {
    e.preventDefault();
    const found = [];
    if (!text.trim()) found.push({ field: "notitie", text: t.empty });
    if (who === null) found.push({ field: "wie-gedeeld", text: t.chooseWho });
    setErrors(found);
    setNotice(null);
    setFailure(null);
    if (found.length) return;
    setBusy(true);
    try {
      await op("observe", { household: props.household, text: encode(text), private: who === "private" });
      setNotice(who === "private" ? t.savedPrivate : t.savedShared);
      setText("");
      setWho(null);
      await load();
    } catch (err) {
      setFailure(say(err));
    } finally {
      setBusy(false);
    }
  }

  async function publish(path: string) {
    setNotice(null);
    setFailure(null);
    try {
      await op("publish", { household: props.household, path });
      setNotice(t.published);
      await load();
    } catch (err) {
      setFailure(say(err));
    }
  }

  const errorOf = (f: string) => errors.find((e) => e.field === f)?.text;
  const whoError = errorOf("wie-gedeeld");
  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      <ErrorSummary errors={errors} />
      {notice && <Notice kind="ok">{notice}</Notice>}
      {failure && <Notice kind="error">{failure}</Notice>}
      <form onSubmit={save} noValidate>
        <div class={`utrecht-form-field${errorOf("notitie") ? " utrecht-form-field--invalid" : ""}`}>
          <div class="utrecht-form-field__label">
            <label class="utrecht-form-label" for="notitie">
              {t.text}
            </label>
          </div>
          {errorOf("notitie") && (
            <div class="utrecht-form-field-error-message" id="notitie-error">
              {errorOf("notitie")}
            </div>
          )}
          <div class="utrecht-form-field__input">
            <textarea
              class="utrecht-textarea utrecht-textarea--html-textarea"
              id="notitie"
              rows={6}
              value={text}
              aria-invalid={errorOf("notitie") ? "true" : undefined}
              aria-describedby={errorOf("notitie") ? "notitie-error" : undefined}
              onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
            />
          </div>
        </div>
        <fieldset class="utrecht-form-fieldset" aria-describedby={whoError ? "wie-error" : undefined}>
          <legend class="utrecht-form-fieldset__legend">{t.who}</legend>
          {whoError && (
            <div class="utrecht-form-field-error-message" id="wie-error">
              {whoError}
            </div>
          )}
          <div class="kluis-choice">
            <input
              class="utrecht-radio-button utrecht-radio-button--html-input"
              type="radio"
              name="wie"
              id="wie-gedeeld"
              checked={who === "shared"}
              onChange={() => setWho("shared")}
            />
            <label class="utrecht-form-label utrecht-form-label--radio" for="wie-gedeeld">
              {t.shared}
            </label>
          </div>
          <div class="kluis-choice">
            <input
              class="utrecht-radio-button utrecht-radio-button--html-input"
              type="radio"
              name="wie"
              id="wie-prive"
              checked={who === "private"}
              aria-describedby="wie-prive-hint"
              onChange={() => setWho("private")}
            />
            <label class="utrecht-form-label utrecht-form-label--radio" for="wie-prive">
              {t.private}
            </label>
          </div>
          <p class="utrecht-form-field-description" id="wie-prive-hint">
            {t.privateHint}
          </p>
        </fieldset>
        <Button busy={busy}>{t.save}</Button>
      </form>
      <section class="kluis-section" aria-labelledby="eigen-notities">
        <h2 class="utrecht-heading-2" id="eigen-notities">
          {t.mine}
        </h2>
        <p class="utrecht-paragraph">{t.mineIntro}</p>
        {mine && mine.length === 0 && <p class="utrecht-paragraph">{t.noneMine}</p>}
        {mine && mine.length > 0 && (
          <ul class="kluis-cases" data-testid="private-notes">
            {mine.map((n, i) => (
              <li class="kluis-case" key={n.path}>
                <p class="utrecht-paragraph kluis-note" id={`notitie-${i}`}>
                  {n.text}
                </p>
                <button
                  type="button"
                  class="utrecht-button utrecht-button--secondary-action"
                  aria-describedby={`notitie-${i}`}
                  onClick={() => publish(n.path)}
                >
                  {t.publish}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </Layout>
  );
}
