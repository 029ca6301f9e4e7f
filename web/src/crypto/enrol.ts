/**
 * Registration, as `vault/src/wire/enrol.rs` (`RegisterRequest`) and
 * `vault/src/api/enrol.rs`: the invite code and the public keys, nothing
 * secret. The invite fixes role, name and organisation.
 */
import { parsePublicKeys, type Identity, type PublicKeys } from "./identity.js";

/** The body of `POST /v1/register`. */
export interface RegisterRequest {
  readonly invite: string;
  readonly keys: PublicKeys;
}

/** Make the registration request for an unlocked identity. */
export function registerBody(invite: string, identity: Identity): RegisterRequest {
  parsePublicKeys(identity.publicKeys);
  return {
    invite: invite.trim(),
    keys: { signing_key: identity.publicKeys.signing_key, age_recipient: identity.publicKeys.age_recipient },
  };
}
