import assert from "node:assert/strict";
import { test } from "node:test";

import { fields, I64_MAX, I64_MIN, integer, parseJson, str } from "../../src/crypto/strict-json.js";

test("reads what serde reads", () => {
  const v = fields(parseJson(' {"a": "x\\u00e9\\ud83d\\ude00\\n", "b": -0} \n'), ["a", "b"]);
  assert.equal(str(v.a, "a"), "xé😀\n");
  assert.equal(integer(v.b, "b", I64_MIN, I64_MAX), 0);
  assert.equal(integer(parseJson("9223372036854775807"), "n", I64_MIN, I64_MAX), Number(I64_MAX));
});

test("refuses what serde refuses", () => {
  for (const bad of ['{"a":1,"a":2}', '{"a":1} x', "{'a':1}", '{"a":1,}', "[1,]", '"\\ud800"', '"\\udc00x"', '"a\u0001"', "01", "1.", "+1", "NaN"]) {
    assert.throws(() => parseJson(bad), bad);
  }
  assert.throws(() => fields(parseJson('{"a":1,"c":2}'), ["a"]), /unknown field/);
  assert.throws(() => fields(parseJson("{}"), ["a"]), /missing field/);
  for (const n of ["1.0", "1e3", "9223372036854775808", "-9223372036854775809"]) {
    assert.throws(() => integer(parseJson(n), "n", I64_MIN, I64_MAX), n);
  }
  assert.throws(() => parseJson("[".repeat(200) + "]".repeat(200)), /deeply/);
});
