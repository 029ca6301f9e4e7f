// The key worker: the only place the unlocked keys exist. It makes and
// opens keystores (scrypt takes seconds: here it does not freeze the
// page), holds the keys as non-extractable CryptoKeys, and signs. The page
// gets public keys, fingerprints and signatures, never a secret. Locking
// the app terminates this worker (`keys/worker_client.ts`).

import { fingerprintOf, forgetSecrets, generateSecrets, sign, unlock, type Identity } from "../crypto/identity";
import { KeystoreError, openKeystore, writeKeystore } from "../crypto/keystore";
import type { WorkerOps, WorkerReply, WorkerRequest } from "./protocol";

let identity: Identity | null = null;

type Handlers = { [K in keyof WorkerOps]: (args: WorkerOps[K]["args"]) => Promise<WorkerOps[K]["result"]> };

class Refused extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

function unlocked(): Identity {
  if (!identity) throw new Refused("locked", "the keys are locked");
  return identity;
}

const handlers: Handlers = {
  async create({ name, passphrase }) {
    const secrets = await generateSecrets(name.trim());
    try {
      const keystore = await writeKeystore(secrets, passphrase);
      identity = await unlock(secrets);
    return { keystore, keys: identity.publicKeys, fingerprint: await fingerprintOf(identity.publicKeys) };
    } finally {
      forgetSecrets(secrets);
    }
  },
  async unlock({ keystore, passphrase }) {
    let secrets;
    try {
      secrets = await openKeystore(keystore, passphrase);
    } catch (e) {
      if (e instanceof KeystoreError && e.kind === "WrongPassphrase") {
        throw new Refused("wrong-passphrase", "the passphrase does not open this keystore");
      }
      if (e instanceof KeystoreError) throw new Refused("not-a-keystore", e.message);
      throw e;
    }
    try {
      identity = await unlock(secrets);
      return { name: identity.name, keys: identity.publicKeys, fingerprint: await fingerprintOf(identity.publicKeys) };
    } finally {
      forgetSecrets(secrets);
    }
  },
  async sign({ message }) {
    return { signature: await sign(unlocked(), message) };
  },
};

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { id, op, args } = event.data;
  let reply: WorkerReply;
  try {
    const handler = handlers[op] as (a: typeof args) => Promise<unknown>;
    if (!handler) throw new Refused("unknown-op", `no such operation: ${String(op)}`);
    reply = { id, ok: true, result: await handler(args) };
  } catch (e) {
    const kind = e instanceof Refused ? e.kind : "failed";
    reply = { id, ok: false, error: { kind, message: e instanceof Error ? e.message : String(e) } };
  }
  (self as unknown as Worker).postMessage(reply);
};
