//! Shared set-up for the access log tests: a household with a member, a
//! professional from another organisation who has no access, an auditor,
//! and a mixed workload of writes, reads and refused attempts.

#![allow(dead_code)]

use std::path::PathBuf;

use kluis_policy::{FieldPath, HouseholdId};
use kluis_vault::client::{AuditFailure, Verified};
use kluis_vault::role::Role;

use crate::common::{TestServer, User};

/// Appears in field content only; no log row may ever contain it.
pub const MARKER: &str = "GEHEIM-inhoud-7f3a9c";

pub struct World {
    pub server: TestServer,
    pub admin: User,
    pub auditor: User,
    pub pro: User,
    pub outsider: User,
    pub anna: User,
    pub h: HouseholdId,
    pub state_dir: tempfile::TempDir,
}

pub fn path(p: &str) -> FieldPath {
    FieldPath::parse(p).unwrap()
}

pub async fn world() -> World {
    world_on(TestServer::spawn().await).await
}

pub async fn world_on(server: TestServer) -> World {
    let admin = server.admin().await;
    let auditor = server
        .enrol(&admin, Role::Auditor, "Ilse", Some("Gemeente Privacyteam"))
        .await;
    let pro = server
        .enrol(&admin, Role::Professional, "Piet", Some("Wijkteam Noord"))
        .await;
    let outsider = server
        .enrol(&admin, Role::Professional, "Otto", Some("Zorg BV"))
        .await;
    let anna = server.enrol(&pro, Role::Client, "Anna", None).await;
    let h = anna.client.create_household().await.expect("household");
    World {
        server,
        admin,
        auditor,
        pro,
        outsider,
        anna,
        h,
        state_dir: tempfile::tempdir().unwrap(),
    }
}

impl World {
    /// Writes, reads, listings and refused attempts: every kind of entry.
    pub async fn workload(&self, round: u32) {
        let fin = path("financien/situatie");
        let woon = path("huisvesting/wensen");
        self.anna
            .client
            .set_field(self.h, &fin, format!("{MARKER} schuld {round}").as_bytes())
            .await
            .unwrap();
        self.anna
            .client
            .set_field(self.h, &woon, format!("{MARKER} woning {round}").as_bytes())
            .await
            .unwrap();
        self.anna
            .client
            .get_field(self.h, &fin, None)
            .await
            .unwrap();
        self.anna.client.list_fields(self.h).await.unwrap();
        // Someone with no tie to the household is refused, and that is logged.
        assert!(self
            .outsider
            .client
            .get_field(self.h, &fin, None)
            .await
            .is_err());
        assert!(self
            .outsider
            .client
            .set_field(self.h, &woon, b"overwrite")
            .await
            .is_err());
    }

    pub fn state(&self, name: &str) -> PathBuf {
        self.state_dir
            .path()
            .join(format!("{name}.audit-state.json"))
    }

    pub async fn verify(&self, state: &str) -> Result<Verified, AuditFailure> {
        self.auditor
            .client
            .audit_verify(&self.state(state), |_, _| {})
            .await
    }

    /// The number of rows in the log, straight from the database.
    pub async fn rows(&self) -> i64 {
        let db = self.server.db().await;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM log_entries")
            .fetch_one(&db)
            .await
            .unwrap();
        db.close().await;
        n
    }
}
