//! First start: with an empty database there is nobody to invite anybody, so
//! the server makes one admin invite and leaves it in a file only the server's
//! own user can read.

use std::io::Write;
use std::path::Path;

use crate::clock::Clock;
use crate::role::Role;
use crate::server::configuration::Limits;
use crate::store::{invites, Store};

pub const INVITE_FILE: &str = "bootstrap-invite";

/// Make the bootstrap invite if the database is empty. Returns the file written.
pub async fn ensure_admin_invite(
    store: &Store,
    data_dir: &Path,
    clock: &Clock,
    limits: &Limits,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    if !invites::database_is_empty(store).await? {
        return Ok(None);
    }
    let code = crate::api::enrol::new_invite_code();
    let now = clock.now_ms();
    let path = data_dir.join(INVITE_FILE);
    // Write the file first: an invite in the database that nobody can read
    // would lock the operator out; a file whose invite is missing is retried
    // at the next start.
    let _ = std::fs::remove_file(&path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path)?;
    writeln!(file, "{code}")?;
    file.sync_all()?;
    invites::insert(
        &mut *store.pool().acquire().await?,
        invites::NewInvite {
            code: &code,
            role: Role::Admin,
            name: "administrator",
            org: None,
            created_by: None,
            now_ms: now,
            expires_ms: now + limits.invite_ttl_ms,
        },
    )
    .await?;
    Ok(Some(path))
}
