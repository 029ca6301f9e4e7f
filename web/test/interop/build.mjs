// Bundles the interop runner (main.ts) into one self-contained file, for
// tests/web_crypto_interop.rs: `node test/interop/build.mjs OUTFILE`.
import { build } from "esbuild";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const outfile = process.argv[2];
if (!outfile) {
  console.error("usage: node test/interop/build.mjs OUTFILE");
  process.exit(2);
}
await build({
  entryPoints: [join(here, "main.ts")],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
});
