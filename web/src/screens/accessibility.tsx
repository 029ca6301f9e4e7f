// The accessibility statement (toegankelijkheidsverklaring).

import { copy } from "../copy";
import { Layout } from "../ui/layout";

export function Accessibility() {
  const t = copy.value.accessibility;
  return (
    <Layout title={t.title}>
      {t.body.map((p) => (
        <p class="utrecht-paragraph" key={p}>
          {p}
        </p>
      ))}
    </Layout>
  );
}
