// Runs bench/plan_open.ts in Debian's Chromium (playwright-core) and prints
// {"dossiers_per_s": …} on stdout. The bundle is served from memory on
// localhost (a secure context, as WebCrypto needs) through Playwright's routing:
// no server listens there and nothing leaves the machine.
// Usage: node web/bench/run.mjs SIDE_MS ROUNDS

import { build } from "esbuild";
import { chromium } from "playwright-core";

const here = new URL(".", import.meta.url).pathname;
const [sideMs = "2000", rounds = "3"] = process.argv.slice(2);

const bundle = await build({
  entryPoints: [`${here}plan_open.ts`],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome120"],
  minify: true,
  write: false,
  logLevel: "warning",
});
const worker = bundle.outputFiles[0].text;
const page = `<!doctype html><title>bench</title><script type="module" src="/start.js"></script>`;
const start = `
const w = new Worker("/plan_open.js", { type: "module" });
w.onmessage = (e) => { window.result = e.data; };
w.postMessage({ side_ms: ${Number(sideMs)}, rounds: ${Number(rounds)} });
`;

const browser = await chromium.launch({
  executablePath: process.env.KLUIS_CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext();
  const files = { "/": ["text/html", page], "/start.js": ["text/javascript", start], "/plan_open.js": ["text/javascript", worker] };
  await context.route("http://localhost:9/**", (route) => {
    const path = new URL(route.request().url()).pathname;
    const file = files[path];
    if (!file) return route.fulfill({ status: 404, body: "" });
    return route.fulfill({ status: 200, contentType: file[0], body: file[1] });
  });
  const tab = await context.newPage();
  await tab.goto("http://localhost:9/");
  await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 600_000 });
  const result = await tab.evaluate(() => window.result);
  if (!result.ok) throw new Error(result.error);
  console.log(JSON.stringify({ dossiers_per_s: result.dossiers_per_s, fields: result.fields }));
} finally {
  await browser.close();
}
