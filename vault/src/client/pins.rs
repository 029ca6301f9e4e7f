//! Keys this device has seen, pinned: trust on first use.
//!
//! The first time a device relies on someone's keys (to wrap a key to them,
//! or to check their signature) it records their fingerprint here; from
//! then on, keys from the server that differ are refused until the person
//! using the device confirms the change (`kluis keys trust`). The CLI keeps
//! the pins in a file beside the keystore (`<keystore>.trusted-keys.json`,
//! mode 0600); a client made in code keeps them in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kluis_policy::PrincipalId;
use serde::{Deserialize, Serialize};

use super::{device_file, ClientError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub fingerprint: String,
    /// The name the server gave when the key was pinned, to say whose it is.
    pub name: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct PinFile {
    version: u32,
    keys: BTreeMap<String, Pin>,
}

#[derive(Debug, Default)]
pub struct Pins {
    path: Option<PathBuf>,
    loaded: Option<BTreeMap<String, Pin>>,
}

impl Pins {
    /// Pins kept in a file (created on first pin).
    pub fn at(path: PathBuf) -> Self {
        Self {
            path: Some(path),
            loaded: None,
        }
    }

    /// Where the CLI keeps the pins of `keystore`.
    pub fn path_for_keystore(keystore: &Path) -> PathBuf {
        super::device_file::beside(keystore, ".trusted-keys.json")
    }

    fn keys(&mut self) -> Result<&mut BTreeMap<String, Pin>, ClientError> {
        if self.loaded.is_none() {
            let file: PinFile = match &self.path {
                Some(path) => device_file::read(path)?,
                None => PinFile::default(),
            };
            if file.version > 1 {
                return Err(ClientError::Refused(
                    "the trusted keys file is of a newer kluis: refusing to change it".into(),
                ));
            }
            self.loaded = Some(file.keys);
        }
        Ok(self.loaded.as_mut().expect("loaded above"))
    }

    pub fn get(&mut self, id: PrincipalId) -> Result<Option<Pin>, ClientError> {
        Ok(self.keys()?.get(&id.to_string()).cloned())
    }

    /// Pin (or re-pin, after a confirmed change) `id`'s keys.
    pub fn set(&mut self, id: PrincipalId, pin: Pin) -> Result<(), ClientError> {
        self.keys()?.insert(id.to_string(), pin);
        self.save()
    }

    fn save(&self) -> Result<(), ClientError> {
        let (Some(path), Some(keys)) = (&self.path, &self.loaded) else {
            return Ok(());
        };
        device_file::write(
            path,
            &PinFile {
                version: 1,
                keys: keys.clone(),
            },
        )
    }
}
