// "Wie keek in mijn plan?": the household's access history, newest first,
// refusals included, optionally professionals only.

import { useEffect, useState } from "preact/hooks";
import { get } from "../keys/op";
import { copy } from "../copy";
import { sentence, when, type AccessItem, type Names } from "../history/sentence";
import { Layout } from "../ui/layout";
import { Checkbox, Notice } from "../ui/form";
import { loadNames } from "../history/names";

/** At most this many pages of 1000 entries are fetched. */
const MAX_PAGES = 20;

async function allEntries(h: string): Promise<AccessItem[]> {
  const all: AccessItem[] = [];
  let after: number | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = after === undefined ? "" : `?after=${after}`;
    const got = await get<{ entries: AccessItem[]; next?: number | null }>(`/v1/households/${h}/access-log${q}`);
    all.push(...got.entries);
    if (got.next === undefined || got.next === null) break;
    after = got.next;
  }
  return all.reverse();
}

export function History(props: { household: string }) {
  const c = copy.value;
  const t = c.history;
  const [items, setItems] = useState<AccessItem[] | null>(null);
  const [names, setNames] = useState<Names>({ people: new Map(), sections: new Map() });
  const [onlyPros, setOnlyPros] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    // Names first, so no sentence changes under the reader's eyes.
    const empty: Names = { people: new Map(), sections: new Map() };
    Promise.all([allEntries(props.household), loadNames(props.household).catch(() => empty)]).then(
      ([entries, known]) => {
        setNames(known);
        setItems(entries);
      },
      () => setFailure(c.errors.unknown),
    );
  }, [props.household]);

  const shown = (items ?? []).filter((i) => !onlyPros || i.actor_role === "professional");
  return (
    <Layout title={t.title}>
      <p class="utrecht-paragraph">{t.intro}</p>
      {failure && <Notice kind="error">{failure}</Notice>}
      <Checkbox id="alleen-professionals" label={t.onlyProfessionals} checked={onlyPros} onChange={setOnlyPros} />
      {items === null && !failure && <p class="utrecht-paragraph">{t.loading}</p>}
      {items !== null && shown.length === 0 && <p class="utrecht-paragraph">{t.none}</p>}
      {shown.length > 0 && (
        <ol class="kluis-history" data-testid="history" aria-live="polite">
          {shown.map((i) => (
            <li key={i.seq} class={i.outcome === "allowed" ? "" : "kluis-history--refused"}>
              <time dateTime={i.time} class="kluis-history__time">
                {when(c, i.time)}
              </time>
              <p class="utrecht-paragraph">{sentence(c, i, names)}</p>
            </li>
          ))}
        </ol>
      )}
    </Layout>
  );
}
