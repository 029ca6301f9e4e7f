// Which screen to show: the invite page, the accessibility statement (for
// everyone), the unlock screen until the keys are open, then the app.

import { route } from "./router";
import { session } from "./session";
import { Accessibility } from "./screens/accessibility";
import { AdminInvite } from "./screens/admin_invite";
import { AdminPeople } from "./screens/admin_people";
import { AdminRetention } from "./screens/admin_retention";
import { AuditEntry } from "./screens/audit_entry";
import { AuditSearch } from "./screens/audit_search";
import { AuditVerify } from "./screens/audit_verify";
import { History } from "./screens/history";
import { Home } from "./screens/home";
import { Data } from "./screens/data";
import { Field } from "./screens/field";
import { Household } from "./screens/household";
import { Observations } from "./screens/observations";
import { NewKeys } from "./screens/new_keys";
import { Plan } from "./screens/plan";
import { Sessions } from "./screens/sessions";
import { Share } from "./screens/share";
import { ShareLink } from "./screens/share_link";
import { Recover } from "./screens/recover";
import { Unlock } from "./screens/unlock";
import { Welcome } from "./screens/welcome";

const SHARE_LINK = /^\/delen-met\/(p-[0-9a-f]{32})\/([0-9a-f]{32,64})$/;
const AUDIT_ENTRY = /^\/logboek\/item\/(0|[1-9][0-9]{0,14})$/;
const NEW_KEYS = /^\/sleutels\/(p-[0-9a-f]{32})$/;
const HOUSEHOLD = /^\/huishouden\/(h-[0-9a-f]{32})(\/[a-z-]+)?(\/[a-z0-9-]+\/[a-z0-9/-]+)?$/;

export function App() {
  const r = route.value;
  if (r === "/welkom" && !session.value) return <Welcome />;
  if (r === "/toegankelijkheid") return <Accessibility />;
  if (!session.value) return r === "/herstellen" ? <Recover /> : <Unlock />;
  if (r === "/apparaten") return <Sessions />;
  if (r === "/beheer/uitnodigen") return <AdminInvite />;
  if (r === "/beheer/mensen") return <AdminPeople />;
  if (r === "/beheer/bewaren") return <AdminRetention />;
  if (r === "/logboek") return <AuditSearch />;
  if (r === "/logboek/controleren") return <AuditVerify />;
  const entry = AUDIT_ENTRY.exec(r);
  if (entry) return <AuditEntry seq={Number(entry[1])} />;
  const link = SHARE_LINK.exec(r);
  if (link) return <ShareLink principal={link[1]!} fingerprint={link[2]!} />;
  const changed = NEW_KEYS.exec(r);
  if (changed) return <NewKeys principal={changed[1]!} />;
  const m = HOUSEHOLD.exec(r);
  if (m) {
    const h = m[1]!;
    if (m[2] === "/geschiedenis") return <History household={h} />;
    if (m[2] === "/plan") return <Plan household={h} />;
    if (m[2] === "/delen") return <Share household={h} />;
    if (m[2] === "/gegevens") return <Data household={h} />;
    if (m[2] === "/notities") return <Observations household={h} />;
    if (m[2] === "/veld" && m[3]) return <Field household={h} path={m[3].slice(1)} />;
    return <Household household={h} />;
  }
  return <Home />;
}
