//! The newest version of each field this device has seen.
//!
//! A server cannot forge a version it cannot decrypt, but it could hide the
//! newest ones and serve an older version as the current one. The device
//! remembers the highest version it saw of each field (written or read as
//! the newest) and refuses a "newest" that is older. The CLI keeps this in
//! `<keystore>.seen-versions.json`; a client made in code, in memory.
//!
//! It also remembers the lowest version of each field it saw signed
//! (`client/versions.rs`): in a household from before signed versions, an
//! unsigned version above it was not written by a kluis client.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kluis_policy::{FieldPath, HouseholdId};
use serde::{Deserialize, Serialize};

use super::{device_file, ClientError};

#[derive(Debug, Default, Serialize, Deserialize)]
struct SeenFile {
    /// household id -> field path -> highest version seen.
    households: BTreeMap<String, BTreeMap<String, i64>>,
    /// household id -> field path -> lowest version seen with a valid
    /// signature: versions after it must all be signed.
    #[serde(default)]
    signed: BTreeMap<String, BTreeMap<String, i64>>,
}

#[derive(Debug, Default)]
pub struct Seen {
    path: Option<PathBuf>,
    loaded: Option<SeenFile>,
}

impl Seen {
    pub fn at(path: PathBuf) -> Self {
        Self {
            path: Some(path),
            loaded: None,
        }
    }

    pub fn path_for_keystore(keystore: &Path) -> PathBuf {
        super::device_file::beside(keystore, ".seen-versions.json")
    }

    fn file(&mut self) -> Result<&mut SeenFile, ClientError> {
        if self.loaded.is_none() {
            self.loaded = Some(match &self.path {
                Some(path) => device_file::read(path)?,
                None => SeenFile::default(),
            });
        }
        Ok(self.loaded.as_mut().expect("loaded above"))
    }

    /// The highest version of `path` seen, if any.
    pub fn newest(&mut self, h: HouseholdId, path: &FieldPath) -> Result<Option<i64>, ClientError> {
        Ok(self
            .file()?
            .households
            .get(&h.to_string())
            .and_then(|fields| fields.get(path.as_str()))
            .copied())
    }

    /// The lowest version of `path` seen signed, if any.
    pub fn lowest_signed(
        &mut self,
        h: HouseholdId,
        path: &FieldPath,
    ) -> Result<Option<i64>, ClientError> {
        Ok(self
            .file()?
            .signed
            .get(&h.to_string())
            .and_then(|fields| fields.get(path.as_str()))
            .copied())
    }

    /// Remember that `version` of `path` carried a valid signature.
    pub fn saw_signed(
        &mut self,
        h: HouseholdId,
        path: &FieldPath,
        version: i64,
    ) -> Result<(), ClientError> {
        let fields = self.file()?.signed.entry(h.to_string()).or_default();
        let known = fields.entry(path.as_str().to_owned()).or_insert(i64::MAX);
        if version >= *known {
            return Ok(());
        }
        *known = version;
        self.store()
    }

    fn store(&self) -> Result<(), ClientError> {
        match (&self.path, &self.loaded) {
            (Some(p), Some(file)) => device_file::write(p, file),
            _ => Ok(()),
        }
    }

    /// Remember that `version` of `path` exists.
    pub fn saw(
        &mut self,
        h: HouseholdId,
        path: &FieldPath,
        version: i64,
    ) -> Result<(), ClientError> {
        let fields = self.file()?.households.entry(h.to_string()).or_default();
        let known = fields.entry(path.as_str().to_owned()).or_insert(0);
        if version <= *known {
            return Ok(());
        }
        *known = version;
        self.store()
    }
}
