// The messages between the page and the key worker. Only public values and
// signatures cross; secrets stay in the worker.

export interface PublicKeys {
  /** Ed25519 public key, base64 as the server's PublicKeys. */
  signing_key: string;
  /** age X25519 recipient, `age1…`. */
  age_recipient: string;
}

export interface WorkerOps {
  /** Make a new identity and its keystore (the CLI's format). */
  create: { args: { name: string; passphrase: string }; result: { keystore: string; keys: PublicKeys; fingerprint: string } };
  /** Open a keystore; keeps the keys in the worker. */
  unlock: { args: { keystore: string; passphrase: string }; result: { name: string; keys: PublicKeys; fingerprint: string } };
  /** Sign bytes with the unlocked signing key (Ed25519). */
  sign: { args: { message: Uint8Array }; result: { signature: Uint8Array } };
}

export type WorkerRequest = {
  [K in keyof WorkerOps]: { id: number; op: K; args: WorkerOps[K]["args"] };
}[keyof WorkerOps];

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { kind: string; message: string } };
