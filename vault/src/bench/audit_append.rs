//! `audit_append_vs_sqlite`: durable access-log appends per second through
//! the real store path against raw SQLite inserts of the same bytes at the
//! same durability and batch size.
//!
//! Ours: a `Store` on a fresh SQLite file (WAL, `synchronous=FULL`, as
//! `kluis serve` runs it), and per append what `api::record::LoggedTx`
//! does: begin, lock the log head (`store::log::lock`), seal the
//! identifying payload, append the entry (`store::log::append`: encode,
//! extend the Merkle frontier, insert), write the head
//! (`store::log::finish`) and commit. One entry per transaction.
//!
//! Baseline: sqlx on one SQLite connection in another file of the same
//! directory, WAL and `synchronous=FULL`, one transaction per insert of the
//! same leaf and payload bytes into a table with no index but its key.

use std::str::FromStr;
use std::time::Instant;

use kluis_audit::{Action, Entry, EventType, Flags, Outcome};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};

use super::{Budget, Figure, TempDir};
use crate::store::{log, Store};

/// A field read on a grant, as the server logs it.
fn entry(household: &str, time_ms: i64) -> Entry {
    Entry {
        version: kluis_audit::entry::VERSION,
        seq: 0,
        time_ms,
        event: EventType::FieldRead,
        action: Action::Read,
        outcome: Outcome::Allowed,
        flags: Flags {
            authorised: true,
            involved: true,
            consent: true,
            emergency: false,
        },
        actor: Some(kluis_policy::PrincipalId::random().to_string()),
        actor_role: Some("professional".to_owned()),
        actor_org: Some("Schuldhulp Oost".to_owned()),
        on_behalf_of: None,
        household: Some(household.to_owned()),
        fields: vec!["financien/situatie".to_owned()],
        basis: Some(kluis_policy::GrantId::random().to_string()),
        purpose: Some("schuldhulp".to_owned()),
        request_id: hex::encode(rand::random::<[u8; 8]>()),
        instance: "bench".to_owned(),
        reason: None,
        payload_commitment: None,
    }
}

const DETAILS: &[u8] = br#"{"ip":"127.0.0.1","user_agent":"kluis-bench/0.1"}"#;

pub async fn run(budget: &Budget) -> anyhow::Result<Figure> {
    let dir = TempDir::new("append")?;
    let store = Store::open(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("kluis.db").display()
    ))
    .await?;
    let household = kluis_policy::HouseholdId::random().to_string();
    let log_key: [u8; 32] = rand::random();
    let template = entry(&household, 1_760_000_000_000);

    let mut raw = SqliteConnection::connect_with(
        &SqliteConnectOptions::from_str(&format!(
            "sqlite://{}",
            dir.path().join("raw.db").display()
        ))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full),
    )
    .await?;
    sqlx::query("CREATE TABLE leaves (seq INTEGER PRIMARY KEY, leaf BLOB NOT NULL, payload BLOB)")
        .execute(&mut raw)
        .await?;
    // The baseline inserts the bytes our first append produces.
    let payload = kluis_audit::seal_payload(&log_key, &household, 0, DETAILS)?;
    let mut first = template.clone();
    first.payload_commitment = Some(kluis_audit::commitment(&payload));
    let leaf = first.encode()?;

    let ours = Ours {
        store: &store,
        template: &template,
        household: &household,
        log_key: &log_key,
    };
    let mut base = Raw {
        conn: &mut raw,
        leaf: &leaf,
        payload: &payload,
        next_seq: 0,
    };

    // Warm up, then alternate rounds; the best round of each side counts.
    ours.run(Instant::now()).await?;
    base.run(Instant::now()).await?;
    let (mut best_ours, mut best_base) = (0f64, 0f64);
    for _ in 0..budget.rounds {
        let start = Instant::now();
        let n = ours.run(start + budget.side).await?;
        best_ours = best_ours.max(n as f64 / start.elapsed().as_secs_f64());
        let start = Instant::now();
        let n = base.run(start + budget.side).await?;
        best_base = best_base.max(n as f64 / start.elapsed().as_secs_f64());
    }
    store.close().await;
    raw.close().await?;
    Ok(Figure::new(
        "audit_append_vs_sqlite",
        "appends/s",
        best_ours,
        best_base,
        "log entry appends via store::log (lock, append, finish, commit), 1 per transaction",
        "raw sqlx SQLite inserts of the same bytes, 1 per transaction, WAL + synchronous=FULL",
    ))
}

struct Ours<'a> {
    store: &'a Store,
    template: &'a Entry,
    household: &'a str,
    log_key: &'a [u8; 32],
}

impl Ours<'_> {
    /// Appends until `deadline` (at least one); returns how many.
    async fn run(&self, deadline: Instant) -> anyhow::Result<u64> {
        let mut n = 0u64;
        while n == 0 || Instant::now() < deadline {
            let mut tx = self.store.begin().await?;
            let mut head = log::lock(&mut tx).await?;
            let payload =
                kluis_audit::seal_payload(self.log_key, self.household, head.size, DETAILS)?;
            let mut e = self.template.clone();
            e.payload_commitment = Some(kluis_audit::commitment(&payload));
            log::append(&mut tx, &mut head, &mut e, Some(payload)).await?;
            log::finish(&mut tx, &mut head).await?;
            tx.commit().await?;
            n += 1;
        }
        Ok(n)
    }
}

struct Raw<'a> {
    conn: &'a mut SqliteConnection,
    leaf: &'a [u8],
    payload: &'a [u8],
    next_seq: i64,
}

impl Raw<'_> {
    /// Inserts until `deadline` (at least one); returns how many.
    async fn run(&mut self, deadline: Instant) -> anyhow::Result<u64> {
        let mut n = 0u64;
        while n == 0 || Instant::now() < deadline {
            let mut tx = self.conn.begin().await?;
            sqlx::query("INSERT INTO leaves (seq, leaf, payload) VALUES ($1, $2, $3)")
                .bind(self.next_seq)
                .bind(self.leaf)
                .bind(self.payload)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            self.next_seq += 1;
            n += 1;
        }
        Ok(n)
    }
}
