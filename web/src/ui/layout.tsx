// The frame of every screen: a skip link, the header with the language
// switch and the menu, the main content, and the footer. One <h1> per
// screen, set by the screen; the title of the tab follows it.

import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { copy, setLanguage } from "../copy";
import { lock, session } from "../session";
import { offlineSince } from "../offline/status";
import { when } from "../history/sentence";
import { go, route } from "../router";
import { rotationOutcome } from "../keys/unfinished_rotation";

export function Layout(props: { title: string; children: ComponentChildren }) {
  const t = copy.value;
  useEffect(() => {
    document.title = `${props.title} - ${t.appName}`;
  }, [props.title, t]);
  return (
    <div class="utrecht-page kluis-page">
      <a class="utrecht-skip-link utrecht-skip-link--visible-on-focus" href="#inhoud">
        {t.skipToContent}
      </a>
      <header class="utrecht-page-header kluis-header">
        <p class="kluis-brand">
          <a class="utrecht-link" href="/" onClick={nav("/")}>
            {t.appName}
          </a>
          <span class="kluis-tagline">{t.tagline}</span>
        </p>
        <button
          type="button"
          class="utrecht-button utrecht-button--subtle kluis-language"
          lang={t.lang === "nl" ? "en" : "nl"}
          aria-label={t.languageSwitchLabel}
          onClick={() => setLanguage(t.lang === "nl" ? "en" : "nl")}
        >
          {t.languageSwitch}
        </button>
        {session.value && (
          <nav aria-label={t.nav.label}>
            <ul class="kluis-menu">
              <li>
                <a class="utrecht-link" href="/" onClick={nav("/")}>
                  {session.value.me.role === "client" ? t.nav.home : t.nav.start}
                </a>
              </li>
              <li>
                <button type="button" class="utrecht-button utrecht-button--secondary-action" onClick={() => lock()}>
                  {t.nav.lock}
                </button>
              </li>
            </ul>
          </nav>
        )}
      </header>
      <main id="inhoud" class="utrecht-page-content kluis-main" tabIndex={-1}>
        <h1 class="utrecht-heading-1">{props.title}</h1>
        {session.value && offlineSince.value !== null && (
          <div class="utrecht-alert utrecht-alert--warning" role="status" data-testid="offline">
            <p class="utrecht-paragraph">
              {offlineSince.value ? t.offline.notice(when(t, offlineSince.value)) : t.offline.noticeUnknown}
            </p>
          </div>
        )}
        {session.value && rotationOutcome.value?.at === route.value && (
          <div
            class={`utrecht-alert utrecht-alert--${rotationOutcome.value.kind === "unsure" ? "warning" : "ok"}`}
            role="status"
            data-testid="rotation-outcome"
          >
            <p class="utrecht-paragraph">{t.rotate[rotationOutcome.value.kind === "unsure" ? "stillUnsure" : rotationOutcome.value.kind]}</p>
          </div>
        )}
        {props.children}
      </main>
      <footer class="utrecht-page-footer kluis-footer">
        <p class="utrecht-paragraph">{t.footer.privacy}</p>
        <p class="utrecht-paragraph">
          <a class="utrecht-link" href="/#/toegankelijkheid" onClick={nav("/toegankelijkheid")}>
            {t.footer.accessibility}
          </a>
        </p>
      </footer>
    </div>
  );
}

/** A link's click handler that moves within the app without a reload. */
export function nav(to: string) {
  return (event: MouseEvent) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    go(to);
  };
}
