//! The roles a principal can have, and who may invite whom.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A household member (inwoner).
    Client,
    /// A coordinator or partner professional; belongs to an organisation.
    Professional,
    /// A privacy officer or log manager; belongs to an organisation; never reads dossiers.
    Auditor,
    /// Enrols people; never reads dossiers.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Client, Role::Professional, Role::Auditor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Professional => "professional",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Admins invite anyone; professionals invite the clients they work with;
    /// clients and auditors invite no one.
    pub fn may_invite(self, invitee: Role) -> bool {
        match self {
            Role::Admin => true,
            Role::Professional => invitee == Role::Client,
            Role::Client | Role::Auditor => false,
        }
    }

    /// "a client", "an auditor": for sentences.
    pub fn with_article(self) -> String {
        let article = if matches!(self, Role::Auditor | Role::Admin) {
            "an"
        } else {
            "a"
        };
        format!("{article} {self}")
    }

    /// Professionals and auditors act for an organisation, which the log records.
    pub fn needs_organisation(self) -> bool {
        matches!(self, Role::Professional | Role::Auditor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role '{0}': use client, professional, auditor or admin")]
pub struct RoleError(String);

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, RoleError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| RoleError(s.chars().take(40).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_rules() {
        use Role::*;
        for r in Role::ALL {
            assert!(Admin.may_invite(r));
            assert!(!Client.may_invite(r));
            assert!(!Auditor.may_invite(r));
            assert_eq!(Professional.may_invite(r), r == Client);
        }
    }

    #[test]
    fn parses_codes() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
