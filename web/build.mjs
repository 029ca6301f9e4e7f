// Builds the web app into dist/ (committed, and embedded in the kluis
// binary), or with --tests the unit tests into dist-test/ for `node --test`.
// The output must be byte-for-byte reproducible: CI rebuilds it and fails on
// any difference from what is committed.
import { build } from "esbuild";
import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;

async function app() {
  const out = join(here, "dist");
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: {
      app: join(here, "src/main.tsx"),
      worker: join(here, "src/worker/main.ts"),
      style: join(here, "src/style.css"),
    },
    outdir: out,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome120", "firefox120", "safari17"],
    minify: true,
    legalComments: "eof",
    charset: "utf8",
    jsx: "automatic",
    jsxImportSource: "preact",
    // Fonts and images are bundled into the files: nothing is fetched from
    // anywhere but this server.
    loader: { ".woff2": "dataurl", ".svg": "dataurl", ".png": "dataurl" },
    logLevel: "warning",
  });
  await copyFile(join(here, "src/index.html"), join(out, "index.html"));
}

async function tests() {
  const out = join(here, "dist-test");
  await rm(out, { recursive: true, force: true });
  const dir = join(here, "test");
  const entries = (await readdir(dir, { recursive: true }))
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => join(dir, f));
  await build({
    entryPoints: entries,
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
}

if (process.argv.includes("--tests")) {
  await tests();
} else {
  await app();
}
