// What the device remembers (client/pins.ts, seen.ts on a DeviceStore):
// a pin is set once and never replaced by a later key; the newest version
// seen only rises and the lowest signed only falls, also when updates run
// at the same time; a device store carries over as a snapshot.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MemoryDeviceStore } from "../../src/client/device_store.js";
import { Pins } from "../../src/client/pins.js";
import { Seen } from "../../src/client/seen.js";

test("pins are trust on first use", async () => {
  const pins = new Pins(new MemoryDeviceStore());
  await pins.pinFirst("p-1", { fingerprint: "aaaa", name: "Piet" });
  await pins.pinFirst("p-1", { fingerprint: "bbbb", name: "Mallory" });
  assert.deepEqual(await pins.get("p-1"), { fingerprint: "aaaa", name: "Piet" });
  assert.equal(await pins.get("p-2"), undefined);
});

test("versions seen only rise, signed ones only fall, and survive a snapshot", async () => {
  const store = new MemoryDeviceStore();
  const seen = new Seen(store);
  await Promise.all([5, 3, 9, 1, 7].map((v) => seen.saw("h", "a/b", v)));
  assert.equal(await seen.newest("h", "a/b"), 9);
  assert.equal(await seen.newest("h", "a/c"), null);
  await Promise.all([5, 3, 9].map((v) => seen.sawSigned("h", "a/b", v)));
  assert.equal(await seen.lowestSigned("h", "a/b"), 3);
  const again = new Seen(MemoryDeviceStore.from(JSON.parse(JSON.stringify(store.snapshot()))));
  assert.equal(await again.newest("h", "a/b"), 9);
  assert.equal(await again.lowestSigned("h", "a/b"), 3);
});
