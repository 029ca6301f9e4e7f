//! `kluis household contact add | remove | list | request | refuse | release | mine`:
//! a trusted contact (vertrouwenspersoon) who can get back to the plan
//! after a waiting period in which members can refuse (`api::contacts`).

use anyhow::anyhow;
use clap::Subcommand;
use kluis_policy::{ContactRequestId, HouseholdId, PrincipalId};

use super::Context;
use crate::client::Client;
use crate::wire::contact::{ContactRequestInfo, MAX_WAIT_MS, MIN_WAIT_MS};

#[derive(Subcommand, Debug)]
pub enum ContactCommand {
    /// Name a trusted contact: after a waiting period they can become a
    /// member, unless a member refuses during the wait.
    Add {
        household: HouseholdId,
        principal: PrincipalId,
        /// The waiting period: days (`7d`) or hours (`36h`), 1 to 90 days.
        #[arg(long, default_value = "7d")]
        wait: String,
        /// Their key fingerprint as they read it out to you (from `kluis
        /// whoami`); nothing is sent unless it matches.
        #[arg(long)]
        expect_fingerprint: Option<String>,
    },
    /// Remove a trusted contact (their copy of the household key is deleted).
    Remove {
        household: HouseholdId,
        principal: PrincipalId,
    },
    /// Show the household's trusted contacts and their requests.
    List { household: HouseholdId },
    /// As a trusted contact: ask for access; prints the request id.
    Request { household: HouseholdId },
    /// Refuse a trusted contact's request while it waits.
    Refuse {
        household: HouseholdId,
        request: ContactRequestId,
    },
    /// As a trusted contact, after the wait: become a member.
    Release {
        household: HouseholdId,
        request: ContactRequestId,
    },
    /// As a trusted contact: the households that named you.
    Mine,
}

/// `7d`, `36h` (or a bare number of days) in milliseconds, within bounds.
pub fn parse_wait(text: &str) -> anyhow::Result<i64> {
    let text = text.trim();
    let (number, unit) = match text.strip_suffix('d') {
        Some(n) => (n, 86_400_000),
        None => match text.strip_suffix('h') {
            Some(n) => (n, 3_600_000),
            None => (text, 86_400_000),
        },
    };
    let n: i64 = number
        .parse()
        .map_err(|_| anyhow!("--wait must be a number of days (7d) or hours (36h)"))?;
    let ms = n.saturating_mul(unit);
    if !(MIN_WAIT_MS..=MAX_WAIT_MS).contains(&ms) {
        return Err(anyhow!("--wait must be between 1 and 90 days"));
    }
    Ok(ms)
}

fn describe(r: &ContactRequestInfo) -> String {
    format!(
        "request {} by {} ({}): {} (asked {}, release {})",
        r.request_id, r.contact_name, r.contact_id, r.state, r.requested_at, r.release_at
    )
}

pub async fn run(ctx: &Context, client: &Client, cmd: ContactCommand) -> anyhow::Result<()> {
    match cmd {
        ContactCommand::Add {
            household,
            principal,
            wait,
            expect_fingerprint,
        } => {
            let wait_ms = parse_wait(&wait)?;
            let keys =
                super::fingerprint::checked_keys(client, principal, expect_fingerprint.as_deref())
                    .await?;
            let named = client
                .name_contact(household, principal, expect_fingerprint.as_deref(), wait_ms)
                .await?;
            ctx.out.say(&format!(
                "{} ({}) is now your trusted contact. If they ask for access, every member is told and can refuse for {} days; after that they become a member. Their key fingerprint is {}.",
                keys.name,
                principal,
                wait_ms as f64 / 86_400_000.0,
                keys.fingerprint
            ));
            ctx.out.value(&named.contact_id.to_string(), &named)
        }
        ContactCommand::Remove {
            household,
            principal,
        } => {
            let removed = client.remove_contact(household, principal).await?;
            ctx.out.say(&format!(
                "{} is no longer your trusted contact; their copy of the household key is deleted.",
                removed.name
            ));
            ctx.out.value(&removed.contact_id.to_string(), &removed)
        }
        ContactCommand::List { household } => {
            let list = client.household_contacts(household).await?;
            let mut lines: Vec<String> = list
                .contacts
                .iter()
                .map(|c| {
                    format!(
                        "contact {} ({}): waiting period {} days, named {}",
                        c.name,
                        c.contact_id,
                        c.wait_ms as f64 / 86_400_000.0,
                        c.named_at
                    )
                })
                .collect();
            lines.extend(list.requests.iter().map(describe));
            ctx.out.report(&lines, &list)
        }
        ContactCommand::Request { household } => {
            let r = client.request_contact_access(household).await?;
            ctx.out.say(&format!(
                "Asked. The household is told now and can refuse until {}. Then run: kluis household contact release {household} {}",
                r.release_at, r.request_id
            ));
            ctx.out.value(&r.request_id.to_string(), &r)
        }
        ContactCommand::Refuse { household, request } => {
            let r = client.refuse_contact_request(household, request).await?;
            ctx.out
                .say("Refused. This request gives no access; the history shows it.");
            ctx.out.value(&r.request_id.to_string(), &r)
        }
        ContactCommand::Release { household, request } => {
            let m = client.release_contact(household, request).await?;
            ctx.out.say(
                "You are now a member of this household: its signed history and key check out on this device.",
            );
            ctx.out.value(&m.principal_id.to_string(), &m)
        }
        ContactCommand::Mine => {
            let mine = client.my_contacts().await?;
            let lines: Vec<String> = mine
                .households
                .iter()
                .map(|n| match &n.request {
                    Some(r) => format!("household {}: {}", n.household_id, describe(r)),
                    None => format!(
                        "household {}: you may ask for access (waiting period {} days)",
                        n.household_id,
                        n.wait_ms as f64 / 86_400_000.0
                    ),
                })
                .collect();
            ctx.out.report(&lines, &mine)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::contact::DEFAULT_WAIT_MS;

    #[test]
    fn waits_are_read_in_days_or_hours_within_bounds() {
        assert_eq!(parse_wait("7d").unwrap(), DEFAULT_WAIT_MS);
        assert_eq!(parse_wait("7").unwrap(), DEFAULT_WAIT_MS);
        assert_eq!(parse_wait("36h").unwrap(), 36 * 3_600_000);
        assert!(parse_wait("12h").is_err());
        assert!(parse_wait("91d").is_err());
        assert!(parse_wait("-1d").is_err());
        assert!(parse_wait("soon").is_err());
    }
}
