// One household: its number and what can be done with it.

import { copy } from "../copy";
import { Layout, nav } from "../ui/layout";

export function Household(props: { household: string }) {
  const t = copy.value.household;
  const base = `/huishouden/${props.household}`;
  const links: Array<[string, string]> = [[`${base}/geschiedenis`, t.history]];
  return (
    <Layout title={t.title}>
      <dl class="kluis-facts">
        <dt>{t.id}</dt>
        <dd>
          <code class="utrecht-code">{props.household}</code>
        </dd>
      </dl>
      <ul class="utrecht-unordered-list">
        {links.map(([to, label]) => (
          <li class="utrecht-unordered-list__item" key={to}>
            <a class="utrecht-link" href={`/#${to}`} onClick={nav(to)}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </Layout>
  );
}
