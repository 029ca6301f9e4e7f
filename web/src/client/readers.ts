/**
 * Checking the server's list of readers before handing anyone a key
 * (mirrors `vault/src/client/readers.rs`). A server that lied could add a
 * reader of its choosing, so every reader must come with a grant signed by
 * a household member (as this device checked the members), naming that
 * reader and the fingerprint of exactly the keys the server gave for them,
 * covering the path, allowing reads, and active now; and those keys must be
 * the ones this device trusts for that reader. Only then is the field key
 * enveloped to them.
 */
import { equalBytes } from "../crypto/bytes";
import { grantAllows, grantValidityAt, verifyGrant } from "../crypto/grant";
import { decodeSigningKey } from "../crypto/identity";
import type { FieldPath } from "../crypto/ids";
import { scopeCovers } from "../crypto/scope";
import type { Client } from "./client";
import { untrusted } from "./error";
import { hadFingerprint, hadSigningKey } from "./rotation";
import { trustedKeysChecked, type VerifiedHousehold } from "./trust";
import type { WritePlan } from "./wire";

function refused(why: string) {
  return untrusted(`refusing to share the key: ${why}`);
}

export async function checkReaders(c: Client, household: VerifiedHousehold, path: string, plan: WritePlan): Promise<void> {
  const h = household.info.household_id;
  const nowSecs = Math.floor(Date.now() / 1000);
  for (const r of plan.readers) {
    const who = r.principal_id;
    let grant;
    try {
      grant = await verifyGrant(r.grant);
    } catch (e) {
      throw refused(`the grant for reader ${who} does not verify: ${(e as Error).message}`);
    }
    const s = grant.statement;
    // Signed by a member with their key at the time (an earlier key of
    // theirs counts for grants issued before they rotated it).
    const issuedMs = s.issuedAt * 1000;
    const signedByMember = household.members.some(
      (m) => m.id === s.issuer && hadSigningKey(m, grant.signerKey, issuedMs),
    );
    if (!signedByMember) throw refused(`the grant for reader ${who} is not signed by a member of this household`);
    let key: Uint8Array;
    try {
      key = decodeSigningKey(r.signing_key);
    } catch {
      throw refused("a reader's key is malformed");
    }
    if (s.household !== h || s.grantee !== who || s.id !== r.grant_id) {
      throw refused(`the grant for reader ${who} names someone or something else`);
    }
    // And the keys are the ones this device pinned for that reader (or
    // pins now, only once they match the signed grant: the grant names
    // their fingerprint then, or one they rotated from).
    await trustedKeysChecked(c, who, (pinned) => {
      if (
        !equalBytes(pinned.signingKey, key) ||
        pinned.ageRecipient !== r.age_recipient ||
        !hadFingerprint(pinned, s.granteeFingerprint)
      ) {
        throw refused(
          `the server gives other keys for reader ${pinned.name} (${who}) here than this device trusts, or than the grant names`,
        );
      }
    });
    if (!scopeCovers(s.scope, path as FieldPath) || !grantAllows(s, "read")) {
      throw refused(`the grant for reader ${who} does not cover ${path}`);
    }
    if (grantValidityAt(s, nowSecs) !== "Active") throw refused(`the grant for reader ${who} is not active`);
  }
}
