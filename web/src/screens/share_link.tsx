// A professional's share link, `/#/delen-met/p-…/FINGERPRINT`: the device
// checks the person's keys (pins, key directory) and that their key code is
// the one in the link, which came to the household from the professional
// directly; then the household picks which household to share from.

import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { copy } from "../copy";
import { get, op } from "../keys/op";
import { go } from "../router";
import { Failure } from "../ui/failure";
import { Notice } from "../ui/form";
import { Layout } from "../ui/layout";
import type { Person } from "../worker/protocol";

/** The person a share link chose, for the sharing screen to start from. */
export const preselected = signal<Person | null>(null);

const compact = (fp: string) => fp.replace(/\s+/g, "").toLowerCase();

export function ShareLink(props: { principal: string; fingerprint: string }) {
  const c = copy.value;
  const t = c.shareLink;
  const [person, setPerson] = useState<Person | null>(null);
  const [households, setHouseholds] = useState<string[] | null>(null);
  const [failure, setFailure] = useState<unknown>(null);

  useEffect(() => {
    op("person", { principal_id: props.principal }).then(
      (p) => {
        if (p.role !== "professional") setFailure(t.notProfessional);
        else if (compact(p.fingerprint) !== compact(props.fingerprint)) setFailure(t.mismatch);
        else setPerson(p);
      },
      setFailure,
    );
    get<{ households: string[] }>("/v1/households").then(
      (r) => setHouseholds(r.households),
      setFailure,
    );
  }, [props.principal, props.fingerprint]);

  return (
    <Layout title={t.title}>
      {failure !== null && (typeof failure === "string" ? <Notice kind="error">{failure}</Notice> : <Failure error={failure} />)}
      {!person && failure === null && <p class="utrecht-paragraph">{t.checking}</p>}
      {person && (
        <>
          <Notice kind="ok">{t.with(person.name, person.org ?? "-")}</Notice>
          {households && households.length === 0 && <p class="utrecht-paragraph">{t.none}</p>}
          {households && households.length > 0 && (
            <>
              <p class="utrecht-paragraph">{t.pick}</p>
              <ul class="utrecht-unordered-list">
                {households.map((h) => (
                  <li class="utrecht-unordered-list__item" key={h}>
                    <button
                      type="button"
                      class="utrecht-button utrecht-button--secondary-action"
                      onClick={() => {
                        preselected.value = person;
                        go(`/huishouden/${h}/delen`);
                      }}
                    >
                      {h}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </Layout>
  );
}
