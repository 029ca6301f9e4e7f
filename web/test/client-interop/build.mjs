// Bundles the client runner (main.ts) into one self-contained file, for
// tests/web_client_interop.rs: `node test/client-interop/build.mjs OUTFILE`.
import { build } from "esbuild";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const outfile = process.argv[2];
if (!outfile) {
  console.error("usage: node test/client-interop/build.mjs OUTFILE");
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
