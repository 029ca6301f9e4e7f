// The trusted contact (vertrouwenspersoon) in the browser, cross-checked
// with the CLI: Anna names Bram by keyboard, Bram asks (CLI), Anna refuses
// on the household screen; Bram asks again in his browser, is told to wait,
// tests/web_app.rs moves the server's clock past the wait (signal folder),
// and Bram fetches access, his device checks the household, and he reads
// the plan. axe on every screen. Registered from run.mjs.

import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BASE, axeBothWidths, clean, expect, newPage, SLOW_WAIT } from "./harness.mjs";
import { enrolWithCli, kluis } from "./cli.mjs";

/** Wait for tests/web_app.rs to move the server's clock (it watches `ready`). */
async function clockMoved(signal) {
  writeFileSync(join(signal, "ready"), "");
  const started = Date.now();
  while (!existsSync(join(signal, "moved"))) {
    if (Date.now() - started > 30_000) throw new Error("the clock was not moved");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `helpers`: run.mjs's own (an invite from the admin, a CLI keystore into a browser, …). */
export const contactTests = ({ inviteCode, importCliKeystore, startHousehold, addFinanceField }) => [
  [
    "a trusted contact asks, is refused, asks again and gets access after the wait (run by tests/web_app.rs, which moves the server's clock)",
    async (browser) => {
      const signal = process.env.KLUIS_CONTACT_SIGNAL_DIR;
      if (!signal) return; // only in that run
      const anna = enrolWithCli("Anna Vertrouwd", inviteCode("client", "Anna Vertrouwd"));
      const bram = enrolWithCli("Bram Vertrouwd", inviteCode("client", "Bram Vertrouwd"));
      const bramFp = JSON.parse(kluis(bram.ks, ["whoami", "--json"])).fingerprint;

      // Anna names Bram, by keyboard, on her household screen.
      const a = await newPage(browser);
      await importCliKeystore(a.page, anna, "anna-vertrouwd.keystore");
      const h = await startHousehold(a.page);
      await addFinanceField(a.page, h, "situatie", "Schuld bij de energie");
      await a.page.goto(`${BASE}/#/huishouden/${h}`);
      await a.page.getByRole("heading", { name: "Vertrouwenspersoon", exact: true }).waitFor({ timeout: 30_000 });
      await a.page.getByText("U heeft nog geen vertrouwenspersoon.").waitFor({ timeout: 30_000 });
      await axeBothWidths(a.page, "household with no trusted contact");
      await a.page.getByLabel("Nummer van de vertrouwenspersoon").focus();
      await a.page.keyboard.type(bram.id);
      await a.page.keyboard.press("Tab");
      await a.page.keyboard.type(bramFp);
      await a.page.keyboard.press("Tab");
      await a.page.keyboard.press("Control+a");
      await a.page.keyboard.type("3");
      await a.page.keyboard.press("Enter");
      await a.page.getByText("Bram Vertrouwd is nu uw vertrouwenspersoon.").waitFor({ timeout: 30_000 });
      await a.page.getByTestId("contacts").getByText("wachttijd 3 dagen").waitFor();
      const listed = JSON.parse(kluis(anna.ks, ["household", "contact", "list", h, "--json"]));
      expect(
        listed.contacts.length === 1 && listed.contacts[0].contact_id === bram.id && listed.contacts[0].wait_ms === 3 * 86_400_000,
        `the CLI sees the contact: ${JSON.stringify(listed)}`,
      );

      // Bram asks with the CLI; Anna sees it at once and refuses by keyboard.
      const first = kluis(bram.ks, ["household", "contact", "request", h]);
      // Away and back (a reload would lock the keys away).
      await a.page.goto(`${BASE}/#/huishouden/${h}/geschiedenis`);
      await a.page.getByTestId("history").waitFor({ timeout: 30_000 });
      await a.page.goto(`${BASE}/#/huishouden/${h}`);
      const notice = a.page.getByTestId("contact-request");
      await notice.getByText(/Bram Vertrouwd vraagt toegang\. U kunt dit weigeren tot/).waitFor({ timeout: 30_000 });
      await axeBothWidths(a.page, "household with a waiting request");
      await a.page.getByRole("button", { name: "Vraag van Bram Vertrouwd weigeren" }).focus();
      await a.page.keyboard.press("Enter");
      await a.page.getByText("U heeft de vraag van Bram Vertrouwd geweigerd.").waitFor({ timeout: 30_000 });
      let refused = "";
      try {
        kluis(bram.ks, ["household", "contact", "release", h, first]);
      } catch (e) {
        refused = String(e.message);
      }
      expect(refused.includes("refused"), `the CLI hears the refusal: ${refused}`);

      // Bram, in his browser, asks again and is told to wait.
      const b = await newPage(browser);
      await importCliKeystore(b.page, bram, "bram-vertrouwd.keystore");
      const named = b.page.getByTestId("named-by");
      await named.getByText("Een lid van het huishouden heeft uw vraag geweigerd.").waitFor({ timeout: 30_000 });
      await axeBothWidths(b.page, "trusted contact, refused");
      await b.page.getByRole("button", { name: "Toegang vragen" }).focus();
      await b.page.keyboard.press("Enter");
      await named.getByText(/U vroeg toegang\. Het huishouden kan weigeren tot/).waitFor({ timeout: 30_000 });
      await b.page.getByRole("button", { name: "Toegang ophalen" }).click();
      await named.getByText(/De wachttijd is nog niet voorbij\. Probeer het na/).waitFor({ timeout: 30_000 });
      await axeBothWidths(b.page, "trusted contact, waiting");
      const history = kluis(anna.ks, ["access-log", h]);
      expect(history.includes("asked for the household key as your trusted contact"), history);
      expect(history.includes("refused (waiting)"), history);

      // After the wait (the server's clock), Bram fetches access.
      await clockMoved(signal);
      await b.page.getByRole("button", { name: "Toegang ophalen" }).click();
      await named.getByText("U heeft nu toegang. U bent lid van het huishouden.").waitFor({ timeout: SLOW_WAIT });
      await b.page.getByRole("link", { name: "Naar het huishouden" }).click();
      await b.page.getByTestId("members").getByText("Bram Vertrouwd").waitFor({ timeout: 30_000 });
      await axeBothWidths(b.page, "trusted contact, now a member");
      expect(kluis(bram.ks, ["plan", "get", h, "financien/situatie"]) === "Schuld bij de energie", "Bram reads the plan with the CLI");

      // Anna's history says it in words.
      await a.page.goto(`${BASE}/#/huishouden/${h}/geschiedenis`);
      await a.page.getByTestId("history").waitFor({ timeout: 30_000 });
      await a.page.getByText(/Bram Vertrouwd vraagt toegang als uw vertrouwenspersoon/).first().waitFor({ timeout: 30_000 });
      await a.page.getByText(/heeft de vraag van vertrouwenspersoon Bram Vertrouwd geweigerd/).waitFor();
      await a.page.getByText(/kreeg toegang als vertrouwenspersoon na de wachttijd, en is nu lid/).waitFor();
      await axeBothWidths(a.page, "history with a trusted contact");
      clean(a.page);
      clean(b.page);
      await b.context.close();
      await a.context.close();
    },
  ],
];
