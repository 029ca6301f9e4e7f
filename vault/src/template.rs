//! The plan template: which sections a plan has. Configuration, not code:
//! municipalities add or rename sections, so a deployment can replace the
//! default (the ZRM domains plus opvoeding, veiligheid, algemeen and
//! observaties) with its own TOML file.

use std::collections::BTreeSet;

use kluis_policy::FieldPath;
use serde::Deserialize;

const DEFAULT: &str = include_str!("default-plan-template.toml");

#[derive(Debug, Clone)]
pub struct PlanTemplate {
    pub name: String,
    sections: BTreeSet<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: String,
    sections: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("the plan template is not valid TOML: {0}")]
    Toml(String),
    #[error("the plan template has no sections")]
    Empty,
    #[error("section '{0}' is not a valid path segment (a-z, 0-9, '-')")]
    BadSection(String),
}

impl PlanTemplate {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let file: File =
            toml::from_str(text).map_err(|e| TemplateError::Toml(e.message().to_owned()))?;
        if file.sections.is_empty() {
            return Err(TemplateError::Empty);
        }
        let mut sections = BTreeSet::new();
        for s in file.sections {
            if s.contains('/') || FieldPath::parse(&s).is_err() {
                return Err(TemplateError::BadSection(s));
            }
            sections.insert(s);
        }
        Ok(Self {
            name: file.name,
            sections,
        })
    }

    pub fn has_section(&self, section: &str) -> bool {
        self.sections.contains(section)
    }

    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.sections.iter().map(String::as_str)
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
        assert_eq!(t.sections().count(), 15);
    }

    #[test]
    fn custom_templates_are_checked() {
        let t = PlanTemplate::parse("name = \"x\"\nsections = [\"wonen\"]").unwrap();
        assert!(t.has_section("wonen") && !t.has_section("financien"));
        assert!(matches!(
            PlanTemplate::parse("name = \"x\"\nsections = []"),
            Err(TemplateError::Empty)
        ));
        assert!(matches!(
            PlanTemplate::parse("name = \"x\"\nsections = [\"A b\"]"),
            Err(TemplateError::BadSection(_))
        ));
        assert!(PlanTemplate::parse("sections = 3").is_err());
    }
}
