//! What the device checks before it trusts a key the server hands it.
//!
//! The server and its database are the adversary for the confidentiality
//! of plans (DESIGN.md, "Trust model"), so nothing the server says about
//! keys is taken as it is:
//! - a person's keys are checked against the fingerprint this device pinned
//!   the first time it relied on them (`pins`), and their fingerprint is
//!   always computed here, from the exact keys about to be used, never taken
//!   from the server's answer;
//! - a household's recipient is used only if the creator's signed statement
//!   names it, and its members only if a signed chain of additions leads to
//!   each of them from the creator (version 2 additions also name the new
//!   member's key fingerprint). A trusted contact the server released
//!   joins through the naming statement a member signed for exactly the
//!   contact's keys (`wire::contact`): the server alone cannot make one.
//!
//! - keys this device meets for the first time must be the ones the key
//!   directory in the access log registers for that person (`directory`),
//!   with proofs against a checkpoint consistent with the one it pinned.
//!
//! What this cannot catch on its own: a server that shows this device a
//! log of its own (a split view) with false keys registered in it, until
//! someone compares checkpoints, or the person using the device compares
//! fingerprints (`--expect-fingerprint`, `kluis whoami` on the other device).

use std::collections::BTreeSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use kluis_policy::{HouseholdId, PrincipalId};

use super::pins::Pin;
use super::readmission;
use super::rotation::{signed_at, EarlierTrusted};
use super::{Client, ClientError};
use crate::keys::identity::{decode_signing_key, fingerprint};
use crate::role::Role;
use crate::wire::contact::contact_statement;
use crate::wire::household::{
    create_statement, create_statement_v1, member_statement, HouseholdInfo, SignedStatement,
};

/// Someone's keys, checked on this device.
#[derive(Debug, Clone)]
pub struct TrustedKeys {
    pub id: PrincipalId,
    pub name: String,
    pub role: Role,
    pub signing_key: [u8; 32],
    pub age_recipient: String,
    /// Computed here from `signing_key` and `age_recipient`.
    pub fingerprint: String,
    /// Keys they used before, linked to these by signed rotation
    /// statements (`client/rotation.rs`), newest first.
    pub earlier: Vec<EarlierTrusted>,
}

/// A household whose recipient and members this device checked.
#[derive(Debug, Clone)]
pub struct VerifiedHousehold {
    pub info: HouseholdInfo,
    /// The recipient the creator signed (equal to `info.recipient`).
    pub recipient: String,
    /// The members, each reached by the signed chain from the creator.
    pub members: Vec<TrustedKeys>,
    /// Created since kluis signs versions: every version must be signed.
    pub signs_versions: bool,
}

impl Client {
    /// `id`'s keys as the server gives them, refused if they differ from the
    /// keys this device pinned for them; pinned now if never seen.
    pub async fn trusted_keys(&self, id: PrincipalId) -> Result<TrustedKeys, ClientError> {
        self.trusted_keys_checked(id, |_| Ok(())).await
    }

    /// `trusted_keys`, refused unless they have the fingerprint `expected`
    /// (when given), checked before anything is pinned.
    pub async fn trusted_keys_expecting(
        &self,
        id: PrincipalId,
        expected: Option<&str>,
    ) -> Result<TrustedKeys, ClientError> {
        self.trusted_keys_checked(id, |keys| expect_fingerprint(keys, expected))
            .await
    }

    /// `trusted_keys`, with `check` run on the keys before this device
    /// relies on them, and before it pins them: keys that fail a check (a
    /// fingerprint someone signed or read out, a signature they must
    /// verify) are never remembered as this person's.
    pub async fn trusted_keys_checked(
        &self,
        id: PrincipalId,
        check: impl FnOnce(&TrustedKeys) -> Result<(), ClientError>,
    ) -> Result<TrustedKeys, ClientError> {
        if let Some(keys) = self.trusted.lock().await.get(&id).cloned() {
            check(&keys)?;
            return Ok(keys);
        }
        if id == self.login_id().await? {
            // My own keys come from my keystore, not from the server.
            let keys = self.own_keys(id).await?;
            check(&keys)?;
            self.trusted.lock().await.insert(id, keys.clone());
            return Ok(keys);
        }
        let keys = self.served_keys(id).await?;
        let mut pins = self.pins.lock().await;
        let pin = pins.get(id)?;
        // Keys they rotated away from, with the old key's signature on the
        // new ones, are a change they made: accepted, and pinned anew.
        let rotated = pin.as_ref().is_some_and(|p| {
            p.fingerprint != keys.fingerprint && keys.had_fingerprint(&p.fingerprint)
        });
        if let Some(pin) = pin.as_ref().filter(|_| !rotated) {
            if pin.fingerprint != keys.fingerprint {
                return Err(ClientError::Refused(format!(
                    "the server now gives other keys for {} ({id}) than this device saw before \
                     (fingerprint {}, now {}): refusing to use them. If {} really made new keys, \
                     compare the new fingerprint with them and run `kluis keys trust {id} --fingerprint '{}'`",
                    pin.name, pin.fingerprint, keys.fingerprint, pin.name, keys.fingerprint
                )));
            }
        }
        check(&keys)?;
        if pin.is_none() || rotated {
            pins.set(
                id,
                Pin {
                    fingerprint: keys.fingerprint.clone(),
                    name: keys.name.clone(),
                },
            )?;
        }
        drop(pins);
        self.trusted.lock().await.insert(id, keys.clone());
        Ok(keys)
    }

    /// My own keys, from my keystore.
    async fn own_keys(&self, id: PrincipalId) -> Result<TrustedKeys, ClientError> {
        let mine = self.identity.public();
        let malformed = || ClientError::Refused("my own key is malformed".into());
        Ok(TrustedKeys {
            earlier: self.earlier_keys(id, &mine).await?,
            id,
            name: self.identity.name().to_owned(),
            role: self.whoami().await?.role,
            signing_key: decode_signing_key(&mine.signing_key).map_err(|_| malformed())?,
            fingerprint: mine.fingerprint().map_err(|_| malformed())?,
            age_recipient: mine.age_recipient,
        })
    }

    /// Confirm `id`'s current keys: only if their fingerprint, computed
    /// here, is `expected` (as the person read it out from their device).
    /// Replaces an earlier pin.
    pub async fn trust_keys(
        &self,
        id: PrincipalId,
        expected: &str,
    ) -> Result<TrustedKeys, ClientError> {
        let keys = self.served_keys(id).await?;
        expect_fingerprint(&keys, Some(expected))?;
        self.pins.lock().await.set(
            id,
            Pin {
                fingerprint: keys.fingerprint.clone(),
                name: keys.name.clone(),
            },
        )?;
        self.trusted.lock().await.insert(id, keys.clone());
        Ok(keys)
    }

    /// The keys the server has for `id`, with the fingerprint computed here,
    /// refused unless the key directory in the access log registers them.
    pub(crate) async fn served_keys(&self, id: PrincipalId) -> Result<TrustedKeys, ClientError> {
        let info = self.principal(id).await?;
        if info.principal_id != id {
            return Err(ClientError::Refused(format!(
                "the server answered with someone else's keys when asked for {id}"
            )));
        }
        let signing_key = decode_signing_key(&info.keys.signing_key).map_err(|_| {
            ClientError::Refused(format!("the signing key of {} is malformed", info.name))
        })?;
        let keys = TrustedKeys {
            earlier: Vec::new(),
            id,
            fingerprint: fingerprint(&signing_key, &info.keys.age_recipient),
            name: info.name,
            role: info.role,
            signing_key,
            age_recipient: info.keys.age_recipient.clone(),
        };
        self.check_in_directory(&keys).await?;
        let earlier = self.earlier_keys(id, &info.keys).await?;
        Ok(TrustedKeys { earlier, ..keys })
    }

    /// A household member's keys: vouched for by a readmission when there
    /// is one, else as pinned and checked (`trusted_keys_checked`), else,
    /// when the server re-enrolled them and no member readmitted them yet,
    /// their old keys only (`readmission`). `fp`: the fingerprint the
    /// statement that added them names.
    async fn member_keys(
        &self,
        id: PrincipalId,
        fp: Option<&str>,
        vouches: &std::collections::HashMap<PrincipalId, readmission::Vouch>,
        check: impl Fn(&TrustedKeys) -> Result<(), ClientError>,
    ) -> Result<TrustedKeys, ClientError> {
        if let Some(v) = vouches.get(&id) {
            let keys = self.vouched_keys(v).await?;
            check(&keys)?;
            return Ok(keys);
        }
        match self.trusted_keys_checked(id, &check).await {
            Ok(keys) => Ok(keys),
            Err(ClientError::Refused(why)) => match self.awaiting_readmission(id, fp).await? {
                Some(old) => {
                    check(&old)?;
                    Ok(old)
                }
                None => Err(ClientError::Refused(why)),
            },
            Err(e) => Err(e),
        }
    }

    /// The household, with its recipient and members checked against the
    /// signed chain from its creator.
    pub async fn verified_household(
        &self,
        h: HouseholdId,
    ) -> Result<VerifiedHousehold, ClientError> {
        let info = self.household(h).await?;
        let creation = &info.chain.creation;
        // Readmissions (after a re-enrolment) vouch for a member's new
        // keys; each one used must check out in the chain below.
        let vouches = readmission::vouches(h, &info.chain.members);
        let creator = self
            .member_keys(creation.signer, None, &vouches, |k| {
                check_signature(k, creation, "the household's creation statement")
            })
            .await?;
        let signed_at = field(&creation.statement, "signed-at-ms")
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| broken_chain("the creation statement is malformed"))?;
        let signs_versions = if creation.statement
            == create_statement(h, &info.recipient, creator.id, signed_at)
        {
            true
        } else if creation.statement
            == create_statement_v1(h, &info.recipient, creator.id, signed_at)
        {
            false
        } else {
            return Err(ClientError::Refused(
                "the household's public key is not the one its creator signed: refusing to encrypt to it"
                    .into(),
            ));
        };
        let mut members = vec![creator.clone()];
        let mut readmitted = BTreeSet::new();
        // Additions in the order the server lists them; one made by a
        // member added in the same millisecond may come before that
        // member's own addition, so go round until nothing more connects.
        let mut pending: Vec<&SignedStatement> = info
            .chain
            .members
            .iter()
            .filter(|m| m.statement != creation.statement)
            .collect();
        while !pending.is_empty() {
            let before = pending.len();
            let mut rest = Vec::new();
            for m in pending {
                let Some(added_by) = members.iter().find(|k| k.id == m.signer).cloned() else {
                    rest.push(m);
                    continue;
                };
                check_signature(&added_by, m, "a membership statement")?;
                if let Some(v) = readmission::parse_readmit(h, m) {
                    if v.by == v.member {
                        return Err(broken_chain("a member readmitted themselves"));
                    }
                    readmitted.insert(v.member);
                    if !members.iter().any(|k| k.id == v.member) {
                        members.push(self.vouched_keys(&v).await?);
                    }
                    continue;
                }
                // A released trusted contact: the member's naming statement
                // is the link, and it always names the contact's keys.
                let member = parse_member(h, m)?;
                let keys = self
                    .member_keys(member.id, member.fingerprint.as_deref(), &vouches, |keys| match &member.fingerprint {
                        Some(fp) if !keys.had_fingerprint(fp) => Err(ClientError::Refused(format!(
                            "the server gives other keys for household member {} ({}) than the ones {} signed for: \
                             refusing to use them",
                            keys.name, keys.id, added_by.name
                        ))),
                        _ => Ok(()),
                    })
                    .await?;
                members.push(keys);
            }
            if rest.len() == before {
                return Err(broken_chain(
                    "a member was added by someone who was not a member",
                ));
            }
            pending = rest;
        }
        if members
            .iter()
            .any(|k| vouches.contains_key(&k.id) && !readmitted.contains(&k.id))
        {
            return Err(broken_chain(
                "a readmission is not signed by another member",
            ));
        }
        for k in members.iter().filter(|k| readmitted.contains(&k.id)) {
            self.accept_vouched(k).await?;
        }
        let chained: BTreeSet<PrincipalId> = members.iter().map(|k| k.id).collect();
        let listed: BTreeSet<PrincipalId> = info.members.iter().map(|m| m.principal_id).collect();
        if chained != listed {
            return Err(broken_chain(
                "the server lists members that no signed statement added",
            ));
        }
        let verified = VerifiedHousehold {
            recipient: info.recipient.clone(),
            info,
            members,
            signs_versions,
        };
        self.checked_households
            .lock()
            .await
            .insert(h, verified.clone());
        Ok(verified)
    }
}

/// Refuse unless `keys` have the fingerprint `expected` (when given).
pub fn expect_fingerprint(keys: &TrustedKeys, expected: Option<&str>) -> Result<(), ClientError> {
    match expected {
        Some(fp) if normalise(fp) != keys.fingerprint => Err(ClientError::Refused(format!(
            "the keys the server gives for {} ({}) have fingerprint {}, not the {} you expected: nothing was sent",
            keys.name,
            keys.id,
            keys.fingerprint,
            fp.trim()
        ))),
        _ => Ok(()),
    }
}

/// Fingerprints are compared in their printed form: 8 groups of 4 lowercase
/// hex digits; people may type them in capitals or with other spacing.
fn normalise(fp: &str) -> String {
    let hex: String = fp
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_signature(
    signer: &TrustedKeys,
    s: &SignedStatement,
    what: &str,
) -> Result<(), ClientError> {
    let signature = B64
        .decode(&s.signature)
        .map_err(|_| broken_chain("a signature is not base64url"))?;
    // Signed with their key then: an earlier key counts only for a
    // statement dated before it was retired.
    let at = signed_at(&s.statement).unwrap_or(i64::MAX);
    if signer.signed(s.statement.as_bytes(), &signature, at) {
        Ok(())
    } else {
        Err(ClientError::Refused(format!(
            "{what} does not carry a valid signature of {} ({}): refusing to trust this household",
            signer.name, signer.id
        )))
    }
}

struct MemberAddition {
    id: PrincipalId,
    fingerprint: Option<String>,
}

/// Read a membership statement, accepting only the exact texts that
/// `member_statement` makes (version 1 without, version 2 with the
/// member's fingerprint), or a member's naming of a trusted contact
/// (`contact_statement`), which the server adds to the chain when it
/// releases the contact.
fn parse_member(h: HouseholdId, s: &SignedStatement) -> Result<MemberAddition, ClientError> {
    if s.statement.starts_with("kluis-household-contact/") {
        return parse_contact(h, s);
    }
    let bad = || broken_chain("a membership statement is malformed");
    let id = field(&s.statement, "member")
        .and_then(|v| PrincipalId::parse(v).ok())
        .ok_or_else(bad)?;
    let signed_at = field(&s.statement, "signed-at-ms")
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(bad)?;
    let fp = field(&s.statement, "member-fingerprint").map(str::to_owned);
    if s.statement != member_statement(h, id, fp.as_deref(), s.signer, signed_at) {
        return Err(bad());
    }
    Ok(MemberAddition {
        id,
        fingerprint: fp,
    })
}

/// Read a trusted contact's naming statement, accepting only the exact
/// text `contact_statement` makes, signed by the member it names as naming.
fn parse_contact(h: HouseholdId, s: &SignedStatement) -> Result<MemberAddition, ClientError> {
    let bad = || broken_chain("a trusted contact's naming statement is malformed");
    let id = field(&s.statement, "contact")
        .and_then(|v| PrincipalId::parse(v).ok())
        .ok_or_else(bad)?;
    let fp = field(&s.statement, "contact-fingerprint").ok_or_else(bad)?;
    let number = |name| {
        field(&s.statement, name)
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(bad)
    };
    let wait_ms = number("wait-ms")?;
    let signed_at = number("signed-at-ms")?;
    if s.statement != contact_statement(h, id, fp, wait_ms, s.signer, signed_at) {
        return Err(bad());
    }
    Ok(MemberAddition {
        id,
        fingerprint: Some(fp.to_owned()),
    })
}

/// The value of `name: value` in a statement.
fn field<'a>(statement: &'a str, name: &str) -> Option<&'a str> {
    statement
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

fn broken_chain(why: &str) -> ClientError {
    ClientError::Refused(format!(
        "the household's signed history does not check out ({why}): refusing to trust it"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_compared_in_one_form() {
        assert_eq!(
            normalise("ABCD 0123 4567 89ab cdef 0123 4567 89AB"),
            "abcd 0123 4567 89ab cdef 0123 4567 89ab"
        );
        assert_eq!(
            normalise("abcd0123456789abcdef0123456789ab"),
            "abcd 0123 4567 89ab cdef 0123 4567 89ab"
        );
    }

    #[test]
    fn statement_fields_are_read_exactly() {
        let s = "kluis-household-member-add/v1\nhousehold: h\nmember: p-1\nadded-by: p-2\nsigned-at-ms: 5\n";
        assert_eq!(field(s, "member"), Some("p-1"));
        assert_eq!(field(s, "signed-at-ms"), Some("5"));
        assert_eq!(field(s, "member-fingerprint"), None);
    }
}
