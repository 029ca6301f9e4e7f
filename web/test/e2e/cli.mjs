// The real `kluis` CLI (KLUIS_BIN), for cross-checks with the browser.

import { execFileSync } from "node:child_process";
import { join } from "node:path";

export const WORK = process.env.KLUIS_WORK;
export const PASSPHRASE = "correct horse battery staple";

export function keystore(name) {
  return join(WORK, `${name}.keystore`);
}

/** Run `kluis --keystore KS ARGS`; stdout trimmed, or throw with stderr. */
export function kluis(ks, args, passphrase = PASSPHRASE) {
  try {
    return execFileSync(process.env.KLUIS_BIN, ["--keystore", ks, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: WORK,
        KLUIS_SERVER: process.env.KLUIS_URL,
        KLUIS_PASSPHRASE: passphrase,
      },
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
    }).trim();
  } catch (e) {
    throw new Error(`kluis ${args.join(" ")} failed: ${e.stderr ?? e}`);
  }
}

/** A person made with the CLI (a fast keystore), registered with `code`. */
export function enrolWithCli(name, code) {
  const ks = keystore(name.replace(/\W/g, "-"));
  kluis(ks, ["keys", "new", "--name", name, "--work-factor", "10"]);
  const id = kluis(ks, ["register", "--invite", code]);
  return { ks, id };
}
