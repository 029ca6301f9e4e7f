// The browser flows, against the real `kluis serve` named by KLUIS_URL
// (started by tests/web_app.rs with a fresh database), cross-checked with
// the CLI at KLUIS_BIN both ways.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BASE, axeBothWidths, clean, expect, newPage, run, screenshot } from "./harness.mjs";
import { PASSPHRASE, WORK, enrolWithCli, kluis } from "./cli.mjs";

// The administrator, made with the CLI from the bootstrap invite when a
// test first needs one.
let adminCache = null;
const admin = {
  get ks() {
    adminCache ??= enrolWithCli("Beheer", process.env.KLUIS_BOOTSTRAP_INVITE);
    return adminCache.ks;
  },
};
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
      // An attempt outside the grant is refused, and shows as such.
      let refusedRead = false;
      kluis(bram.ks, ["plan", "set", h, "huisvesting/situatie", "--value", "Huurwoning"]);
      try {
        kluis(piet.ks, ["plan", "get", h, "huisvesting/situatie"]);
      } catch {
        refusedRead = true;
      }
      expect(refusedRead, "the out-of-scope read is refused");
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
      expect(
        /Piet de Coach van Wijkteam Noord wilde .* bekijken\. Dat mocht niet\./.test(text),
        `the refusal as a sentence:\n${text}`,
      );
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
  [
    "a household in the browser: start it, write, the CLI reads; the CLI writes, the browser reads; a conflict keeps both",
    async (browser) => {
      const { page, context } = await newPage(browser);
      await enrolInBrowser(page, invite("client", "Carla"), "Carla");
      await page.getByRole("button", { name: "Huishouden starten" }).click();
      await page.getByRole("heading", { name: "Uw huishouden" }).waitFor({ timeout: 30_000 });
      const h = (await page.getByTestId("household-id").innerText()).trim();
      expect(/^h-[0-9a-f]{32}$/.test(h), `a household id: ${h}`);
      await axeBothWidths(page, "household");
      // Add Dirk (made with the CLI) as a member, with his key code.
      const dirk = enrolWithCli("Dirk", kluis(admin.ks, ["invite", "--role", "client", "--name", "Dirk"]));
      const dirkFp = JSON.parse(kluis(dirk.ks, ["whoami", "--json"])).fingerprint;
      await page.getByLabel("Nummer van de persoon").fill(dirk.id);
      await page.getByLabel("Sleutelcode van de persoon").fill("0000 0000 0000 0000 0000 0000 0000 0000");
      await page.getByRole("button", { name: "Lid toevoegen" }).click();
      await page.getByText("De sleutelcode klopt niet").first().waitFor({ timeout: 30_000 });
      await page.getByLabel("Sleutelcode van de persoon").fill(dirkFp);
      await page.getByRole("button", { name: "Lid toevoegen" }).click();
      await page.getByText("Dirk is nu lid").waitFor({ timeout: 30_000 });
      // The plan: write a field in "Geld en schulden".
      await page.getByRole("link", { name: "Het plan" }).click();
      await page.getByRole("heading", { name: "Geld en schulden" }).waitFor({ timeout: 30_000 });
      await screenshot(page, "plan");
      await axeBothWidths(page, "plan");
      await page.getByRole("button", { name: "Iets toevoegen aan dit onderdeel: Geld en schulden" }).click();
      await page.getByLabel("Naam van het veld").fill("situatie");
      await page.getByLabel("Tekst").fill("Schuld bij de energieleverancier: 640 euro");
      await page.getByRole("button", { name: "Opslaan" }).click();
      await page.getByTestId("value").waitFor({ timeout: 30_000 });
      expect((await page.getByTestId("value").innerText()).includes("640 euro"), "the value shows");
      await page.getByText("De handtekening van de schrijver is op dit apparaat gecontroleerd").first().waitFor();
      await axeBothWidths(page, "field");
      // The CLI (Dirk) reads exactly what the browser wrote, and writes a new version.
      const read = kluis(dirk.ks, ["plan", "get", h, "financien/situatie"]);
      expect(read === "Schuld bij de energieleverancier: 640 euro", `the CLI reads: ${read}`);
      // Carla starts editing version 1; meanwhile Dirk writes version 2.
      await page.getByRole("button", { name: "Aanpassen" }).click();
      kluis(dirk.ks, ["plan", "set", h, "financien/situatie", "--value", "Afgelost via de schuldhulp"]);
      await page.getByLabel("Tekst").fill("Regeling getroffen: 40 euro per maand");
      await page.getByRole("button", { name: "Opslaan" }).click();
      await page.getByRole("heading", { name: "Iemand anders heeft dit veld net veranderd" }).waitFor({ timeout: 30_000 });
      expect((await page.getByTestId("theirs").innerText()).includes("Afgelost"), "the other version shows");
      expect((await page.getByTestId("mine").innerText()).includes("40 euro per maand"), "my version is kept");
      await screenshot(page, "conflict");
      await axeBothWidths(page, "conflict");
      await page.getByRole("button", { name: "Mijn versie opslaan" }).click();
      await page.getByText("Opgeslagen.").waitFor({ timeout: 30_000 });
      expect((await page.getByTestId("value").innerText()).includes("40 euro per maand"), "mine saved as version 3");
      // Both earlier versions are in the history, and the CLI reads version 3.
      await page.getByRole("heading", { name: "Eerdere versies" }).waitFor();
      const versions = await page.locator(".kluis-history").innerText();
      expect(versions.includes("Afgelost") && versions.includes("640 euro"), `nothing lost:\n${versions}`);
      expect(kluis(dirk.ks, ["plan", "get", h, "financien/situatie"]) === "Regeling getroffen: 40 euro per maand", "CLI reads v3");
      // Clearing writes an empty version; the CLI reads it empty.
      await page.getByRole("button", { name: "Leegmaken" }).click();
      await page.getByText("Het veld is leeggemaakt").waitFor({ timeout: 30_000 });
      expect(kluis(dirk.ks, ["plan", "get", h, "financien/situatie"]) === "", "the CLI reads the cleared field");
      // Take your data: the export and the key that opens it; the age tool opens it.
      await page.goto(`${BASE}/#/huishouden/${h}/gegevens`);
      await page.getByRole("heading", { name: "Uw gegevens meenemen" }).waitFor();
      await axeBothWidths(page, "take your data");
      const [copyFile] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Kopie downloaden" }).click(),
      ]);
      const copyPath = join(WORK, "carla-export.age");
      await copyFile.saveAs(copyPath);
      await page.getByLabel("Typ uw wachtzin om de sleutel te downloaden").fill("niet goed");
      await page.getByRole("button", { name: "Sleutel downloaden" }).click();
      await page.getByText("Deze wachtzin klopt niet").first().waitFor({ timeout: 30_000 });
      await page.getByLabel("Typ uw wachtzin om de sleutel te downloaden").fill(PASSPHRASE);
      const [keyFile] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Sleutel downloaden" }).click(),
      ]);
      const keyPath = join(WORK, "carla-key.txt");
      await keyFile.saveAs(keyPath);
      const opened = JSON.parse(execFileSync("age", ["-d", "-i", keyPath, copyPath], { encoding: "utf8" }));
      expect(opened.kluis_export === 1 && opened.household === h, "the CLI's export format");
      const texts = opened.fields.flatMap((f) => f.versions.map((v) => v.text));
      expect(
        texts.includes("Afgelost via de schuldhulp") && texts.includes("Regeling getroffen: 40 euro per maand"),
        `every version is in the export: ${JSON.stringify(texts)}`,
      );
      expect(opened.access_log.some((e) => e.event === "export"), "the export is in the history it carries");
      clean(page);
      await context.close();
    },
  ],
  [
    "sharing by keyboard: pick a professional, parts, purpose and date, compare the key code; the CLI reads; withdraw",
    async (browser) => {
      const eva = enrolWithCli(
        "Eva",
        kluis(admin.ks, ["invite", "--role", "professional", "--name", "Eva Jansen", "--org", "Schuldhulp Oost"]),
      );
      const evaFp = JSON.parse(kluis(eva.ks, ["whoami", "--json"])).fingerprint;
      const { page, context } = await newPage(browser);
      await enrolInBrowser(page, invite("client", "Fatima"), "Fatima");
      await page.getByRole("button", { name: "Huishouden starten" }).click();
      await page.getByRole("heading", { name: "Uw huishouden" }).waitFor({ timeout: 30_000 });
      const h = (await page.getByTestId("household-id").innerText()).trim();
      await page.getByRole("link", { name: "Het plan" }).click();
      await page.getByRole("button", { name: "Iets toevoegen aan dit onderdeel: Geld en schulden" }).click();
      await page.getByLabel("Naam van het veld").fill("situatie");
      await page.getByLabel("Tekst").fill("Huurachterstand 3 maanden");
      await page.getByRole("button", { name: "Opslaan" }).click();
      await page.getByTestId("value").waitFor({ timeout: 30_000 });
      await page.goto(`${BASE}/#/huishouden/${h}/delen`);
      await page.getByRole("heading", { name: "Delen met een professional" }).waitFor();
      await axeBothWidths(page, "share: search");
      // From here on, the keyboard only.
      await page.getByLabel("Zoek op naam of organisatie").focus();
      await page.keyboard.type("schuldhulp oost");
      await page.keyboard.press("Enter");
      await page.getByTestId("professionals").waitFor({ timeout: 30_000 });
      await page.getByRole("button", { name: "Kiezen: Eva Jansen" }).focus();
      await page.keyboard.press("Enter");
      await page.getByText("U deelt met Eva Jansen van Schuldhulp Oost").waitFor({ timeout: 30_000 });
      await axeBothWidths(page, "share: what, why, until");
      // Without choices: the errors, tied to their groups.
      await page.getByRole("button", { name: "Verder" }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("alert").waitFor();
      await axeBothWidths(page, "share: errors");
      await page.getByLabel("Geld en schulden").focus();
      await page.keyboard.press("Space");
      await page.getByLabel("hulp bij schulden en geldzaken").focus();
      await page.keyboard.press("Space");
      const until = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
      await page.getByLabel("Tot wanneer?").fill(until);
      await page.getByRole("button", { name: "Verder" }).focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Klopt dit?" }).waitFor();
      const shown = (await page.getByTestId("grantee-fingerprint").innerText()).trim();
      expect(shown === evaFp, `the key code computed on the device (${shown}) is Eva's own (${evaFp})`);
      await screenshot(page, "delen-controleren");
      await axeBothWidths(page, "share: check");
      await page.getByLabel("Ik heb de sleutelcode vergeleken. Die is hetzelfde.").focus();
      await page.keyboard.press("Space");
      await page.getByRole("button", { name: "Delen", exact: true }).focus();
      await page.keyboard.press("Enter");
      await page.getByText("Eva Jansen heeft nu toegang").waitFor({ timeout: 60_000 });
      await page.getByTestId("grants").waitFor();
      // The professional reads with the CLI; the receipt verifies.
      const read = kluis(eva.ks, ["plan", "get", h, "financien/situatie"]);
      expect(read === "Huurachterstand 3 maanden", `Eva reads: ${read}`);
      const grants = JSON.parse(kluis(eva.ks, ["grants", h, "--json"]));
      const grantId = (grants.grants ?? grants)[0].grant_id;
      const receipt = join(WORK, "receipt.jws");
      writeFileSync(receipt, kluis(eva.ks, ["consent", "export", h, grantId]));
      kluis(eva.ks, ["consent", "verify", receipt]);
      await screenshot(page, "delen");
      // Withdraw with one action (and a confirmation); Eva is refused after.
      await page.getByRole("button", { name: "Intrekken: Eva Jansen" }).click();
      await page.getByRole("button", { name: "Ja, intrekken" }).click();
      await page.getByText("De toegang is ingetrokken").waitFor({ timeout: 60_000 });
      let refused = false;
      try {
        kluis(eva.ks, ["plan", "get", h, "financien/situatie"]);
      } catch {
        refused = true;
      }
      expect(refused, "Eva is refused after the withdrawal");
      await axeBothWidths(page, "share: after withdrawal");
      clean(page);
      await context.close();
    },
  ],
  [
    "a share link, and sharing a single field: the professional reads that field and nothing else",
    async (browser) => {
      const jan = enrolWithCli(
        "Jan",
        kluis(admin.ks, ["invite", "--role", "professional", "--name", "Jan Bakker", "--org", "Wijkteam Zuid"]),
      );
      const { page, context } = await newPage(browser);
      await enrolInBrowser(page, invite("client", "Karin"), "Karin");
      await page.getByRole("button", { name: "Huishouden starten" }).click();
      await page.getByRole("heading", { name: "Uw huishouden" }).waitFor({ timeout: 30_000 });
      const h = (await page.getByTestId("household-id").innerText()).trim();
      for (const [name, text] of [["situatie", "Huurachterstand"], ["budget", "Leefgeld 50 per week"]]) {
        await page.goto(`${BASE}/#/huishouden/${h}/plan`);
        await page.getByRole("button", { name: "Iets toevoegen aan dit onderdeel: Geld en schulden" }).click();
        await page.getByLabel("Naam van het veld").fill(name);
        await page.getByLabel("Tekst").fill(text);
        await page.getByRole("button", { name: "Opslaan" }).click();
        await page.getByTestId("value").waitFor({ timeout: 30_000 });
      }
      // Jan's share link (his id and key code): a wrong code is caught on the device.
      const link = kluis(jan.ks, ["whoami", "--share-link"]);
      expect(link.startsWith(`${BASE}/#/delen-met/${jan.id}/`), `the CLI's share link: ${link}`);
      await page.goto(link.replace(/\/[0-9a-f]+$/, `/${"0".repeat(32)}`));
      await page.getByText("De sleutelcode in de link klopt niet").waitFor({ timeout: 30_000 });
      await page.goto(link);
      await page.getByText("U wilt delen met Jan Bakker van Wijkteam Zuid").waitFor({ timeout: 30_000 });
      await axeBothWidths(page, "share link");
      await page.getByRole("button", { name: h }).click();
      await page.getByText("U deelt met Jan Bakker van Wijkteam Zuid").waitFor({ timeout: 30_000 });
      await page.getByText("Of kies losse velden uit Geld en schulden").click();
      await page.getByLabel("situatie", { exact: true }).check();
      await axeBothWidths(page, "share: single fields");
      await page.getByLabel("hulp bij schulden en geldzaken").check();
      await page.getByLabel("Tot wanneer?").fill(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
      await page.getByRole("button", { name: "Verder" }).click();
      const check = await page.getByTestId("check").innerText();
      expect(check.includes("Geld en schulden: situatie") && !check.includes("budget"), `what is shared:\n${check}`);
      await page.getByLabel("Ik heb de sleutelcode vergeleken. Die is hetzelfde.").check();
      await page.getByRole("button", { name: "Delen", exact: true }).click();
      await page.getByText("Jan Bakker heeft nu toegang").waitFor({ timeout: 60_000 });
      expect(kluis(jan.ks, ["plan", "get", h, "financien/situatie"]) === "Huurachterstand", "Jan reads the shared field");
      let refused = false;
      try {
        kluis(jan.ks, ["plan", "get", h, "financien/budget"]);
      } catch {
        refused = true;
      }
      expect(refused, "Jan is refused the field that was not shared");
      clean(page);
      await context.close();
    },
  ],
  [
    "the app locks itself after 15 minutes without use, and unlocks again",
    async (browser) => {
      const { page, context } = await newPage(browser);
      await page.clock.install();
      await enrolInBrowser(page, invite("client", "Hanna"), "Hanna");
      await page.clock.fastForward("14:00");
      await page.getByRole("heading", { name: "Mijn huishouden" }).waitFor();
      await page.clock.fastForward("01:30");
      await page.getByText("Uw kluis is vergrendeld omdat u 15 minuten niets deed").waitFor();
      await axeBothWidths(page, "locked");
      await unlockInBrowser(page, PASSPHRASE);
      await page.getByRole("heading", { name: "Mijn huishouden" }).waitFor({ timeout: 60_000 });
      clean(page);
      await context.close();
    },
  ],
  [
    "an expired login is renewed with the keys in the worker (run by tests/web_app.rs, which moves the server's clock)",
    async (browser) => {
      const signal = process.env.KLUIS_SIGNAL_DIR;
      if (!signal) return; // only in that run
      const { page, context } = await newPage(browser);
      await enrolInBrowser(page, invite("client", "Ilse"), "Ilse");
      await page.getByRole("button", { name: "Huishouden starten" }).click();
      await page.getByRole("heading", { name: "Uw huishouden" }).waitFor({ timeout: 30_000 });
      // Ask the test to move the server's clock past the token's life.
      writeFileSync(join(signal, "ready"), "");
      const started = Date.now();
      while (!existsSync(join(signal, "moved"))) {
        if (Date.now() - started > 30_000) throw new Error("the clock was not moved");
        await new Promise((r) => setTimeout(r, 100));
      }
      await page.getByRole("link", { name: "Het plan" }).click();
      await page.getByRole("heading", { name: "Geld en schulden" }).waitFor({ timeout: 30_000 });
      await page.getByRole("button", { name: "Iets toevoegen aan dit onderdeel: Geld en schulden" }).click();
      await page.getByLabel("Naam van het veld").fill("na-een-uur");
      await page.getByLabel("Tekst").fill("Nog steeds ingelogd");
      await page.getByRole("button", { name: "Opslaan" }).click();
      await page.getByTestId("value").waitFor({ timeout: 30_000 });
      clean(page);
      await context.close();
    },
  ],
  [
    "self-sufficiency scores: entered in the browser the CLI reads, set with the CLI the browser shows, the charts and the table agree",
    async (browser) => {
      const { page, context } = await newPage(browser);
      await enrolInBrowser(page, invite("client", "Els"), "Els");
      await page.getByRole("button", { name: "Huishouden starten" }).click();
      await page.getByRole("heading", { name: "Uw huishouden" }).waitFor({ timeout: 30_000 });
      const h = (await page.getByTestId("household-id").innerText()).trim();
      // Frank, a member with the CLI.
      const frank = enrolWithCli("Frank", kluis(admin.ks, ["invite", "--role", "client", "--name", "Frank"]));
      const frankFp = JSON.parse(kluis(frank.ks, ["whoami", "--json"])).fingerprint;
      await page.getByLabel("Nummer van de persoon").fill(frank.id);
      await page.getByLabel("Sleutelcode van de persoon").fill(frankFp);
      await page.getByRole("button", { name: "Lid toevoegen" }).click();
      await page.getByText("Frank is nu lid").waitFor({ timeout: 30_000 });
      await page.getByRole("link", { name: "Het plan" }).click();
      await page.getByRole("heading", { name: "Hoe gaat het? Scores per onderwerp" }).waitFor({ timeout: 30_000 });
      await page.getByTestId("zrm-now").waitFor({ timeout: 30_000 });
      await axeBothWidths(page, "scores, none yet");
      // An empty form says what is missing, by the fields.
      await page.getByRole("button", { name: "Score toevoegen" }).click();
      await page.getByRole("link", { name: "Kies een onderwerp." }).waitFor();
      await page.getByRole("link", { name: "Kies een score van 1 tot 5." }).waitFor();
      await axeBothWidths(page, "score form with errors");
      // Two scores at intake, by keyboard-reachable controls.
      const enter = async (domain, level, date, note, saved) => {
        await page.getByLabel("Onderwerp", { exact: true }).selectOption(domain);
        await page.getByLabel(level).check();
        await page.getByLabel("Datum van de score").fill(date);
        await page.getByLabel("Korte notitie (mag leeg blijven)").fill(note);
        await page.getByRole("button", { name: "Score toevoegen" }).click();
        await page.getByText(saved).waitFor({ timeout: 30_000 });
      };
      await enter("financien", "2: Het lukt nog niet zelf", "2026-01-10", "Intake: drie schuldeisers",
        "De score voor Geld en schulden is opgeslagen: 2 van 5.");
      await enter("huisvesting", "4: Het lukt zelf", "2026-01-10", "",
        "De score voor Wonen is opgeslagen: 4 van 5.");
      // The CLI reads what the browser wrote.
      const read = JSON.parse(kluis(frank.ks, ["plan", "zrm", h, "--json"]));
      const byId = (l, id) => l.domains.find((d) => d.id === id);
      expect(byId(read, "financien").current.score === 2 && byId(read, "financien").current.date === "2026-01-10",
        `the CLI reads financien: ${JSON.stringify(byId(read, "financien"))}`);
      expect(byId(read, "financien").current.note === "Intake: drie schuldeisers", "the note");
      expect(byId(read, "huisvesting").current.score === 4, "the CLI reads huisvesting");
      expect(byId(read, "financien").current.signed === true, "signed in the browser, checked by the CLI");
      // The CLI scores a review; the browser shows it.
      kluis(frank.ks, ["plan", "zrm", h, "--set", "financien=3", "--set", "adl=1", "--date", "2026-06-01", "--note", "Na drie maanden"]);
      await page.goto(`${BASE}/#/huishouden/${h}`);
      await page.getByRole("link", { name: "Het plan" }).click();
      const cell = page.locator('[data-testid="zrm-table"] td[data-domain="financien"][data-date="2026-06-01"]');
      await cell.waitFor({ timeout: 30_000 });
      expect((await cell.getAttribute("data-score")) === "3", "the CLI's score in the table");
      const now = page.locator('[data-testid="zrm-now"] tr[data-domain="financien"]');
      expect((await now.getAttribute("data-score")) === "3", "the score now is the CLI's");
      expect((await now.innerText()).includes("Na drie maanden"), "with its note");
      // The charts and the table: the same values, read from each.
      const read3 = async (selector) =>
        Object.fromEntries(
          (await page.locator(selector).evaluateAll((els) =>
            els.map((e) => [`${e.dataset.domain} ${e.dataset.date}`, e.dataset.score]),
          )).filter(([, v]) => v !== ""),
        );
      const table = await read3('[data-testid="zrm-table"] td[data-score]');
      const radars = await read3('[data-testid="zrm-radars"] circle[data-score]');
      const lines = await read3('[data-testid="zrm-lines"] circle[data-score]');
      const want = {
        "financien 2026-01-10": "2",
        "huisvesting 2026-01-10": "4",
        "financien 2026-06-01": "3",
        "adl 2026-06-01": "1",
      };
      const same = (a, b) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
      expect(same(table, want), `the table: ${JSON.stringify(table)}`);
      expect(same(radars, want), `the radar charts: ${JSON.stringify(radars)}`);
      expect(same(lines, want), `the lines: ${JSON.stringify(lines)}`);
      // And the same as the CLI's history.
      const cli = {};
      for (const d of JSON.parse(kluis(frank.ks, ["plan", "zrm", h, "--json"])).domains) {
        for (const v of d.history) cli[`${d.id} ${v.date}`] ??= String(v.score);
      }
      expect(same(cli, want), `the CLI: ${JSON.stringify(cli)}`);
      // One radar per date, each an image named by its title.
      expect((await page.locator('[data-testid="zrm-radars"] svg[role="img"]').count()) === 2, "two moments");
      expect(
        (await page.locator('[data-testid="zrm-radars"] svg title').first().textContent()).includes("10 januari 2026"),
        "the first radar names its date",
      );
      if (process.env.KLUIS_SCREENSHOTS) {
        await page.locator('[data-section="zrm"]').screenshot({ path: `${process.env.KLUIS_SCREENSHOTS}/zrm.png` });
      }
      await axeBothWidths(page, "scores with charts");
      clean(page);
      await context.close();
    },
  ],
  [
    "an expired invite says so (run by tests/web_app.rs with a clock moved on)",
    async (browser) => {
      const link = process.env.KLUIS_EXPIRED_LINK;
      if (!link) return; // only in that run
      const { page, context } = await newPage(browser);
      await page.goto(link);
      await page.getByLabel("Uw naam").fill("Gijs");
      await page.getByLabel("Kies een wachtzin").fill(PASSPHRASE);
      await page.getByLabel("Typ de wachtzin nog een keer").fill(PASSPHRASE);
      await page.getByRole("button", { name: "Account maken" }).click();
      await page.getByText("Deze uitnodiging is verlopen").waitFor({ timeout: 60_000 });
      await axeBothWidths(page, "expired invite");
      clean(page);
      await context.close();
    },
  ],
];

// KLUIS_ONLY=TEXT runs the tests whose name contains TEXT.
const only = process.env.KLUIS_ONLY;
await run(only ? tests.filter(([name]) => name.includes(only)) : tests);
