// Runs bench/plan_open.ts in Debian's Chromium (playwright-core) and prints
// {"dossiers_per_s": …} on stdout. The bundles are served from memory by a
// server of this script on 127.0.0.1 (a secure context, as WebCrypto
// needs; Playwright's routing does not see the requests of a worker's own
// workers), on a port the system picks, for this run only: nothing leaves
// the machine.
// Usage: node web/bench/run.mjs SIDE_MS ROUNDS

import { createServer } from "node:http";

import { build } from "esbuild";
import { chromium } from "playwright-core";

const here = new URL(".", import.meta.url).pathname;
const [sideMs = "2000", rounds = "3"] = process.argv.slice(2);

// The bench worker, and the opener worker exactly as the app builds it
// (`web/build.mjs`), served where the app serves it (`/app/opener.js`).
const bundle = await build({
  entryPoints: { plan_open: `${here}plan_open.ts`, opener: `${here}../src/worker/opener.ts` },
  outdir: "/bench",
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome120"],
  minify: true,
  write: false,
  logLevel: "warning",
});
const output = (name) => bundle.outputFiles.find((f) => f.path.endsWith(`/${name}.js`)).text;
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
const files = {
  "/": ["text/html", page],
  "/start.js": ["text/javascript", start],
  "/plan_open.js": ["text/javascript", output("plan_open")],
  "/app/opener.js": ["text/javascript", output("opener")],
};
const server = createServer((req, res) => {
  const file = files[new URL(req.url ?? "/", "http://127.0.0.1").pathname];
  res.writeHead(file ? 200 : 404, { "content-type": file ? file[0] : "text/plain" });
  res.end(file ? file[1] : "");
});
await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
const origin = `http://127.0.0.1:${server.address().port}`;
try {
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(`${origin}/`);
  await tab.waitForFunction(() => window.result !== undefined, null, { timeout: 600_000 });
  const result = await tab.evaluate(() => window.result);
  if (!result.ok) throw new Error(result.error);
  console.log(JSON.stringify({ dossiers_per_s: result.dossiers_per_s, fields: result.fields }));
} finally {
  await browser.close();
  server.close();
}
