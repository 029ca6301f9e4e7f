//! Small JSON files the device keeps beside the keystore (pinned keys,
//! versions seen): readable only by their owner, and replaced whole, so a
//! crash never leaves half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::ClientError;

/// The file named `suffix` beside `keystore` (`anna.keystore` ->
/// `anna.keystore<suffix>`): what a device remembers stays with its keys.
pub fn beside(keystore: &Path, suffix: &str) -> PathBuf {
    let mut name = keystore.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The file's content, or `T::default()` when there is no file yet.
pub fn read<T: DeserializeOwned + Default>(path: &Path) -> Result<T, ClientError> {
    if !path.exists() {
        return Ok(T::default());
    }
    let bytes = std::fs::read(path).map_err(|e| broken(path, &e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| broken(path, &e.to_string()))
}

/// Replace the file with `value` (mode 0600): written beside it, synced,
/// then renamed over it.
pub fn write<T: Serialize>(path: &Path, value: &T) -> Result<(), ClientError> {
    let text = serde_json::to_vec_pretty(value).expect("plain data");
    let tmp = beside(path, ".tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| -> std::io::Result<()> {
        let mut f = options.open(&tmp)?;
        f.write_all(&text)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| broken(path, &e.to_string()))
}

fn broken(path: &Path, why: &str) -> ClientError {
    ClientError::Refused(format!("cannot use {}: {why}", path.display()))
}
