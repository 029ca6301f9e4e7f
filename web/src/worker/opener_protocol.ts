// The messages between the key worker's pool (open_pool.ts) and an opener
// worker (opener.ts). An identity is sent once per opener (a CryptoKey
// crosses as a structured clone, still non-extractable); each open names it.

import type { Binding } from "../crypto/seal";

export type OpenerRequest =
  | { kind: "identity"; id: number; key: CryptoKey }
  | { kind: "open"; req: number; identity: number; envelope: Uint8Array; binding: Binding; sealed: Uint8Array };

export type OpenerReply =
  | { req: number; ok: true; value: Uint8Array }
  | { req: number; ok: false; error: { name: string; kind?: string; message: string } };
