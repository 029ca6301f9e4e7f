import { render } from "preact";
import { App } from "./app";
import { copy } from "./copy";

document.documentElement.lang = copy.value.lang;
const root = document.getElementById("app");
if (root) render(<App />, root);

// Keep the app's files on the device, to open it without a network (`sw.ts`).
navigator.serviceWorker?.register("/app/sw.js", { scope: "/" }).catch(() => undefined);
