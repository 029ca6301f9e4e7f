//! `verify_vs_sha256` and `verify_one_core_vs_sha256`: full-log replay
//! verification as an auditor's `kluis audit verify` runs it
//! (`kluis_audit::verify_log_with`, grants checked: decode every leaf,
//! check its position, the logging rules and that every read on a grant
//! falls inside a grant in force, hash every leaf, rebuild the RFC 9162
//! tree and compare the root) against raw SHA-256 (ring, one core) over
//! the same leaf bytes, all in leaf bytes per second. The first figure
//! hashes on every core, as `verify_log_with` does; the second on one.
//!
//! The leaves are handed to the verifier as owned buffers, as a replay from
//! the API or an export gets them; those copies are made before timing.

use std::hint::black_box;
use std::time::{Duration, Instant};

use kluis_audit::verify::GRANT_WINDOW_PREFIX;
use kluis_audit::{
    Action, Checkpoint, Entry, EventType, Flags, Frontier, Outcome, Report, Rules, VerifyError,
};

use super::{Budget, Figure};

pub fn entries(quick: bool) -> usize {
    if quick {
        20_000
    } else {
        200_000
    }
}

const HOUSEHOLDS: usize = 50;

/// A log like a busy one: each household's grant created first, then
/// mostly allowed reads on membership or the household's grant, some
/// writes, some denials, and now and then a grant withdrawn and given again.
fn leaves(n: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    let households: Vec<String> = (0..HOUSEHOLDS)
        .map(|_| kluis_policy::HouseholdId::random().to_string())
        .collect();
    let grants: Vec<String> = (0..HOUSEHOLDS)
        .map(|_| kluis_policy::GrantId::random().to_string())
        .collect();
    let actors: Vec<String> = (0..20)
        .map(|_| kluis_policy::PrincipalId::random().to_string())
        .collect();
    let t0 = 1_760_000_000_000i64;
    let window = format!("{GRANT_WINDOW_PREFIX}{t0}..{}", t0 + 1000 * n as i64);
    (0..n)
        .map(|i| {
            let mut h = i % HOUSEHOLDS;
            let (event, action, outcome, basis, reason) = match i % 10 {
                _ if i < HOUSEHOLDS => (
                    EventType::GrantCreate,
                    Action::Create,
                    Outcome::Allowed,
                    Some(grants[h].clone()),
                    Some(window.clone()),
                ),
                _ if i % 5000 == 4998 || i % 5000 == 4999 => {
                    h = (i / 5000) % HOUSEHOLDS;
                    let (event, action, reason) = if i % 5000 == 4998 {
                        (EventType::GrantRevoke, Action::Delete, None)
                    } else {
                        (EventType::GrantCreate, Action::Create, Some(window.clone()))
                    };
                    (
                        event,
                        action,
                        Outcome::Allowed,
                        Some(grants[h].clone()),
                        reason,
                    )
                }
                0 => (
                    EventType::FieldWrite,
                    Action::Update,
                    Outcome::Allowed,
                    Some("membership".to_owned()),
                    None,
                ),
                1 => (
                    EventType::FieldRead,
                    Action::Read,
                    Outcome::Denied,
                    None,
                    Some("out_of_scope".to_owned()),
                ),
                2..=5 => (
                    EventType::FieldRead,
                    Action::Read,
                    Outcome::Allowed,
                    Some(grants[h].clone()),
                    None,
                ),
                _ => (
                    EventType::FieldRead,
                    Action::Read,
                    Outcome::Allowed,
                    Some("membership".to_owned()),
                    None,
                ),
            };
            let allowed = outcome == Outcome::Allowed;
            let on_grant = basis.as_ref().is_some_and(|b| b != "membership");
            Entry {
                version: kluis_audit::entry::VERSION,
                seq: i as u64,
                time_ms: t0 + i as i64 * 37,
                event,
                action,
                outcome,
                flags: Flags {
                    authorised: allowed,
                    involved: allowed,
                    consent: allowed,
                    emergency: false,
                },
                actor: Some(actors[i % actors.len()].clone()),
                actor_role: Some("professional".to_owned()),
                actor_org: Some("Wijkteam Noord".to_owned()),
                on_behalf_of: None,
                household: Some(households[h].clone()),
                fields: vec!["financien/situatie".to_owned()],
                purpose: on_grant.then(|| "schuldhulp".to_owned()),
                basis,
                request_id: format!("{i:016x}"),
                instance: "bench".to_owned(),
                reason,
                payload_commitment: Some([i as u8; 32]),
            }
            .encode()
            .map_err(Into::into)
        })
        .collect()
}

type Verifier = fn(
    std::vec::IntoIter<(u64, Vec<u8>)>,
    &Checkpoint,
    Rules,
    fn(u64),
) -> Result<Report, VerifyError>;

pub fn run(budget: &Budget) -> anyhow::Result<Figure> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    measure(
        budget,
        "verify_vs_sha256",
        kluis_audit::verify_log_with,
        &format!("hashing on {threads} threads"),
    )
}

pub fn run_one_core(budget: &Budget) -> anyhow::Result<Figure> {
    measure(
        budget,
        "verify_one_core_vs_sha256",
        kluis_audit::verify_log_one_thread,
        "hashing on the calling thread",
    )
}

fn measure(budget: &Budget, name: &str, verify: Verifier, threads: &str) -> anyhow::Result<Figure> {
    let leaves = leaves(entries(budget.quick))?;
    let bytes: u64 = leaves.iter().map(|l| l.len() as u64).sum();
    let mut frontier = Frontier::new();
    for l in &leaves {
        frontier.append(kluis_audit::merkle::leaf_hash(l))?;
    }
    let checkpoint = Checkpoint {
        origin: "kluis.bench/log".to_owned(),
        size: frontier.size(),
        root: frontier.root(),
    };
    let strict = Rules {
        grants_must_be_live: true,
    };

    // One full replay per timed call; the owned copies it consumes are made
    // outside the clock.
    let verify_once = |copy: Vec<(u64, Vec<u8>)>| -> anyhow::Result<Duration> {
        let start = Instant::now();
        let report = verify(copy.into_iter(), &checkpoint, strict, |_| {})?;
        let took = start.elapsed();
        anyhow::ensure!(report.entries == checkpoint.size, "short replay");
        Ok(took)
    };
    let copy = || -> Vec<(u64, Vec<u8>)> {
        leaves
            .iter()
            .enumerate()
            .map(|(i, l)| (i as u64, l.clone()))
            .collect()
    };
    let sha_once = || {
        let start = Instant::now();
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for l in &leaves {
            ctx.update(black_box(l));
        }
        black_box(ctx.finish());
        start.elapsed()
    };

    verify_once(copy())?;
    sha_once();
    let (mut best_ours, mut best_base) = (0f64, 0f64);
    for _ in 0..budget.rounds {
        let (mut spent, mut passes) = (Duration::ZERO, 0u32);
        while passes == 0 || spent < budget.side {
            spent += verify_once(copy())?;
            passes += 1;
        }
        best_ours = best_ours.max(bytes as f64 * f64::from(passes) / spent.as_secs_f64());
        let (mut spent, mut passes) = (Duration::ZERO, 0u32);
        while passes == 0 || spent < budget.side {
            spent += sha_once();
            passes += 1;
        }
        best_base = best_base.max(bytes as f64 * f64::from(passes) / spent.as_secs_f64());
    }
    Ok(Figure::new(
        name,
        "bytes/s",
        best_ours,
        best_base,
        format!(
            "verify_log_with (grants checked) replay of {} entries ({} bytes of leaves), {threads}",
            checkpoint.size, bytes
        ),
        "one SHA-256 (ring, one core) over the same leaf bytes",
    ))
}
