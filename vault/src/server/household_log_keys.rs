//! The households' log keys: one file per household in a directory beside
//! the database, never in it.
//!
//! Each log entry about a household seals its identifying details (address,
//! user agent) under that household's log key, so destroying the key at
//! retention or erasure destroys the details while the leaves keep the tree
//! verifiable. Why files and not a table: a key in the database travels with
//! every backup of it, so restoring an old backup would bring the details of
//! a destroyed household back, and anyone with a copy of the database could
//! open them. Here a database backup alone opens nothing, and deleting the
//! file is the destruction (backups of this directory are the operator's to
//! keep short; see the README).
//!
//! Several kluis processes on one PostgreSQL database must share the
//! directory (`kluis serve --household-log-keys DIR`), as they share the
//! log-signing key file.
//!
//! Written by hand rather than with a key-value crate: it is a handful of
//! small files, and what matters is the order of `fsync`s (the key is durable
//! before the transaction that uses it commits), which is clearest in plain
//! `std::fs`.

use std::collections::HashMap;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use kluis_policy::HouseholdId;
use sqlx::Row;
use zeroize::Zeroizing;

use crate::store::{Store, StoreError};

/// The directory name inside the data directory, unless configured otherwise.
pub const DIR_NAME: &str = "household-log-keys";

pub struct HouseholdLogKeys {
    dir: PathBuf,
    /// Keys read or made by this process. A key deleted here leaves the
    /// cache at once; another process's deletion is seen after a restart
    /// (entries it seals meanwhile are sealed under a key that is gone from
    /// disk, so they open for nobody either).
    cache: Mutex<HashMap<HouseholdId, Zeroizing<[u8; 32]>>>,
}

fn io_error(e: std::io::Error) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Io(e))
}

impl HouseholdLogKeys {
    /// Open the directory, creating it (mode 0700) if needed.
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the key directory {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot protect the key directory {}", dir.display()))?;
        }
        Ok(Self {
            dir: dir.to_owned(),
            cache: Mutex::default(),
        })
    }

    fn path(&self, h: HouseholdId) -> PathBuf {
        // A parsed id: 'h-' and 32 hex digits, nothing that walks paths.
        self.dir.join(format!("{h}.key"))
    }

    /// The household's key, if it has one (none: made before this process
    /// could see it, or destroyed).
    pub fn get(&self, h: HouseholdId) -> Result<Option<[u8; 32]>, StoreError> {
        if let Some(key) = self.cache.lock().expect("key cache").get(&h) {
            return Ok(Some(**key));
        }
        let text = match std::fs::read_to_string(self.path(h)) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(e)),
        };
        let mut key = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), &mut key[..]).map_err(|_| {
            io_error(std::io::Error::new(
                ErrorKind::InvalidData,
                format!("the log key file of {h} is damaged"),
            ))
        })?;
        let value = *key;
        self.cache.lock().expect("key cache").insert(h, key);
        Ok(Some(value))
    }

    /// Make the household's key and write it durably (file and directory
    /// synced) before returning, so the transaction that records the
    /// household's creation never commits with a key that could be lost.
    pub fn create(&self, h: HouseholdId) -> Result<[u8; 32], StoreError> {
        let key = Zeroizing::new(rand::random::<[u8; 32]>());
        self.write(h, &key).map_err(io_error)?;
        let value = *key;
        self.cache.lock().expect("key cache").insert(h, key);
        Ok(value)
    }

    fn write(&self, h: HouseholdId, key: &[u8; 32]) -> std::io::Result<()> {
        let tmp = self.dir.join(format!(
            "{h}.key.{}.tmp",
            hex::encode(rand::random::<[u8; 4]>())
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        let text = Zeroizing::new(format!("{}\n", hex::encode(key)));
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, self.path(h))?;
        self.sync_dir()
    }

    fn sync_dir(&self) -> std::io::Result<()> {
        std::fs::File::open(&self.dir)?.sync_all()
    }

    /// Destroy the household's key: overwrite the file, then delete it.
    /// (Overwriting is best effort: a journaling or copy-on-write file
    /// system or an SSD may keep the old block; the README says what an
    /// operator should use.)
    pub fn delete(&self, h: HouseholdId) -> std::io::Result<()> {
        self.cache.lock().expect("key cache").remove(&h);
        let path = self.path(h);
        match std::fs::OpenOptions::new().write(true).open(&path) {
            Ok(mut file) => {
                file.write_all(&[0u8; 65])?;
                file.sync_all()?;
            }
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        }
        std::fs::remove_file(&path)?;
        self.sync_dir()
    }

    /// After a destruction or erasure has committed: delete the keys. A
    /// failure is for the operator's log; the next start deletes what is
    /// left (`sweep`).
    pub fn forget_destroyed(&self, households: &[HouseholdId]) {
        for &h in households {
            if let Err(e) = self.delete(h) {
                tracing::warn!(household = %h, error = %e, "could not delete a destroyed household's log key; it is deleted at the next start");
            }
        }
    }

    /// At start-up: move keys still in the database (from before this
    /// directory existed) out of it, and delete the keys of households
    /// destroyed while a deletion could not finish. Returns how many keys
    /// were moved.
    pub async fn sweep(&self, store: &Store) -> anyhow::Result<u64> {
        let rows = sqlx::query("SELECT household_id, log_key FROM household_log_keys")
            .fetch_all(store.pool())
            .await
            .context("cannot read the log keys kept in the database")?;
        let mut moved = 0;
        for row in &rows {
            let h: String = row.try_get("household_id")?;
            let h =
                HouseholdId::parse(&h).context("a stored log key names a malformed household")?;
            let bytes: Vec<u8> = row.try_get("log_key")?;
            let key: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .context("a stored log key is not 32 bytes")?;
            match self.get(h)? {
                Some(existing) if existing == key => {}
                Some(_) => anyhow::bail!(
                    "household {h} has a different log key in the database than in {}",
                    self.dir.display()
                ),
                None => self.write(h, &key)?,
            }
            moved += 1;
        }
        if moved > 0 {
            sqlx::query("DELETE FROM household_log_keys")
                .execute(store.pool())
                .await?;
            crate::store::retention::scrub(store).await?;
        }
        let destroyed = sqlx::query("SELECT id FROM households WHERE destroyed_ms IS NOT NULL")
            .fetch_all(store.pool())
            .await?;
        for row in destroyed {
            if let Ok(h) = HouseholdId::parse(&row.try_get::<String, _>("id")?) {
                if self.path(h).exists() {
                    self.delete(h)?;
                }
            }
        }
        Ok(moved)
    }
}
