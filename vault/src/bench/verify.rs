//! `verify_vs_sha256`: full-log replay verification (`kluis_audit::verify_log`:
//! decode every leaf, check its position and the logging rules, rebuild the
//! RFC 9162 tree and compare the root) against raw SHA-256 (ring) over the
//! same leaf bytes, both in leaf bytes per second.
//!
//! The leaves are handed to the verifier as owned buffers, as a replay from
//! the API or an export gets them; those copies are made before timing.

use std::hint::black_box;

use kluis_audit::{Action, Checkpoint, Entry, EventType, Flags, Frontier, Outcome};

use super::{Budget, Figure};

pub fn entries(quick: bool) -> usize {
    if quick {
        20_000
    } else {
        200_000
    }
}

/// A log like a busy one: mostly allowed reads on membership or a grant,
/// some writes, some denials.
fn leaves(n: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    let households: Vec<String> = (0..50)
        .map(|_| kluis_policy::HouseholdId::random().to_string())
        .collect();
    let actors: Vec<String> = (0..20)
        .map(|_| kluis_policy::PrincipalId::random().to_string())
        .collect();
    let grant = kluis_policy::GrantId::random().to_string();
    (0..n)
        .map(|i| {
            let (event, action, outcome, basis, reason) = match i % 10 {
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
                    Some(grant.clone()),
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
            Entry {
                version: kluis_audit::entry::VERSION,
                seq: i as u64,
                time_ms: 1_760_000_000_000 + i as i64 * 37,
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
                household: Some(households[i % households.len()].clone()),
                fields: vec!["financien/situatie".to_owned()],
                purpose: basis
                    .as_ref()
                    .filter(|b| *b == &grant)
                    .map(|_| "schuldhulp".to_owned()),
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

pub fn run(budget: &Budget) -> anyhow::Result<Figure> {
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

    // One full replay per timed call; the owned copies it consumes are made
    // outside the clock.
    let verify_once = |copy: Vec<(u64, Vec<u8>)>| -> anyhow::Result<std::time::Duration> {
        let start = std::time::Instant::now();
        let report = kluis_audit::verify_log(copy.into_iter(), &checkpoint, |_| {})?;
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
        let start = std::time::Instant::now();
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
        let (mut spent, mut passes) = (std::time::Duration::ZERO, 0u32);
        while passes == 0 || spent < budget.side {
            spent += verify_once(copy())?;
            passes += 1;
        }
        best_ours = best_ours.max(bytes as f64 * f64::from(passes) / spent.as_secs_f64());
        let (mut spent, mut passes) = (std::time::Duration::ZERO, 0u32);
        while passes == 0 || spent < budget.side {
            spent += sha_once();
            passes += 1;
        }
        best_base = best_base.max(bytes as f64 * f64::from(passes) / spent.as_secs_f64());
    }
    Ok(Figure::new(
        "verify_vs_sha256",
        "bytes/s",
        best_ours,
        best_base,
        format!(
            "verify_log replay of {} entries ({} bytes of leaves)",
            checkpoint.size, bytes
        ),
        "one SHA-256 (ring) over the same leaf bytes",
    ))
}
