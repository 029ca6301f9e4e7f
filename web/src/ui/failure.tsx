// An error notice in the person's words (an error, or words already chosen);
// when someone's keys changed, with
// the way to compare and accept the new ones (`screens/new_keys.tsx`).

import { copy } from "../copy";
import { say, keysChangedOf } from "./errors";
import { Notice } from "./form";
import { nav } from "./layout";

export function Failure(p: { error: unknown }) {
  const who = keysChangedOf(p.error);
  const to = `/sleutels/${who}`;
  return (
    <Notice kind="error">
      {typeof p.error === "string" ? p.error : say(p.error)}
      {who && (
        <>
          {" "}
          <a class="utrecht-link" href={`/#${to}`} onClick={nav(to)}>
            {copy.value.errors.keysChangedLink}
          </a>
        </>
      )}
    </Notice>
  );
}
