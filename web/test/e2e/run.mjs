// The browser flows, against the real `kluis serve` named by KLUIS_URL
// (started by tests/web_app.rs with a fresh database), cross-checked with
// the CLI at KLUIS_BIN both ways.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BASE, axeBothWidths, clean, expect, newPage, run, screenshot } from "./harness.mjs";
import { PASSPHRASE, WORK, enrolWithCli, kluis } from "./cli.mjs";

// The administrator, made with the CLI from the bootstrap invite.
const admin = enrolWithCli("Beheer", process.env.KLUIS_BOOTSTRAP_INVITE);
const invite = (role, name, org) =>
  kluis(admin.ks, ["invite", "--role", role, "--name", name, ...(org ? ["--org", org] : []), "--link"]);

/** Fill in the enrolment form of an invite link and wait for the start screen. */
async function enrolInBrowser(page, link, name) {
  await page.goto(link);
  await page.getByLabel("Uw naam").fill(name);
  await page.getByLabel("Kies een wachtzin").fill(PASSPHRASE);
  await page.getByLabel("Typ de wachtzin nog een keer").fill(PASSPHRASE);
  await page.getByRole("button", { name: "Account maken" }).click();
  await page.getByRole("heading", { name: "Mijn huishouden" }).waitFor({ timeout: 60_000 });
  return (await page.getByTestId("fingerprint").innerText()).trim();
}

async function unlockInBrowser(page, passphrase) {
  await page.getByLabel("Wachtzin").fill(passphrase);
  await page.getByRole("button", { name: "Ontgrendelen" }).click();
}

const tests = [
  [
    "the start page without keys explains what to do, and passes axe",
    async (browser) => {
      const { page, context } = await newPage(browser);
      await page.goto(BASE + "/");
      await page.getByRole("heading", { level: 1 }).waitFor();
      expect((await page.locator("html").getAttribute("lang")) === "nl", "the page is in Dutch");
      await page.getByText("Op dit apparaat staan nog geen sleutels").waitFor();
      await axeBothWidths(page, "unlock without keys");
      clean(page);
      await context.close();
    },
  ],
  [
    "a link without a code says so; the accessibility statement is reachable",
    async (browser) => {
      const { page, context } = await newPage(browser);
      await page.goto(BASE + "/welkom");
      await page.getByText("Deze link werkt niet").waitFor();
      await axeBothWidths(page, "welcome without code");
      await page.getByRole("link", { name: "Toegankelijkheidsverklaring" }).click();
      await page.getByRole("heading", { name: "Toegankelijkheidsverklaring" }).waitFor();
      await axeBothWidths(page, "accessibility statement");
      clean(page);
      await context.close();
    },
  ],
  [
    "the enrolment form shows its errors by the fields, reached by keyboard",
    async (browser) => {
      const { page, context } = await newPage(browser);
      await page.goto(BASE + "/welkom#ongeldige-code");
      await page.getByLabel("Uw naam").waitFor();
      await screenshot(page, "welkom");
      await axeBothWidths(page, "enrolment form");
      // Keyboard only: skip the name, a short passphrase, then Enter.
      await page.getByLabel("Uw naam").focus();
      await page.keyboard.press("Tab");
      await page.keyboard.type("kort");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Tab");
      await page.keyboard.press("Enter");
      const summary = page.getByRole("alert");
      await summary.waitFor();
      expect((await summary.innerText()).includes("Vul uw naam in"), "the summary names the missing name");
      const described = await page.getByLabel("Kies een wachtzin").getAttribute("aria-describedby");
      expect(described?.includes("wachtzin-error"), "the passphrase error is tied to its field");
      await axeBothWidths(page, "enrolment form with errors");
      clean(page);
      await context.close();
    },
  ],
  [
    "English is one click away and remembered",
    async (browser) => {
      const { page, context } = await newPage(browser);
      await page.goto(BASE + "/");
      await page.getByRole("button", { name: "Read this app in English" }).click();
      await page.getByRole("heading", { name: "Unlock your kluis" }).waitFor();
      await page.reload();
      await page.getByRole("heading", { name: "Unlock your kluis" }).waitFor();
      expect((await page.locator("html").getAttribute("lang")) === "en", "the page says it is English");
      await axeBothWidths(page, "unlock in English");
      clean(page);
      await context.close();
    },
  ],
  [
    "enrol from a link, unlock (wrong passphrase first), and the keystore works with the CLI",
    async (browser) => {
      const link = invite("client", "Anna");
      const { page, context } = await newPage(browser);
      const fingerprint = await enrolInBrowser(page, link, "Anna de Vries");
      await screenshot(page, "start");
      await axeBothWidths(page, "start screen");
      // The link works once.
      const second = await newPage(browser);
      await second.page.goto(link);
      await second.page.getByLabel("Uw naam").fill("Iemand anders");
      await second.page.getByLabel("Kies een wachtzin").fill(PASSPHRASE);
      await second.page.getByLabel("Typ de wachtzin nog een keer").fill(PASSPHRASE);
      await second.page.getByRole("button", { name: "Account maken" }).click();
      await second.page.getByText("Deze uitnodiging is al gebruikt").waitFor({ timeout: 60_000 });
      await second.context.close();
      // Lock; a wrong passphrase is refused by the field; the right one opens.
      await page.getByRole("button", { name: "Vergrendelen" }).click();
      await page.getByRole("heading", { name: "Ontgrendel uw kluis" }).waitFor();
      await unlockInBrowser(page, "dit is niet de goede wachtzin");
      await page.getByText("Deze wachtzin klopt niet").first().waitFor({ timeout: 60_000 });
      await axeBothWidths(page, "unlock with a wrong passphrase");
      await unlockInBrowser(page, PASSPHRASE);
      await page.getByRole("heading", { name: "Mijn huishouden" }).waitFor({ timeout: 60_000 });
      // The downloaded keystore is the CLI's format: the CLI signs in with it.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Sleutelbestand downloaden" }).click(),
      ]);
      const file = join(WORK, "anna-browser.keystore");
      await download.saveAs(file);
      const me = JSON.parse(kluis(file, ["whoami", "--json"]));
      expect(me.fingerprint === fingerprint, `the CLI computes ${me.fingerprint}, the browser showed ${fingerprint}`);
      expect(me.name === "Anna", `registered under the invite's name: ${me.name}`);
      clean(page);
      await context.close();
    },
  ],
  [
    "a CLI keystore imports in the browser; the household's history reads as Dutch sentences",
    async (browser) => {
      // Bram is made with the CLI, starts a household and writes in it;
      // a professional reads with a grant; a stranger is refused.
      const bram = enrolWithCli("Bram", kluis(admin.ks, ["invite", "--role", "client", "--name", "Bram"]));
      const piet = enrolWithCli(
        "Piet",
        kluis(admin.ks, ["invite", "--role", "professional", "--name", "Piet de Coach", "--org", "Wijkteam Noord"]),
      );
      const h = kluis(bram.ks, ["household", "create"]);
      kluis(bram.ks, ["plan", "set", h, "financien/situatie", "--value", "Schuld: 4.200 euro"]);
      const pietFp = JSON.parse(kluis(piet.ks, ["whoami", "--json"])).fingerprint;
      kluis(bram.ks, [
        "grant", h, "--to", piet.id, "--fields", "financien/*", "--purpose", "schuldhulp",
        "--expect-fingerprint", pietFp,
      ]);
      kluis(piet.ks, ["plan", "get", h, "financien/situatie"]);
      // Import Bram's CLI keystore in a fresh browser and unlock it.
      const { page, context } = await newPage(browser);
      await page.goto(BASE + "/");
      writeFileSync(join(WORK, "bram-copy.keystore"), readFileSync(bram.ks));
      await page.getByLabel("Sleutelbestand", { exact: true }).setInputFiles(join(WORK, "bram-copy.keystore"));
      await page.getByRole("button", { name: "Bestand overzetten" }).click();
      await page.getByText("Het sleutelbestand staat nu op dit apparaat").waitFor();
      await unlockInBrowser(page, PASSPHRASE);
      await page.getByRole("heading", { name: "Mijn huishouden" }).waitFor({ timeout: 60_000 });
      const bramFp = JSON.parse(kluis(bram.ks, ["whoami", "--json"])).fingerprint;
      expect((await page.getByTestId("fingerprint").innerText()).trim() === bramFp, "the same key code as the CLI");
      await page.getByRole("link", { name: new RegExp(h) }).click();
      await page.getByRole("link", { name: "Wie keek in mijn plan?" }).click();
      const history = page.getByTestId("history");
      await history.waitFor();
      const text = await history.innerText();
      expect(
        /Piet de Coach van Wijkteam Noord heeft .*situatie bekeken, op basis van uw toestemming voor hulp bij schulden en geldzaken\./.test(text),
        `the professional's read as a sentence:\n${text}`,
      );
      expect(text.includes("Bram heeft het huishouden gestart"), `the start:\n${text}`);
      await screenshot(page, "wie-keek");
      await axeBothWidths(page, "access history");
      // Professionals only.
      await page.getByLabel("Alleen professionals laten zien").check();
      const only = await history.innerText();
      expect(!only.includes("Bram heeft"), `only professionals:\n${only}`);
      clean(page);
      await context.close();
    },
  ],
];

await run(tests);
