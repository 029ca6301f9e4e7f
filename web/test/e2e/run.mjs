// The browser flows, against the real `kluis serve` named by KLUIS_URL
// (started by tests/web_app.rs with a fresh database), cross-checked with
// the CLI at KLUIS_BIN.

import { BASE, axeBothWidths, clean, expect, newPage, run } from "./harness.mjs";

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
      await axeBothWidths(page, "enrolment form");
      // Keyboard only: tab to the button and press Enter with nothing filled in.
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
      await axeBothWidths(page, "unlock in English");
      clean(page);
      await context.close();
    },
  ],
];

await run(tests);
