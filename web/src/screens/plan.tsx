// The plan by section, with the sections' names. The field list comes
// first; each value is opened in the key worker and shown as it arrives.

import { useEffect, useState } from "preact/hooks";
import { copy } from "../copy";
import { op } from "../keys/op";
import { fieldLabel, isFieldName, sectionName, template, type Section, type ZrmTemplate } from "../plan/template";
import { decode, encode } from "../plan/text";
import { go } from "../router";
import { say } from "../ui/errors";
import { Button, ErrorSummary, Notice, TextField } from "../ui/form";
import { Layout, nav } from "../ui/layout";
import type { FieldSummary } from "../worker/protocol";
import { Zrm } from "./zrm";
import { accessTo, EVERYTHING, readsSection, writesSection, type Access } from "../plan/access";

export function Plan(props: { household: string }) {
  const c = copy.value;
  const t = c.plan;
  const [secs, setSecs] = useState<Section[] | null>(null);
  const [zrm, setZrm] = useState<ZrmTemplate | null>(null);
  const [fields, setFields] = useState<FieldSummary[] | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  // null until known: no section is shown before it is known whether it applies.
  const [access, setAccess] = useState<Access | null>(null);

  useEffect(() => {
    let live = true;
    accessTo(props.household).then(
      (a) => live && setAccess(a),
      () => live && setAccess(EVERYTHING), // then every button shows, and the server refuses what is not allowed
    );
    template().then(
      (t) => {
        if (!live) return;
        setZrm(t.zrm);
        setSecs(t.sections);
      },
      (e) => live && setFailure(say(e)),
    );
    op("listFields", { household: props.household }).then(
      async ({ fields }) => {
        if (!live) return;
        setFields(fields);
        // Open the values a few at a time (the worker's fetches and
        // WebCrypto overlap), showing each as it arrives. The scores (ZRM)
        // are opened by their own part of the screen.
        const section = (await template().catch(() => null))?.zrm?.section;
        const queue = fields.filter((f) => !f.private && f.path.split("/")[0] !== section);
        const open = async () => {
          for (let f = queue.shift(); f && live; f = queue.shift()) {
            const path = f.path;
            try {
              const v = await op("readField", { household: props.household, path });
              if (live) setValues((old) => ({ ...old, [path]: decode(v.value) }));
            } catch (e) {
              if (live) setValues((old) => ({ ...old, [path]: `⚠ ${say(e)}` }));
            }
          }
        };
        await Promise.all([open(), open(), open(), open()]);
      },
      (e) => live && setFailure(say(e)),
    );
    return () => {
      live = false;
    };
  }, [props.household]);

  const base = `/huishouden/${props.household}`;
  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{access && access.read !== null ? t.introShared : t.intro}</p>
      {failure && <Notice kind="error">{failure}</Notice>}
      {(!secs || !fields || !access) && !failure && <p class="utrecht-paragraph">{t.loading}</p>}
      {secs &&
        fields &&
        access &&
        secs
          .filter((s) => readsSection(access, s.id) || fields.some((f) => f.path.split("/")[0] === s.id))
          .map((s) => {
          const mine = fields.filter((f) => f.path.split("/")[0] === s.id);
          if (zrm && s.id === zrm.section) {
            return (
              <section class="kluis-section" aria-labelledby={`sectie-${s.id}`} key={s.id} data-section={s.id}>
                <h2 class="utrecht-heading-2" id={`sectie-${s.id}`}>
                  {sectionName(s)}
                </h2>
                <Zrm household={props.household} zrm={zrm} />
              </section>
            );
          }
          return (
            <section class="kluis-section" aria-labelledby={`sectie-${s.id}`} key={s.id} data-section={s.id}>
              <h2 class="utrecht-heading-2" id={`sectie-${s.id}`}>
                {sectionName(s)}
              </h2>
              {mine.length === 0 && <p class="utrecht-paragraph">{t.empty}</p>}
              {mine.length > 0 && (
                <dl class="kluis-fields">
                  {mine.map((f) => (
                    <div key={f.path}>
                      <dt>
                        <a class="utrecht-link" href={`/#${base}/veld/${f.path}`} onClick={nav(`${base}/veld/${f.path}`)}>
                          {fieldLabel(f.path)}
                        </a>
                      </dt>
                      <dd>{f.private ? t.privateNote : values[f.path] ?? "…"}</dd>
                    </div>
                  ))}
                </dl>
              )}
              {s.id !== "observaties" && writesSection(access, s.id) && <NewField household={props.household} section={s} />}
            </section>
          );
        })}
    </Layout>
  );
}

/** A small form to add a field to a section. */
function NewField(props: { household: string; section: Section }) {
  const t = copy.value.plan;
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [errors, setErrors] = useState<Array<{ field: string; text: string }>>([]);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const id = `nieuw-${props.section.id}`;
  if (!open) {
    return (
      <button
        type="button"
        class="utrecht-button utrecht-button--secondary-action"
        aria-label={`${t.addField}: ${sectionName(props.section)}`}
        onClick={() => setOpen(true)}
      >
        {t.addFieldShort}
      </button>
    );
  }
  async function submit(e: Event) {
    e.preventDefault();
    if (!isFieldName(name)) {
      setErrors([{ field: `${id}-naam`, text: t.badFieldName }]);
      return;
    }
    setErrors([]);
    setBusy(true);
    try {
      const path = `${props.section.id}/${name}`;
      await op("writeField", { household: props.household, path, value: encode(value), base: 0 });
      go(`/huishouden/${props.household}/veld/${path}`);
    } catch (err) {
      setFailure(say(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} noValidate class="kluis-new-field">
      <ErrorSummary errors={errors} />
      {failure && <Notice kind="error">{failure}</Notice>}
      <TextField
        id={`${id}-naam`}
        label={t.fieldName}
        hint={t.fieldNameHint}
        value={name}
        onInput={setName}
        error={errors.find((x) => x.field === `${id}-naam`)?.text}
      />
      <TextArea id={`${id}-tekst`} label={t.value} value={value} onInput={setValue} />
      <Button busy={busy}>{t.save}</Button>
    </form>
  );
}

export function TextArea(p: { id: string; label: string; value: string; onInput: (v: string) => void }) {
  return (
    <div class="utrecht-form-field utrecht-form-field--text">
      <div class="utrecht-form-field__label">
        <label class="utrecht-form-label" for={p.id}>
          {p.label}
        </label>
      </div>
      <div class="utrecht-form-field__input">
        <textarea
          class="utrecht-textarea utrecht-textarea--html-textarea"
          id={p.id}
          rows={5}
          value={p.value}
          onInput={(e) => p.onInput((e.target as HTMLTextAreaElement).value)}
        />
      </div>
    </div>
  );
}
