// A list of links within the app (a screen's menu of what can be done).

import { nav } from "./layout";

export function LinkList(props: { links: Array<[to: string, label: string]> }) {
  return (
    <ul class="utrecht-unordered-list">
      {props.links.map(([to, label]) => (
        <li class="utrecht-unordered-list__item" key={to}>
          <a class="utrecht-link" href={`/#${to}`} onClick={nav(to)}>
            {label}
          </a>
        </li>
      ))}
    </ul>
  );
}
