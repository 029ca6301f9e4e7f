// One field: its value (checked and opened on the device), who wrote it,
// changing and clearing it, its earlier versions. When someone else wrote
// in between, both versions are shown and the person chooses; neither is
// lost.

import { useEffect, useState } from "preact/hooks";
import { accessTo, EVERYTHING, writesField, type Access } from "../plan/access";
import { copy } from "../copy";
import { when } from "../history/sentence";
import { KeyError } from "../keys/worker_client";
import { op } from "../keys/op";
import { fieldLabel } from "../plan/template";
import { decode, encode } from "../plan/text";
import { say } from "../ui/errors";
import { Button, Notice } from "../ui/form";
import { Layout, nav } from "../ui/layout";
import type { FieldVersion } from "../worker/protocol";
import { TextArea } from "./plan";

function Written(props: { v: FieldVersion }) {
  const c = copy.value;
  const t = c.plan;
  return (
    <p class="utrecht-paragraph kluis-written">
      {t.writtenBy(props.v.writer_name ?? props.v.writer, when(c, props.v.written_at))}{" "}
      {props.v.authorship === "signed" ? t.checked : t.unchecked}
    </p>
  );
}

export function Field(props: { household: string; path: string }) {
  const c = copy.value;
  const t = c.plan;
  const [current, setCurrent] = useState<FieldVersion | null>(null);
  const [history, setHistory] = useState<FieldVersion[]>([]);
  const [draft, setDraft] = useState<string | null>(null);
  const [conflict, setConflict] = useState<{ mine: string; theirs: FieldVersion } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // null until known: no change is offered before it is known to be allowed.
  const [access, setAccess] = useState<Access | null>(null);
  useEffect(() => {
    accessTo(props.household).then(setAccess, () => setAccess(EVERYTHING));
  }, [props.household]);

  async function load() {
    try {
      const v = await op("readField", { household: props.household, path: props.path });
      setCurrent(v);
      const h = await op("fieldHistory", { household: props.household, path: props.path });
      setHistory(h.versions.filter((x) => x.version !== v.version));
    } catch (e) {
      setFailure(say(e));
    }
  }
  useEffect(() => {
    load();
  }, [props.household, props.path]);

  async function write(text: string, base: number, done: string) {
    setBusy(true);
    setFailure(null);
    try {
      await op("writeField", { household: props.household, path: props.path, value: encode(text), base });
      // Show the saved version only once it is read back and checked.
      await load();
      setDraft(null);
      setConflict(null);
      setNotice(done);
    } catch (e) {
      if (e instanceof KeyError && e.kind === "conflict") {
        const theirs = await op("readField", { household: props.household, path: props.path });
        setConflict({ mine: text, theirs });
        setCurrent(theirs);
      } else {
        setFailure(say(e));
      }
    } finally {
      setBusy(false);
    }
  }

  const back = `/huishouden/${props.household}/plan`;
  return (
    <Layout title={fieldLabel(props.path)}>
      <p class="utrecht-paragraph">
        <a class="utrecht-link" href={`/#${back}`} onClick={nav(back)}>
          {t.back}
        </a>
      </p>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {failure && (
        <Notice kind="error" focus>
          {failure}
        </Notice>
      )}
      {conflict && (
        <section class="kluis-conflict" aria-labelledby="conflict">
          <h2 class="utrecht-heading-2" id="conflict">
            {t.conflictTitle}
          </h2>
          <p class="utrecht-paragraph">{t.conflictIntro}</p>
          <h3 class="utrecht-heading-3">{t.theirs}</h3>
          <pre class="kluis-value" data-testid="theirs">{decode(conflict.theirs.value)}</pre>
          <Written v={conflict.theirs} />
          <h3 class="utrecht-heading-3">{t.yours}</h3>
          <pre class="kluis-value" data-testid="mine">{conflict.mine}</pre>
          <div class="utrecht-button-group">
            <Button type="button" busy={busy} onClick={() => write(conflict.mine, conflict.theirs.version, t.saved)}>
              {t.keepMine}
            </Button>
            <Button type="button" kind="secondary" onClick={() => setConflict(null)}>
              {t.keepTheirs}
            </Button>
          </div>
        </section>
      )}
      {current && !conflict && (
        <>
          {draft === null ? (
            <>
              <pre class="kluis-value" data-testid="value">{decode(current.value)}</pre>
              <Written v={current} />
              {access && !writesField(access, props.path) && <p class="utrecht-paragraph">{copy.value.plan.readOnly}</p>}
              {access && writesField(access, props.path) && (
              <div class="utrecht-button-group">
                <Button type="button" onClick={() => setDraft(decode(current.value))}>
                  {t.edit}
                </Button>
                <Button type="button" kind="secondary" busy={busy} onClick={() => write("", current.version, t.cleared)}>
                  {t.clear}
                </Button>
              </div>
              )}
            </>
          ) : (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                write(draft, current.version, t.saved);
              }}
            >
              <TextArea id="waarde" label={t.value} value={draft} onInput={setDraft} />
              <Button busy={busy}>{t.save}</Button>
            </form>
          )}
        </>
      )}
      {history.length > 0 && (
        <section class="kluis-section" aria-labelledby="versies">
          <h2 class="utrecht-heading-2" id="versies">
            {t.history}
          </h2>
          <ol class="kluis-history">
            {history.map((v) => (
              <li key={v.version}>
                <p class="utrecht-paragraph">
                  <strong>{t.version(v.version)}</strong>
                </p>
                <pre class="kluis-value">{decode(v.value)}</pre>
                <Written v={v} />
              </li>
            ))}
          </ol>
        </section>
      )}
    </Layout>
  );
}
