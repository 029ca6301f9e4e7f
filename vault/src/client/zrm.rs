//! Self-sufficiency scores (ZRM) on the device: the template says which
//! section holds them and which domains there are; each domain's field is
//! read version by version (each version opened and its signature checked
//! like any field) and parsed with `crate::zrm::ZrmEntry`'s strict rules.

use kluis_policy::HouseholdId;

use super::{Authorship, Client, ClientError};
use crate::template::{Section, ZrmTemplate};
use crate::wire::plan::Written;
use crate::zrm::{ZrmDomain, ZrmEntry, ZrmError};

/// One version of a domain's score field that the caller can open.
pub struct ZrmVersion {
    pub version: i64,
    /// When the server stored it (RFC 3339).
    pub written_at: String,
    pub authorship: Authorship,
    /// The score, or why this version is not a valid score document (shown,
    /// not hidden, so nobody mistakes a bad version for "no score").
    pub entry: Result<ZrmEntry, ZrmError>,
}

/// A domain with every version of its score that the caller can read.
pub struct ZrmDomainScores {
    /// The template's domain; a field under the section that the template
    /// does not list is shown with its id as name.
    pub domain: Section,
    /// Newest first; empty when there is no score the caller can read.
    pub versions: Vec<ZrmVersion>,
    /// How many older versions exist that were not shared with the caller
    /// (a professional's grant opens the versions from its start on).
    pub not_shared: usize,
}

impl ZrmDomainScores {
    /// The valid score with the latest date (the newer version on a tie:
    /// a correction), so a score entered later for an earlier moment does
    /// not replace the newest one; else the newest version as it is, so a
    /// domain whose only versions are invalid still shows why.
    pub fn current(&self) -> Option<&ZrmVersion> {
        self.versions
            .iter()
            .filter_map(|v| v.entry.as_ref().ok().map(|e| ((e.date, v.version), v)))
            .max_by_key(|(k, _)| *k)
            .map(|(_, v)| v)
            .or_else(|| self.versions.first())
    }
}

impl Client {
    /// The server's ZRM section and domains; refused when its template has none.
    pub async fn zrm_template(&self) -> Result<ZrmTemplate, ClientError> {
        self.template().await?.zrm.ok_or_else(|| {
            ClientError::Refused(
                "this server's plan template has no self-sufficiency scores (no [zrm] table)"
                    .to_owned(),
            )
        })
    }

    /// Every domain of `zrm` with its scores, in the template's order (then
    /// any other score fields found in the section, by id).
    pub async fn zrm_scores(
        &self,
        h: HouseholdId,
        zrm: &ZrmTemplate,
    ) -> Result<Vec<ZrmDomainScores>, ClientError> {
        let fields = self.list_fields(h).await?;
        let mut out: Vec<ZrmDomainScores> = zrm
            .domains
            .iter()
            .map(|d| ZrmDomainScores {
                domain: d.clone(),
                versions: Vec::new(),
                not_shared: 0,
            })
            .collect();
        let mut extra: Vec<ZrmDomainScores> = Vec::new();
        for f in fields.iter().filter(|f| !f.private) {
            let mut segments = f.path.segments();
            let (Some(section), Some(id), None) =
                (segments.next(), segments.next(), segments.next())
            else {
                continue;
            };
            if section != zrm.section {
                continue;
            }
            let mut history = self.field_history(h, &f.path).await?;
            history.sort_by_key(|v| std::cmp::Reverse(v.0.version));
            let mut versions = Vec::with_capacity(history.len());
            let mut not_shared = 0;
            for (summary, _) in history {
                let opened = match self.get_field(h, &f.path, Some(summary.version)).await {
                    Ok(opened) => opened,
                    Err(e) if e.kind() == Some("not-shared") => {
                        not_shared += 1;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                versions.push(ZrmVersion {
                    version: opened.version,
                    written_at: opened.created_at.clone(),
                    authorship: opened.authorship.clone(),
                    entry: ZrmEntry::parse(&opened.value),
                });
            }
            match out.iter_mut().find(|d| d.domain.id == id) {
                Some(d) => {
                    d.versions = versions;
                    d.not_shared = not_shared;
                }
                None => extra.push(ZrmDomainScores {
                    domain: Section {
                        id: id.to_owned(),
                        name: id.to_owned(),
                        name_en: id.to_owned(),
                    },
                    versions,
                    not_shared,
                }),
            }
        }
        extra.sort_by(|a, b| a.domain.id.cmp(&b.domain.id));
        out.extend(extra);
        Ok(out)
    }

    /// Record a new score for `domain` (a new version of its field; earlier
    /// scores stay as its history). The domain must be in the template.
    pub async fn set_zrm_score(
        &self,
        h: HouseholdId,
        zrm: &ZrmTemplate,
        domain: &ZrmDomain,
        entry: &ZrmEntry,
    ) -> Result<Written, ClientError> {
        if zrm.domain(domain.as_str()).is_none() {
            let known: Vec<&str> = zrm.domains.iter().map(|d| d.id.as_str()).collect();
            return Err(ClientError::Refused(format!(
                "'{domain}' is not a ZRM domain on this server; the domains are: {}",
                known.join(", ")
            )));
        }
        let path = domain
            .path_in(&zrm.section)
            .map_err(|e| ClientError::Refused(e.to_string()))?;
        self.set_field(h, &path, &entry.to_bytes()).await
    }
}
