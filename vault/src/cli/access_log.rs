//! `kluis access-log HOUSEHOLD`: the household's own view of who looked at
//! or changed its plan, one plain sentence per line.
//!
//! Written for people with low digital skills (B1 language): when, who
//! (organisation and role, or the member's name), what they did with which
//! part of the plan, whether it was allowed, and on what basis.

use clap::Args;
use kluis_policy::HouseholdId;
use serde_json::json;

use super::Context;
use crate::wire::log::AccessItem;

#[derive(Args, Debug)]
pub struct AccessLogArgs {
    household: HouseholdId,
    /// The extract the right of access asks for: when, which organisation
    /// and role, what, and for which purpose, for every consultation by
    /// someone outside the household.
    #[arg(long)]
    extract: bool,
}

pub async fn run(ctx: &Context, args: AccessLogArgs) -> anyhow::Result<()> {
    let client = ctx.client()?;
    let items = client.access_log(args.household).await?;
    if args.extract {
        let rows: Vec<&AccessItem> = items
            .iter()
            .filter(|i| !i.actor_is_member && i.outcome == "allowed")
            // Consultations of the plan, not what was done to an account.
            .filter(|i| !i.event.starts_with("principal."))
            .collect();
        let mut lines: Vec<String> = rows.iter().map(|i| extract_line(i)).collect();
        if lines.is_empty() {
            lines.push("Nobody outside your household has consulted your plan.".to_owned());
        }
        return ctx.out.report(&lines, &json!({ "extract": rows }));
    }
    let mut lines: Vec<String> = items.iter().map(sentence).collect();
    if lines.is_empty() {
        lines.push("Nobody has opened this plan yet.".to_owned());
    }
    ctx.out.report(&lines, &json!({ "entries": items }))
}

/// One line of the extract: date, organisation, role, what, purpose.
pub fn extract_line(i: &AccessItem) -> String {
    let date = i.time.get(..10).unwrap_or(&i.time);
    format!(
        "{date}  {}  {}  {}  {}  purpose: {}",
        i.actor_org.as_deref().unwrap_or("-"),
        i.actor_role.as_deref().unwrap_or("-"),
        i.event,
        if i.fields.is_empty() {
            "-".to_owned()
        } else {
            i.fields.join(", ")
        },
        i.purpose.as_deref().unwrap_or("-")
    )
}

/// "2026-11-23 10:02  Wijkteam Noord (professional) read financien/situatie — allowed, grant g-…, purpose schuldhulp"
pub fn sentence(i: &AccessItem) -> String {
    let when = chrono::DateTime::parse_from_rfc3339(&i.time)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| i.time.clone());
    let role = i.actor_role.as_deref().unwrap_or("unknown role");
    let who = match (&i.actor_name, &i.actor_org) {
        (Some(name), _) => format!("{name} (member)"),
        (None, Some(org)) => format!("{org} ({role})"),
        (None, None) => match &i.actor_role {
            Some(r) => format!("someone ({r})"),
            None => "someone unknown".to_owned(),
        },
    };
    let what = i.fields.join(", ");
    let subject = i
        .subject_name
        .clone()
        .or_else(|| i.fields.first().cloned())
        .unwrap_or_else(|| "someone".to_owned());
    let own = i.actor.is_some() && i.actor.as_ref() == i.fields.first();
    let allowed = i.outcome == "allowed";
    let account = account_doing(&i.event, &subject, own, i.reason.as_deref(), allowed);
    let doing = match (i.event.as_str(), i.action.as_str()) {
        ("field.read", _) => format!("read {what}"),
        ("field.write", "C") => format!("wrote {what}"),
        ("field.write", _) => format!("changed {what}"),
        ("field.list", _) if what.is_empty() => "looked at the list of plan parts".to_owned(),
        ("field.list", _) => format!("looked at the versions of {what}"),
        ("household.create", _) => "started the household".to_owned(),
        ("household.member-add", _) => "added a member".to_owned(),
        ("household.member-readmit", _) => {
            "readmitted a member with new keys (after comparing their fingerprint)".to_owned()
        }
        ("grant.create", _) => format!("gave access to {}", or_plan(&what)),
        ("grant.revoke", _) => "took access back".to_owned(),
        // The existence of a private observation, never its content.
        ("observation.create", _) => {
            "wrote a private note (only its writer can read it)".to_owned()
        }
        ("observation.publish", _) => format!("shared a note in the plan: {}", or_plan(&what)),
        ("log.query", _) => "looked at this access history".to_owned(),
        ("field.readers", _) => format!("looked up who may read {}", or_plan(&what)),
        ("field.stale", _) => "checked which parts need new keys".to_owned(),
        ("grant.list", _) => "looked at who has access".to_owned(),
        ("household.view", _) => "looked at the household and its members".to_owned(),
        ("export", _) => "made a copy of the plan".to_owned(),
        ("household.close", _) => "closed the case (the retention period starts)".to_owned(),
        ("household.reopen", _) => "reopened the case".to_owned(),
        ("household.hold", _) => {
            "placed a legal hold (nothing is deleted while it lasts)".to_owned()
        }
        ("household.release", _) => "released a legal hold".to_owned(),
        ("retention.proposal", "C") => {
            "proposed to delete this plan (a second administrator must approve)".to_owned()
        }
        ("retention.proposal", _) => "turned down a proposal to delete this plan".to_owned(),
        ("erasure", _) => "erased this plan on request".to_owned(),
        ("destruction", _) => "deleted this plan at the end of its retention period".to_owned(),
        ("contact.add", _) => format!("named a trusted contact ({})", or_someone(&what)),
        ("contact.remove", _) => format!("removed a trusted contact ({})", or_someone(&what)),
        ("contact.request", _) => {
            "asked for access as your trusted contact (a member can refuse during the waiting period)"
                .to_owned()
        }
        ("contact.refuse", _) => {
            format!("refused the request of trusted contact {}", or_someone(&what))
        }
        ("contact.release", _) if allowed => {
            "got access as your trusted contact after the waiting period, and is now a member"
                .to_owned()
        }
        ("contact.release", _) => "asked for the household key as your trusted contact".to_owned(),
        (other, _) => format!("did '{other}' on {}", or_plan(&what)),
    };
    let outcome = match i.outcome.as_str() {
        "allowed" => "allowed".to_owned(),
        "denied" => format!("refused{}", because(&i.reason)),
        _ => format!("did not work{}", because(&i.reason)),
    };
    let mut tail = vec![outcome];
    match i.basis.as_deref() {
        None => {}
        Some("membership") => tail.push("as a member".to_owned()),
        Some("author") => tail.push("as the writer".to_owned()),
        Some("trusted-contact") => tail.push("as trusted contact".to_owned()),
        Some(b) if b.starts_with("role:") => tail.push(format!("as {}", &b[5..])),
        Some(grant) => tail.push(format!("grant {grant}")),
    }
    if let Some(p) = &i.purpose {
        tail.push(format!("purpose {p}"));
    }
    let verb = match account {
        Some(account) => account,
        None if allowed => doing,
        None => format!("tried to {}", infinitive(&doing)),
    };
    format!("{when}  {who} {verb} — {}", tail.join(", "))
}

/// "wrote X" becomes "write X", for "tried to write X".
fn infinitive(doing: &str) -> String {
    let (first, rest) = doing.split_once(' ').unwrap_or((doing, ""));
    let verb = match first {
        "wrote" => "write",
        "changed" => "change",
        "looked" => "look",
        "started" => "start",
        "added" => "add",
        "gave" => "give",
        "took" => "take",
        "shared" => "share",
        "made" => "make",
        "closed" => "close",
        "reopened" => "reopen",
        "placed" => "place",
        "released" => "release",
        "proposed" => "propose",
        "turned" => "turn",
        "erased" => "erase",
        "deleted" => "delete",
        "checked" => "check",
        other => other,
    };
    if rest.is_empty() {
        verb.to_owned()
    } else {
        format!("{verb} {rest}")
    }
}

/// What an account event (`principal.*`) did to `subject` (`allowed`), or
/// what someone tried to do; `None` for any other event. `own`: the person
/// did it to themselves; `reason`: the entry's reason (for an allowed
/// disable, the one an administrator gave; for a sign-out, whether it was
/// one session: `one_session`, refused as `unknown_session`). Shared with `kluis audit query`, so the household and the
/// auditor read the same sentence.
pub fn account_doing(
    event: &str,
    subject: &str,
    own: bool,
    reason: Option<&str>,
    allowed: bool,
) -> Option<String> {
    let (done, tried) = match event {
        "principal.disable" => ("disabled", "disable"),
        "principal.enable" => ("enabled", "enable"),
        "principal.sign-out" => ("ended", "end"),
        "principal.recovery-set" => ("made", "make"),
        "principal.recovery-use" => ("used", "use"),
        "principal.passkey-add" => ("added", "add"),
        "principal.passkey-remove" => ("removed", "remove"),
        "principal.passkey-use" => ("used", "use"),
        "principal.rotate" => ("made", "make"),
        "principal.reenrol" => ("registered", "register"),
        _ => return None,
    };
    let verb = if allowed {
        done.to_owned()
    } else {
        format!("tried to {tried}")
    };
    let one = matches!(reason, Some("one_session" | "unknown_session"));
    Some(match event {
        "principal.disable" => match reason.filter(|_| allowed) {
            Some(r) => format!("{verb} the account of {subject} (reason: {r})"),
            None => format!("{verb} the account of {subject}"),
        },
        "principal.enable" => format!("{verb} the account of {subject} again"),
        "principal.recovery-set" if own => {
            format!("{verb} a new recovery code (the old one no longer works)")
        }
        "principal.recovery-set" => format!("{verb} a new recovery code for {subject}"),
        "principal.recovery-use" if allowed => {
            format!("{verb} the recovery code of {subject} to get the keys back")
        }
        "principal.recovery-use" => format!("{verb} a recovery code that matches nobody's"),
        "principal.passkey-add" if own => format!("{verb} a passkey that unlocks their keys"),
        "principal.passkey-add" => format!("{verb} a passkey for {subject}"),
        "principal.passkey-remove" if own => format!("{verb} one of their passkeys"),
        "principal.passkey-remove" => format!("{verb} a passkey of {subject}"),
        "principal.passkey-use" if allowed => {
            format!("{verb} a passkey of {subject} to unlock the keys on a device")
        }
        "principal.passkey-use" => format!("{verb} a passkey that matches nobody's"),
        "principal.rotate" if own => {
            format!("{verb} new keys (the old keys no longer work)")
        }
        "principal.rotate" => format!("{verb} new keys for {subject}"),
        "principal.reenrol" if own => format!(
            "{verb} new keys after losing the old ones (a household member must readmit them)"
        ),
        "principal.reenrol" => format!("{verb} new keys for {subject} after they lost theirs"),
        _ if one && own => format!("{verb} one of their own sessions (signed out on one device)"),
        _ if one => format!("{verb} one session of {subject}"),
        _ if own => format!("{verb} all their own sessions (signed out everywhere)"),
        _ => format!("{verb} all sessions of {subject}"),
    })
}

fn or_plan(what: &str) -> &str {
    if what.is_empty() {
        "the plan"
    } else {
        what
    }
}

fn or_someone(what: &str) -> &str {
    if what.is_empty() {
        "someone"
    } else {
        what
    }
}

fn because(reason: &Option<String>) -> String {
    match reason {
        Some(r) => format!(" ({})", r.replace('_', " ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> AccessItem {
        AccessItem {
            seq: 7,
            time: "2026-11-23T10:02:11Z".into(),
            event: "field.read".into(),
            action: "R".into(),
            outcome: "allowed".into(),
            actor: Some("p-1".into()),
            actor_name: None,
            actor_role: Some("professional".into()),
            actor_org: Some("Wijkteam Noord".into()),
            actor_is_member: false,
            fields: vec!["financien/situatie".into()],
            subject_name: None,
            basis: Some("g-123".into()),
            purpose: Some("schuldhulp".into()),
            reason: None,
        }
    }

    #[test]
    fn account_events_read_as_plain_sentences() {
        let mut i = item();
        i.event = "principal.disable".into();
        i.action = "U".into();
        i.actor_role = Some("admin".into());
        i.actor_org = None;
        i.fields = vec!["p-2".into()];
        i.subject_name = Some("Anna".into());
        i.basis = Some("role:admin".into());
        i.purpose = None;
        i.reason = Some("telefoon kwijt".into());
        assert_eq!(
            sentence(&i),
            "2026-11-23 10:02  someone (admin) disabled the account of Anna (reason: telefoon kwijt) — allowed, as admin"
        );
        i.event = "principal.sign-out".into();
        i.actor = Some("p-2".into());
        i.actor_name = Some("Anna".into());
        i.basis = None;
        i.reason = None;
        assert_eq!(
            sentence(&i),
            "2026-11-23 10:02  Anna (member) ended all their own sessions (signed out everywhere) — allowed"
        );
        i.reason = Some("one_session".into());
        assert_eq!(
            sentence(&i),
            "2026-11-23 10:02  Anna (member) ended one of their own sessions (signed out on one device) — allowed"
        );
    }

    #[test]
    fn recovery_codes_read_as_plain_sentences() {
        let mut i = item();
        i.event = "principal.recovery-use".into();
        i.action = "R".into();
        i.actor = None;
        i.actor_role = None;
        i.actor_org = None;
        i.fields = vec!["p-2".into()];
        i.subject_name = Some("Anna".into());
        i.basis = None;
        i.purpose = None;
        assert_eq!(
            sentence(&i),
            "2026-11-23 10:02  someone unknown used the recovery code of Anna to get the keys back — allowed"
        );
        i.event = "principal.recovery-set".into();
        i.action = "U".into();
        i.actor = Some("p-2".into());
        i.actor_name = Some("Anna".into());
        assert_eq!(
            sentence(&i),
            "2026-11-23 10:02  Anna (member) made a new recovery code (the old one no longer works) — allowed"
        );
    }

    #[test]
    fn reads_as_a_plain_sentence() {
        assert_eq!(
            sentence(&item()),
            "2026-11-23 10:02  Wijkteam Noord (professional) read financien/situatie — allowed, grant g-123, purpose schuldhulp"
        );
        let mut refused = item();
        refused.outcome = "denied".into();
        refused.basis = None;
        refused.purpose = None;
        refused.reason = Some("not_involved".into());
        assert_eq!(
            sentence(&refused),
            "2026-11-23 10:02  Wijkteam Noord (professional) tried to read financien/situatie — refused (not involved)"
        );
        refused.event = "field.write".into();
        refused.action = "U".into();
        assert_eq!(
            sentence(&refused),
            "2026-11-23 10:02  Wijkteam Noord (professional) tried to change financien/situatie — refused (not involved)"
        );
        refused.event = "field.readers".into();
        assert!(sentence(&refused).contains(" tried to look up who may read "));
    }
}
