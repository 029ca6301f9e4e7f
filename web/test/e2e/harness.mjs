// The browser test harness: Debian's Chromium driven by playwright-core
// (Playwright's own browser download cannot work here). Every page is
// watched: a request to another origin, a Content-Security-Policy
// violation or an uncaught error fails the test it happens in.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const JSQR = readFileSync(require.resolve("jsqr/dist/jsQR.js"), "utf8");

export const BASE = process.env.KLUIS_URL;
export const ORIGIN = new URL(BASE).origin;
/**
 * How long to wait for a screen behind a key derivation (enrolment, unlock:
 * scrypt at work factor 18 in the key worker). A few seconds on a quiet
 * machine; CI runs the flows side by side with other tests on two cores,
 * where a 60 s wait once ran out. A hang still fails, only later.
 */
export const SLOW_WAIT = 180_000;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.KLUIS_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A fresh browser profile (its own IndexedDB), watched for leaks. */
export async function newPage(browser, { width = 1280, height = 900, deviceScaleFactor = 1 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(ORIGIN) && !u.startsWith("data:") && !u.startsWith("blob:")) {
      problems.push(`request to another origin: ${u}`);
    }
  });
  page.on("console", (m) => {
    if (m.type() === "error" && /Content.Security.Policy|Refused to/i.test(m.text())) {
      problems.push(`CSP: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
  page.on("response", (r) => {
    if (!r.url().startsWith(ORIGIN)) return;
    const h = r.headers();
    if (!h["content-security-policy"]?.includes("default-src 'self'")) {
      problems.push(`no CSP on ${r.url()}`);
    }
    if (h["x-content-type-options"] !== "nosniff") problems.push(`no nosniff on ${r.url()}`);
  });
  page.problems = problems;
  return { context, page };
}

/** axe-core on the page as it is now: no WCAG 2.1 A or AA violation. */
export async function axe(page, where) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  if (result.violations.length) {
    const text = result.violations
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(" ")).join("\n    ")}`)
      .join("\n  ");
    throw new Error(`axe on ${where}: ${result.violations.length} violation(s):\n  ${text}`);
  }
}

/** axe at desktop width and at 360 px wide. */
export async function axeBothWidths(page, where) {
  await axe(page, `${where} (desktop)`);
  const size = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  await axe(page, `${where} (360 px)`);
  // Nothing wider than the screen at 360 px (no sideways scrolling).
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) throw new Error(`${where}: ${overflow} px wider than a 360 px screen`);
  await page.setViewportSize(size);
}

export function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** Run the tests one after another; report each; exit non-zero on failure. */
export async function run(tests) {
  const browser = await launch();
  let failed = 0;
  for (const [name, test] of tests) {
    const started = Date.now();
    try {
      await test(browser);
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${name}: ${e.stack ?? e}`);
      await showPages(browser);
    }
  }
  await browser.close();
  if (failed) {
    console.log(`${failed} browser test(s) failed`);
    process.exit(1);
  }
}

/**
 * After a failure: what every open page shows (address, visible text, what
 * its watchers saw), so a failure that only happens on a busy CI machine can
 * be read from the log.
 */
async function showPages(browser) {
  for (const context of browser.contexts()) {
    for (const page of context.pages()) {
      try {
        const text = await page.locator("body").innerText({ timeout: 5_000 });
        console.log(`  page ${page.url()}:\n    ${text.slice(0, 2_000).replace(/\n+/g, "\n    ")}`);
        if (page.problems?.length) console.log(`  its problems: ${page.problems.join("; ")}`);
      } catch (e) {
        console.log(`  page ${page.url()}: unreadable (${e.message ?? e})`);
      }
    }
  }
}

/** Fail if anything the watchers saw went wrong on this page. */
export function clean(page) {
  if (page.problems.length) throw new Error(page.problems.join("\n"));
}

/** With KLUIS_SCREENSHOTS=DIR, save a screenshot of the page as DIR/NAME.png
 *  (the README's pictures are made this way). */
export async function screenshot(page, name) {
  const dir = process.env.KLUIS_SCREENSHOTS;
  if (!dir) return;
  await page.screenshot({ path: `${dir}/${name}.png`, fullPage: true });
}

/**
 * Decode a QR code as a phone would see it: the app's SVG drawn to pixels
 * and read by jsQR. This runs on a blank page of its own (with the page's
 * CSP lifted: drawing an SVG into a canvas needs a data: image, which the
 * app's CSP rightly forbids); the app page is not touched.
 */
export async function decodeQr(browser, svgMarkup) {
  const context = await browser.newContext({ bypassCSP: true });
  try {
    const page = await context.newPage();
    await page.setContent("<!doctype html><title>qr</title>");
    await page.addScriptTag({ content: JSQR });
    return await page.evaluate(async (svg) => {
      const img = new Image();
      img.src = "data:image/svg+xml;base64," + btoa(svg);
      await img.decode();
      const canvas = document.createElement("canvas");
      canvas.width = 400;
      canvas.height = 400;
      const g = canvas.getContext("2d");
      g.fillStyle = "#fff";
      g.fillRect(0, 0, 400, 400);
      g.drawImage(img, 0, 0, 400, 400);
      const data = g.getImageData(0, 0, 400, 400);
      // eslint-disable-next-line no-undef
      return jsQR(data.data, 400, 400)?.data ?? null;
    }, svgMarkup);
  } finally {
    await context.close();
  }
}

/**
 * Break the first request matching `method` and `path` (a RegExp on the
 * URL's path) in `context`, pages and workers alike: "lose" lets it reach
 * the server (which commits it) and then breaks the connection before the
 * answer arrives; "unavailable" answers 503 without reaching the server.
 * Later matching requests pass. Returns what it saw: the `Idempotency-Key`
 * of every matching request, in order.
 */
export async function breakFirst(context, method, path, how) {
  const seen = { keys: [] };
  await context.route(
    (url) => path.test(url.pathname),
    async (route) => {
      const request = route.request();
      if (request.method() !== method) return route.fallback();
      seen.keys.push(request.headers()["idempotency-key"] ?? null);
      if (seen.keys.length > 1) return route.fallback();
      if (how === "lose") {
        await route.fetch();
        return route.abort("connectionreset");
      }
      // Made up here, with the headers the server gives every answer (the watchers check them).
      return route.fulfill({
        status: 503,
        contentType: "application/problem+json",
        headers: { "content-security-policy": "default-src 'self'", "x-content-type-options": "nosniff" },
        body: JSON.stringify({ type: "urn:kluis:problem:unavailable", title: "The service is unavailable", status: 503 }),
      });
    },
  );
  return seen;
}

/** The first request `seen` was retried with the same idempotency key. */
export function retriedWithSameKey(seen, what) {
  if (seen.keys.length < 2) throw new Error(`${what}: no retry was sent (${seen.keys.length} request(s))`);
  if (!seen.keys[0] || seen.keys.some((k) => k !== seen.keys[0])) {
    throw new Error(`${what}: the retry did not carry the first attempt's Idempotency-Key: ${JSON.stringify(seen.keys)}`);
  }
}
