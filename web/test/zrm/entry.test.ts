import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { encodeEntry, parseEntry, ZrmError } from "../../src/zrm/entry.js";
import { series } from "../../src/zrm/series.js";

// The cases the CLI's parser is tested with (vault/src/zrm/entry.rs), so
// both read every document alike. Run from dist-test/zrm/.
const shared = JSON.parse(
  readFileSync(new URL("../../../vault/src/zrm/cases.json", import.meta.url), "utf8"),
) as { cases: Array<{ text: string; kind: string }> };

const enc = (s: string) => new TextEncoder().encode(s);

test("the shared cases parse as the CLI parses them", () => {
  assert.ok(shared.cases.length > 30);
  for (const { text, kind } of shared.cases) {
    let got: string;
    try {
      const e = parseEntry(enc(text));
      assert.equal(new TextDecoder().decode(encodeEntry(e)), text, "round trip");
      got = "ok";
    } catch (e) {
      assert.ok(e instanceof ZrmError, `${text}: ${e}`);
      got = e.kind;
    }
    assert.equal(got, kind, text);
  }
  assert.throws(() => parseEntry(new Uint8Array([0xff, 0xfe])), ZrmError);
});

test("never writes a bad entry", () => {
  assert.throws(() => encodeEntry({ score: 6 as 5, date: "2026-11-30", note: "" }), /score/);
  assert.throws(() => encodeEntry({ score: 3, date: "2026-02-30", note: "" }), ZrmError);
  assert.throws(() => encodeEntry({ score: 3, date: "2026-11-30", note: "a\nb" }), ZrmError);
  assert.equal(
    new TextDecoder().decode(encodeEntry({ score: 4, date: "2026-11-30", note: "Huur betaald \"op tijd\"" })),
    '{"score":4,"date":"2026-11-30","note":"Huur betaald \\"op tijd\\""}',
  );
});

test("the series: the current score has the latest date, a correction wins its date", () => {
  const v = (version: number, score: number, date: string) => ({
    version,
    value: enc(JSON.stringify({ score, date, note: "" })),
    written_at: "2026-11-30T10:00:00Z",
    writer: "p-1",
  });
  const s = series([
    {
      domain: { id: "financien", name: "Geld" },
      // v3 back-fills an older moment; v2 corrects v1's date.
      versions: [v(1, 2, "2026-06-01"), v(2, 3, "2026-06-01"), v(3, 1, "2026-01-10"), { ...v(4, 1, "x"), value: enc("{}") }],
    },
    { domain: { id: "huisvesting", name: "Wonen" }, versions: [v(1, 4, "2026-11-30")] },
    { domain: { id: "adl", name: "ADL" }, versions: [] },
  ]);
  assert.deepEqual(s.moments, ["2026-01-10", "2026-06-01", "2026-11-30"]);
  const [geld, wonen, adl] = s.domains;
  assert.equal(geld!.current!.version, 2);
  assert.equal(geld!.byDate.get("2026-06-01")!.score, 3);
  assert.equal(geld!.byDate.get("2026-01-10")!.score, 1);
  assert.equal(geld!.versions[0]!.error!.kind, "document");
  assert.equal(wonen!.current!.entry!.score, 4);
  assert.equal(adl!.current, null);
});
