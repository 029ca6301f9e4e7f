// New keys in the browser ("Nieuwe sleutels maken" on Apparaten en
// sessies), cross-checked with the CLI both ways. Registered from run.mjs.
//
// Flow: a client made with the CLI has a household that a professional may
// read (granted with the CLI); she brings her keystore to the browser and
// makes new keys by keyboard: the passphrase, the new recovery code typed
// back (a wrong one first). Then her plan still reads in the browser, the
// professional's CLI still reads it (it follows the signed rotation), her
// old keystore no longer logs in, the recovery code the browser showed gets
// her keys back with the CLI, and her history says she made new keys.
//
// Then the ways a rotation can break off, each settled without losing the
// keys: the answer lost after the server committed (the device asks the
// server whether it knows the new keys); no answer at all (the device says
// it is not sure, and trying again finishes it); the tab closed after the
// server committed, and closed before the request reached the server (the
// next unlock finds the staged keystore and asks the server which keys work).

import { BASE, axeBothWidths, clean, expect, newPage, SLOW_WAIT } from "./harness.mjs";
import { PASSPHRASE, WORK, enrolWithCli, kluis } from "./cli.mjs";
import { join } from "node:path";

const FIELD = "financien/situatie";
const VALUE = "Schuld bij de woningcorporatie, regeling loopt";
const ROTATE = /\/v1\/keys\/rotate$/;

/** On Apparaten en sessies, make new keys by keyboard up to the recovery code; returns the code. */
async function prepareByKeyboard(page) {
  // Away and back: a fresh screen (a reload would lock the keys away).
  await page.goto(`${BASE}/#/toegankelijkheid`);
  await page.goto(`${BASE}/#/apparaten`);
  const field = page.getByLabel("Wachtzin voor de nieuwe sleutels");
  await field.waitFor({ timeout: 30_000 });
  await field.focus();
  await page.keyboard.type(PASSPHRASE);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Uw nieuwe herstelcode" }).waitFor({ timeout: SLOW_WAIT });
  const code = (await page.getByTestId("herstelcode").innerText()).trim();
  expect(/^([0-9A-Z]{4}-){6}[0-9A-Z]{4}$/.test(code), `a recovery code in 7 groups: ${code}`);
  return code;
}

/** Type the code's last two groups back and send. */
async function typeBack(page, code) {
  await page.getByLabel("Typ de laatste twee groepen van de code over").focus();
  await page.keyboard.press("Control+a");
  await page.keyboard.type(code.split("-").slice(-2).join("-").toLowerCase());
  await page.keyboard.press("Enter");
}

/** The new key code the finished rotation shows. */
async function doneFingerprint(page) {
  const done = page.getByText(/^Uw nieuwe sleutels zijn klaar\. Uw nieuwe sleutelcode is /);
  try {
    await done.waitFor({ timeout: SLOW_WAIT });
  } catch (e) {
    throw new Error(`no finished rotation; the screen says: ${await page.locator("main").innerText().catch(() => "?")}`, { cause: e });
  }
  return (await done.innerText()).match(/sleutelcode is (.+?)\. Uw oude/)[1];
}

/** Wait for `text` in the element with test id `id`; on a timeout, say what the screen shows. */
async function shows(page, id, text) {
  try {
    await page.getByTestId(id).getByText(text).waitFor({ timeout: SLOW_WAIT });
  } catch (e) {
    throw new Error(`"${text}" not shown; the screen says: ${await page.locator("main").innerText().catch(() => "?")}`, { cause: e });
  }
}

/** The key code on the start screen. */
async function homeFingerprint(page) {
  await page.goto(`${BASE}/#/`);
  await page.getByTestId("fingerprint").waitFor({ timeout: 30_000 });
  return (await page.getByTestId("fingerprint").innerText()).trim();
}

/** Whether this browser holds a staged keystore (`keys/keystore_db.ts`), read from IndexedDB itself. */
function stagedIn(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("kluis", 1);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction("keystore").objectStore("keystore").get("staged");
          get.onsuccess = () => {
            open.result.close();
            resolve(typeof get.result === "string");
          };
          get.onerror = () => reject(get.error);
        };
      }),
  );
}

/** `kluis whoami` of a keystore, or the error it failed with. */
function whoami(ks) {
  try {
    return JSON.parse(kluis(ks, ["whoami", "--json"]));
  } catch (e) {
    return { error: String(e.message) };
  }
}

/** `helpers`: run.mjs's own (an invite code from the admin, a CLI keystore into a browser, unlocking). */
export const rotationTests = ({ inviteCode, importCliKeystore, unlockInBrowser }) => [
  [
    "rotation: fresh keys by keyboard; the plan, a professional's CLI, the recovery code and the history follow; broken-off rotations are settled",
    async (browser) => {
      const sara = enrolWithCli("Sara Wissel", inviteCode("client", "Sara Wissel"));
      const piet = enrolWithCli("Piet Wissel", inviteCode("professional", "Piet Wissel", "Wijkteam Oost"));
      const h = kluis(sara.ks, ["household", "create"]);
      kluis(sara.ks, ["plan", "set", h, FIELD, "--value", VALUE]);
      const pietFp = JSON.parse(kluis(piet.ks, ["whoami", "--json"])).fingerprint;
      const until = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
      kluis(sara.ks, ["grant", h, "--to", piet.id, "--fields", "financien/*", "--purpose", "schuldhulp", "--until", until, "--expect-fingerprint", pietFp]);
      expect(kluis(piet.ks, ["plan", "get", h, FIELD]) === VALUE, "the professional reads before");

      const { context, page } = await newPage(browser);
      await importCliKeystore(page, sara, "sara-wissel.keystore");
      const oldFp = await homeFingerprint(page);
      expect(oldFp === whoami(sara.ks).fingerprint, "the browser holds the CLI's keys");

      // 1. By keyboard: the passphrase, a wrong code typed back, then the right one.
      await page.goto(`${BASE}/#/apparaten`);
      await page.getByRole("heading", { name: "Nieuwe sleutels maken", exact: true }).waitFor({ timeout: 30_000 });
      await axeBothWidths(page, "devices with the new keys section");
      const code = await prepareByKeyboard(page);
      expect(await stagedIn(page), "the new keystore is kept on the device before anything is sent");
      await axeBothWidths(page, "new keys: the new recovery code");
      await page.getByLabel("Typ de laatste twee groepen van de code over").focus();
      await page.keyboard.type("AAAA-AAAA");
      await page.keyboard.press("Enter");
      await page.getByRole("link", { name: "Dit is niet hetzelfde als de code. Kijk nog eens goed." }).waitFor();
      expect(whoami(sara.ks).fingerprint === oldFp, "nothing was sent before the code was typed back");
      await typeBack(page, code);
      const newFp = await doneFingerprint(page);
      await axeBothWidths(page, "new keys: done");
      expect(newFp !== oldFp, "new keys");
      expect(!(await stagedIn(page)), "the staged keystore became the current one");
      expect((await homeFingerprint(page)) === newFp, "the start screen shows the new key code");

      // The plan still reads here, and in the professional's CLI.
      await page.goto(`${BASE}/#/huishouden/${h}/plan`);
      await page.getByText(VALUE).waitFor({ timeout: SLOW_WAIT });
      expect(kluis(piet.ks, ["plan", "get", h, FIELD]) === VALUE, "the professional's CLI follows the rotation");
      // The old keystore no longer logs in.
      const old = whoami(sara.ks);
      expect(old.error?.includes("not registered"), `the old keys are refused: ${JSON.stringify(old)}`);
      // The code the browser showed gets her new keys back with the CLI.
      const recovered = join(WORK, "sara-teruggehaald.keystore");
      kluis(recovered, ["keys", "recover", "--code", code, "--work-factor", "10"]);
      expect(whoami(recovered).fingerprint === newFp, "the browser's recovery code opens the new keys in the CLI");
      // The history says so (seen by the CLI too).
      await page.goto(`${BASE}/#/huishouden/${h}/geschiedenis`);
      await page.getByText("heeft nieuwe sleutels gemaakt").first().waitFor({ timeout: SLOW_WAIT });
      const log = kluis(recovered, ["access-log", h, "--json"]);
      expect(log.includes("principal.rotate"), "the CLI's history has the rotation");

      // 2. The answer is lost after the server committed: settled by asking.
      let lost = 0;
      await context.route(ROTATE, async (route) => {
        await route.fetch();
        lost += 1;
        await route.abort("connectionreset");
      });
      await typeBack(page, await prepareByKeyboard(page));
      const lostFp = await doneFingerprint(page);
      expect(lost >= 1 && lostFp !== newFp, `finished though ${lost} answer(s) were lost`);
      await context.unroute(ROTATE);

      // 3. No answer and the server never got it: "not sure", then try again.
      await context.route(ROTATE, (route) => route.abort("connectionreset"));
      await typeBack(page, await prepareByKeyboard(page));
      await page.getByText("We weten nog niet of de server uw nieuwe sleutels heeft.").waitFor({ timeout: SLOW_WAIT });
      await axeBothWidths(page, "new keys: not sure");
      expect(await stagedIn(page), "not sure: the new keystore stays");
      await context.unroute(ROTATE);
      await page.getByRole("button", { name: "Opnieuw proberen" }).focus();
      await page.keyboard.press("Enter");
      const retriedFp = await doneFingerprint(page);
      expect(retriedFp !== lostFp, "trying again finished it");
      clean(page);

      // 4. The tab closes after the server committed, before its answer.
      let committed = false;
      await context.route(ROTATE, async (route) => {
        await route.fetch();
        committed = true;
        // never answered: the tab goes first
      });
      await typeBack(page, await prepareByKeyboard(page));
      for (let i = 0; i < 600 && !committed; i++) await page.waitForTimeout(100);
      expect(committed, "the rotation reached the server");
      await page.close();
      await context.unroute(ROTATE);
      let tab = await context.newPage();
      await tab.goto(`${BASE}/#/apparaten`);
      await tab.getByText("Het maken van nieuwe sleutels is niet afgemaakt.").waitFor({ timeout: 30_000 });
      await unlockInBrowser(tab, PASSPHRASE);
      await shows(tab, "rotation-outcome", "Uw nieuwe sleutels werken nu.");
      expect(!(await stagedIn(tab)), "finished: the staged keystore is the current one");
      const settledFp = await homeFingerprint(tab);
      expect(settledFp !== retriedFp, "the new keys of the closed tab are in use");

      // 5. The tab closes while its request has not reached the server (each
      // attempt is cut before it gets there; the tab goes during the wait before a retry).
      let cut = 0;
      await context.route(ROTATE, async (route) => {
        cut += 1;
        await route.abort("connectionreset");
      });
      await typeBack(tab, await prepareByKeyboard(tab));
      for (let i = 0; i < 600 && cut === 0; i++) await tab.waitForTimeout(50);
      expect(cut > 0, "the rotation left the page");
      await tab.close();
      await context.unroute(ROTATE);
      tab = await context.newPage();
      await tab.goto(`${BASE}/#/`);
      await tab.getByText("Het maken van nieuwe sleutels is niet afgemaakt.").waitFor({ timeout: 30_000 });
      await unlockInBrowser(tab, PASSPHRASE);
      await shows(tab, "rotation-outcome", "Uw sleutels zijn niet veranderd.");
      await axeBothWidths(tab, "after an unfinished rotation");
      expect((await homeFingerprint(tab)) === settledFp, "the keys are the ones before");
      expect(!(await stagedIn(tab)), "settled: nothing left for the next unlock");
      expect(kluis(piet.ks, ["plan", "get", h, FIELD]) === VALUE, "the professional still reads after four rotations");
      await context.close();
    },
  ],
];
