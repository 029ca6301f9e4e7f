// Bundles a Node test runner (web/test/*/main.ts) into one self-contained
// file, for the Rust interop tests: `node web/test/bundle.mjs ENTRY OUTFILE`.
import { build } from "esbuild";

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  console.error("usage: node web/test/bundle.mjs ENTRY OUTFILE");
  process.exit(2);
}
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
});
