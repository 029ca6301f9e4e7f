import assert from "node:assert/strict";
import { test } from "node:test";

import { decodeB64url, fromUtf8 } from "../../src/crypto/bytes.js";
import { verifySignature } from "../../src/crypto/identity.js";
import { answerChallenge, challengeMessage, originOf } from "../../src/crypto/login.js";
import { registerBody } from "../../src/crypto/enrol.js";
import { person } from "./helpers.js";

test("the login message is the Rust text", () => {
  assert.equal(
    fromUtf8(challengeMessage("http://127.0.0.1:7420", "cid", "n0nce")),
    "kluis-login/v2\norigin: http://127.0.0.1:7420\npurpose: login\nchallenge: cid\nnonce: n0nce\n",
  );
});

test("origins are serialized as the CLI does", () => {
  assert.equal(originOf("https://Kluis.Example:443/app?x#y"), "https://kluis.example");
  assert.equal(originOf("http://127.0.0.1:7420/"), "http://127.0.0.1:7420");
  assert.equal(originOf("http://[::1]:80/"), "http://[::1]");
  assert.equal(originOf("file:///tmp/x"), null);
  assert.equal(originOf("not a url"), null);
});

test("an answer is signed for the origin it names", async () => {
  const me = await person();
  const answer = await answerChallenge(me, "https://kluis.example", { challenge_id: "cid", nonce: "n" });
  const sig = decodeB64url(answer.signature)!;
  assert.ok(await verifySignature(me.signingPublicKey, challengeMessage("https://kluis.example", "cid", "n"), sig));
  assert.ok(!(await verifySignature(me.signingPublicKey, challengeMessage("https://phish.example", "cid", "n"), sig)));
  assert.deepEqual(registerBody(" kluis-abcd \n", me), { invite: "kluis-abcd", keys: me.publicKeys });
});
