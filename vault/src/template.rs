//! The plan template: which sections a plan has, in which order, and what
//! people call them. Configuration, not code: municipalities add or rename
//! sections, so a deployment can replace the default (the ZRM domains plus
//! opvoeding, veiligheid, algemeen and observaties) with its own TOML file.
//!
//! A section has an `id` (the first segment of every field path in it, so
//! it never changes once plans use it) and a display name in Dutch and in
//! English, for the apps (`GET /v1/template`). The form:
//!
//! ```toml
//! name = "zrm-2017"
//!
//! [[sections]]
//! id = "financien"
//! name = "Geld en schulden"     # Dutch, plain words (B1)
//! name_en = "Money and debts"   # optional: the Dutch name when left out
//! ```
//!
//! The older form `sections = ["financien", "wonen"]` is still read, so
//! operators' existing files keep working: there the id is also the name.
//! A file may mix the two (a bare id among named sections).
//!
//! A template may also name where self-sufficiency scores (ZRM,
//! `crate::zrm`) live and which domains they have, each with its names:
//!
//! ```toml
//! [zrm]
//! section = "zrm"               # one of the sections above
//!
//! [[zrm.domains]]
//! id = "financien"              # the field is zrm/financien
//! name = "Geld en schulden"
//! name_en = "Money and debts"
//! ```

use kluis_policy::FieldPath;
use serde::{Deserialize, Serialize};

const DEFAULT: &str = include_str!("default-plan-template.toml");

/// Display names are 1 to this many characters.
pub const MAX_NAME_CHARS: usize = 80;

#[derive(Debug, Clone)]
pub struct PlanTemplate {
    pub name: String,
    /// In the order the file lists them: the order the apps show.
    sections: Vec<Section>,
    /// Where the self-sufficiency scores live, if this template has them.
    zrm: Option<ZrmTemplate>,
}

/// The self-sufficiency scores of a template: the section holding one field
/// per domain, and the domains in the order to show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ZrmTemplate {
    /// The section of the score fields, e.g. `zrm` (fields `zrm/financien`, ...).
    #[schema(pattern = "^[a-z0-9-]+$")]
    pub section: String,
    /// The domains: `id` is the field's last segment, with display names.
    pub domains: Vec<Section>,
}

impl ZrmTemplate {
    /// The domain `id`, if the template has it.
    pub fn domain(&self, id: &str) -> Option<&Section> {
        self.domains.iter().find(|d| d.id == id)
    }
}

/// At most this many ZRM domains (the matrix has 11; municipalities add a few).
pub const MAX_ZRM_DOMAINS: usize = 40;

/// One section of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Section {
    /// The path segment of the section's fields, e.g. `financien`.
    #[schema(pattern = "^[a-z0-9-]+$")]
    pub id: String,
    /// The name people read, in Dutch.
    pub name: String,
    /// The name in English.
    pub name_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    sections: Vec<Entry>,
    #[serde(default)]
    zrm: Option<ZrmFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ZrmFile {
    section: String,
    domains: Vec<NamedEntry>,
}

/// A section as written in the file: a bare id (the old form) or a table.
#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Id(String),
    Named(NamedEntry),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NamedEntry {
    id: String,
    name: String,
    #[serde(default)]
    name_en: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("the plan template is not valid TOML: {0}")]
    Toml(String),
    #[error("the plan template has no sections")]
    Empty,
    #[error("section '{0}' is not a valid path segment (a-z, 0-9, '-')")]
    BadSection(String),
    #[error("section '{0}' is listed twice")]
    DuplicateSection(String),
    #[error("section '{id}': the {which} must be 1 to {MAX_NAME_CHARS} printable characters, without spaces at either end")]
    BadName { id: String, which: &'static str },
    #[error("[zrm] section '{0}' is not one of the template's sections")]
    ZrmSection(String),
    #[error("[zrm] needs 1 to {MAX_ZRM_DOMAINS} domains")]
    ZrmDomainCount,
    #[error(
        "[zrm] domain '{0}' is not a valid path segment (a-z, 0-9, '-', at most 64 characters)"
    )]
    ZrmBadDomain(String),
    #[error("[zrm] domain '{0}' is listed twice")]
    ZrmDuplicateDomain(String),
}

/// Check a section's (or domain's) two display names.
fn check_names(section: &Section) -> Result<(), TemplateError> {
    for (which, name) in [("name", &section.name), ("name_en", &section.name_en)] {
        if !name_is_valid(name) {
            return Err(TemplateError::BadName {
                id: section.id.clone(),
                which,
            });
        }
    }
    Ok(())
}

fn parse_zrm(file: ZrmFile, sections: &[Section]) -> Result<ZrmTemplate, TemplateError> {
    if !sections.iter().any(|s| s.id == file.section) {
        return Err(TemplateError::ZrmSection(file.section));
    }
    if file.domains.is_empty() || file.domains.len() > MAX_ZRM_DOMAINS {
        return Err(TemplateError::ZrmDomainCount);
    }
    let mut domains: Vec<Section> = Vec::with_capacity(file.domains.len());
    for e in file.domains {
        let domain = Section {
            name_en: e.name_en.unwrap_or_else(|| e.name.clone()),
            name: e.name,
            id: e.id,
        };
        let path_ok = crate::zrm::ZrmDomain::parse(&domain.id)
            .and_then(|d| d.path_in(&file.section))
            .is_ok();
        if !path_ok {
            return Err(TemplateError::ZrmBadDomain(domain.id));
        }
        if domains.iter().any(|d| d.id == domain.id) {
            return Err(TemplateError::ZrmDuplicateDomain(domain.id));
        }
        check_names(&domain)?;
        domains.push(domain);
    }
    Ok(ZrmTemplate {
        section: file.section,
        domains,
    })
}

/// A display name is shown as is, so it must be short, visible text: no
/// control characters, no invisible or direction-changing characters that
/// could make one name look like another.
fn name_is_valid(name: &str) -> bool {
    let invisible = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
    };
    let chars = name.chars().count();
    (1..=MAX_NAME_CHARS).contains(&chars) && name.trim() == name && !name.chars().any(invisible)
}

impl PlanTemplate {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let file: File =
            toml::from_str(text).map_err(|e| TemplateError::Toml(e.message().to_owned()))?;
        if file.sections.is_empty() {
            return Err(TemplateError::Empty);
        }
        let mut sections: Vec<Section> = Vec::with_capacity(file.sections.len());
        for entry in file.sections {
            let section = match entry {
                Entry::Id(id) => Section {
                    name: id.clone(),
                    name_en: id.clone(),
                    id,
                },
                Entry::Named(e) => Section {
                    name_en: e.name_en.unwrap_or_else(|| e.name.clone()),
                    name: e.name,
                    id: e.id,
                },
            };
            if section.id.contains('/') || FieldPath::parse(&section.id).is_err() {
                return Err(TemplateError::BadSection(section.id));
            }
            if sections.iter().any(|s| s.id == section.id) {
                return Err(TemplateError::DuplicateSection(section.id));
            }
            check_names(&section)?;
            sections.push(section);
        }
        let zrm = file.zrm.map(|z| parse_zrm(z, &sections)).transpose()?;
        Ok(Self {
            name: file.name,
            sections,
            zrm,
        })
    }

    /// The self-sufficiency scores' section and domains, if any.
    pub fn zrm(&self) -> Option<&ZrmTemplate> {
        self.zrm.as_ref()
    }

    pub fn has_section(&self, section: &str) -> bool {
        self.sections.iter().any(|s| s.id == section)
    }

    /// The section ids, in the template's order.
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(|s| s.id.as_str())
    }

    /// The sections with their display names, in the template's order.
    pub fn named_sections(&self) -> &[Section] {
        &self.sections
    }

    /// The section `id`, with its names.
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
}

impl Default for PlanTemplate {
    fn default() -> Self {
        Self::parse(DEFAULT).expect("the built-in template is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_has_the_zrm_domains_and_more() {
        let t = PlanTemplate::default();
        for s in [
            "financien",
            "justitie",
            "opvoeding",
            "veiligheid",
            "algemeen",
            "observaties",
        ] {
            assert!(t.has_section(s), "{s}");
        }
        assert!(!t.has_section("hobbies"));
        assert_eq!(t.sections().count(), 16);
        // In the file's order, every one with its own Dutch and English name.
        assert_eq!(t.sections().next(), Some("financien"));
        let money = t.section("financien").unwrap();
        assert_eq!(money.name, "Geld en schulden");
        assert_eq!(money.name_en, "Money and debts");
        assert_eq!(t.section("huisvesting").unwrap().name, "Wonen");
        for s in t.named_sections() {
            assert_ne!(s.name, s.id, "{} has no Dutch name", s.id);
            assert_ne!(s.name_en, s.name, "{} has no English name", s.id);
        }
    }

    #[test]
    fn default_has_zrm_scores_for_the_eleven_domains() {
        let t = PlanTemplate::default();
        let z = t.zrm().expect("the default template has ZRM scores");
        assert_eq!(z.section, "zrm");
        assert!(t.has_section("zrm"));
        let ids: Vec<&str> = z.domains.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "financien",
                "dagbesteding",
                "huisvesting",
                "huiselijke-relaties",
                "geestelijke-gezondheid",
                "lichamelijke-gezondheid",
                "verslaving",
                "adl",
                "sociaal-netwerk",
                "participatie",
                "justitie"
            ]
        );
        assert_eq!(z.domain("financien").unwrap().name, "Geld en schulden");
        assert!(z.domain("opvoeding").is_none());
        for d in &z.domains {
            assert_ne!(d.name, d.name_en, "{}", d.id);
        }
    }

    #[test]
    fn zrm_tables_are_checked() {
        let with = |zrm: &str| {
            PlanTemplate::parse(&format!(
                "name = \"x\"\nsections = [\"zrm\", \"geld\"]\n{zrm}"
            ))
        };
        let ok =
            with("[zrm]\nsection = \"zrm\"\n[[zrm.domains]]\nid = \"geld\"\nname = \"Geld\"\n")
                .unwrap();
        assert_eq!(ok.zrm().unwrap().domains[0].name_en, "Geld");
        assert!(with("").unwrap().zrm().is_none());
        assert!(matches!(
            with("[zrm]\nsection = \"scores\"\n[[zrm.domains]]\nid = \"geld\"\nname = \"Geld\"\n"),
            Err(TemplateError::ZrmSection(_))
        ));
        assert!(matches!(
            with("[zrm]\nsection = \"zrm\"\ndomains = []\n"),
            Err(TemplateError::ZrmDomainCount)
        ));
        for bad in ["Geld", "a/b", "", "a b"] {
            assert!(matches!(
                with(&format!("[zrm]\nsection = \"zrm\"\n[[zrm.domains]]\nid = \"{bad}\"\nname = \"Geld\"\n")),
                Err(TemplateError::ZrmBadDomain(_))
            ), "{bad}");
        }
        assert!(matches!(
            with("[zrm]\nsection = \"zrm\"\n[[zrm.domains]]\nid = \"a\"\nname = \"A\"\n[[zrm.domains]]\nid = \"a\"\nname = \"B\"\n"),
            Err(TemplateError::ZrmDuplicateDomain(_))
        ));
        assert!(matches!(
            with("[zrm]\nsection = \"zrm\"\n[[zrm.domains]]\nid = \"a\"\nname = \" A\"\n"),
            Err(TemplateError::BadName { .. })
        ));
        assert!(with(
            "[zrm]\nsection = \"zrm\"\nkleur = 1\n[[zrm.domains]]\nid = \"a\"\nname = \"A\"\n"
        )
        .is_err());
    }

    #[test]
    fn the_old_form_still_reads_with_the_id_as_name() {
        let t = PlanTemplate::parse("name = \"x\"\nsections = [\"wonen\", \"geld\"]").unwrap();
        assert!(t.has_section("wonen") && !t.has_section("financien"));
        assert_eq!(t.sections().collect::<Vec<_>>(), ["wonen", "geld"]);
        let s = t.section("geld").unwrap();
        assert_eq!((s.name.as_str(), s.name_en.as_str()), ("geld", "geld"));
    }

    #[test]
    fn the_new_form_names_sections_and_english_is_optional() {
        let t = PlanTemplate::parse(
            r#"name = "gemeente"
[[sections]]
id = "wonen"
name = "Uw huis"
name_en = "Your home"

[[sections]]
id = "geld"
name = "Geld"
"#,
        )
        .unwrap();
        assert_eq!(
            t.named_sections(),
            [
                Section {
                    id: "wonen".into(),
                    name: "Uw huis".into(),
                    name_en: "Your home".into()
                },
                Section {
                    id: "geld".into(),
                    name: "Geld".into(),
                    name_en: "Geld".into()
                },
            ]
        );
        // A bare id among named sections is read too.
        let mixed =
            PlanTemplate::parse("name = \"x\"\nsections = [\"a\", { id = \"b\", name = \"Bee\" }]")
                .unwrap();
        assert_eq!(mixed.section("b").unwrap().name, "Bee");
        assert_eq!(mixed.section("a").unwrap().name, "a");
    }

    #[test]
    fn custom_templates_are_checked() {
        assert!(matches!(
            PlanTemplate::parse("name = \"x\"\nsections = []"),
            Err(TemplateError::Empty)
        ));
        assert!(matches!(
            PlanTemplate::parse("name = \"x\"\nsections = [\"A b\"]"),
            Err(TemplateError::BadSection(_))
        ));
        assert!(matches!(
            PlanTemplate::parse("name = \"x\"\nsections = [\"a/b\"]"),
            Err(TemplateError::BadSection(_))
        ));
        assert!(PlanTemplate::parse("sections = 3").is_err());
        assert!(matches!(
            PlanTemplate::parse("name = \"x\"\nsections = [\"a\", { id = \"a\", name = \"A\" }]"),
            Err(TemplateError::DuplicateSection(id)) if id == "a"
        ));
        let named = |name: &str, name_en: &str| {
            PlanTemplate::parse(&format!(
                "name = \"x\"\n[[sections]]\nid = \"a\"\nname = {}\nname_en = {}\n",
                toml::Value::String(name.into()),
                toml::Value::String(name_en.into())
            ))
        };
        assert!(named("Geld", "Money").is_ok());
        assert!(named(&"é".repeat(MAX_NAME_CHARS), "Money").is_ok());
        for bad in [
            String::new(),
            " Geld".into(),
            "Geld ".into(),
            "Geld\nen schulden".into(),
            "Geld\tschulden".into(),
            "Geld\u{202E}neduhcs".into(),
            "Ge\u{200B}ld".into(),
            "x".repeat(MAX_NAME_CHARS + 1),
        ] {
            assert!(
                matches!(
                    named(&bad, "Money"),
                    Err(TemplateError::BadName { which: "name", .. })
                ),
                "{bad:?}"
            );
            assert!(
                matches!(
                    named("Geld", &bad),
                    Err(TemplateError::BadName {
                        which: "name_en",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        // Unknown keys and missing names are refused, not ignored.
        assert!(PlanTemplate::parse(
            "name = \"x\"\n[[sections]]\nid = \"a\"\nname = \"A\"\nnaam = \"B\"\n"
        )
        .is_err());
        assert!(PlanTemplate::parse("name = \"x\"\n[[sections]]\nid = \"a\"\n").is_err());
        assert!(PlanTemplate::parse("name = \"x\"\n[[sections]]\nname = \"A\"\n").is_err());
    }
}
