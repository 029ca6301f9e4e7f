//! `kluis demo`: the three user stories, narrated, on a throw-away server
//! (a temporary directory, SQLite, a random port), through the real client
//! library. Nothing is left behind.

use std::sync::Arc;

use kluis_policy::{FieldPath, Purpose, Scope};

use crate::client::{Client, GrantRequest};
use crate::clock::Clock;
use crate::keys::Identity;
use crate::role::Role;
use crate::server::{Application, ServeConfig};

fn say(text: &str) {
    println!("{text}");
}

fn step(title: &str) {
    println!("\n== {title}");
}

struct Person {
    client: Client,
    id: kluis_policy::PrincipalId,
}

async fn enrol(
    url: &str,
    inviter: &Client,
    role: Role,
    name: &str,
    org: Option<&str>,
) -> anyhow::Result<Person> {
    let invite = inviter.invite(role, name, org).await?;
    let client = Client::new(url, Arc::new(Identity::generate(name)))?;
    let me = client.register(&invite.code).await?;
    Ok(Person {
        client,
        id: me.principal_id,
    })
}

pub async fn run() -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let mut config = ServeConfig::new(dir.join("data"));
    config.listen = "127.0.0.1:0".into();
    let server = Application::build(config, Clock::system()).await?.spawn();
    let result = stories(&server.url, &dir).await;
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "kluis-demo-{}",
        hex::encode(rand::random::<[u8; 6]>())
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn stories(url: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    step("Setting up");
    let admin = Client::new(url, Arc::new(Identity::generate("Beheer")))?;
    let code = std::fs::read_to_string(dir.join("data").join("bootstrap-invite"))?;
    admin.register(code.trim()).await?;
    let piet = enrol(
        url,
        &admin,
        Role::Professional,
        "Piet",
        Some("Wijkteam Noord"),
    )
    .await?;
    let sara = enrol(
        url,
        &admin,
        Role::Professional,
        "Sara",
        Some("Schuldhulp Oost"),
    )
    .await?;
    let ada = enrol(url, &admin, Role::Auditor, "Ada", Some("Gemeente, privacy")).await?;
    let anna = enrol(url, &piet.client, Role::Client, "Anna", None).await?;
    say("A test server is running. Anna (a client), Piet (her coach at Wijkteam Noord), Sara (debt counsellor");
    say("at Schuldhulp Oost) and Ada (privacy officer) each made their own keys; only public keys went to the server.");

    step("Story 1: Anna shares part of her plan with the debt counsellor");
    let h = anna.client.create_household().await?;
    let fin = FieldPath::parse("financien/situatie")?;
    let ggz = FieldPath::parse("geestelijke-gezondheid/situatie")?;
    anna.client
        .set_field(
            h,
            &fin,
            "Schuld bij de energieleverancier: 1.200 euro".as_bytes(),
        )
        .await?;
    anna.client
        .set_field(h, &ggz, "Slaapt slecht sinds de scheiding".as_bytes())
        .await?;
    say("Anna writes two parts of her plan. Her device encrypts them; the server only stores ciphertext.");
    let until = chrono::Utc::now().timestamp_millis() + 90 * 86_400_000;
    let grant = anna
        .client
        .grant(
            h,
            GrantRequest {
                grantee: sara.id,
                scope: Scope::parse("financien/*")?,
                write: false,
                coordinate: false,
                purpose: Purpose::Schuldhulp,
                until_ms: Some(until),
            },
        )
        .await?;
    say(&format!(
        "Anna signs a consent: Sara may read 'financien/*' for debt counselling until {}.",
        &grant.valid_until[..10]
    ));
    let read = sara.client.get_field(h, &fin, None).await?;
    say(&format!(
        "Sara reads financien/situatie: \"{}\"",
        String::from_utf8_lossy(&read.value)
    ));
    match sara.client.get_field(h, &ggz, None).await {
        Err(e) => say(&format!(
            "Sara tries geestelijke-gezondheid/situatie and is refused: {e}."
        )),
        Ok(_) => anyhow::bail!("the demo expected a refusal"),
    }
    let receipt = anna.client.consent_receipt(h, grant.grant_id).await?;
    kluis_policy::verify_grant(&receipt, None)?;
    say("Sara's organisation checks the signed consent receipt itself, without calling anyone: it is genuine.");
    anna.client.revoke(h, grant.grant_id).await?;
    match sara.client.get_field(h, &fin, None).await {
        Err(e) => say(&format!(
            "Anna withdraws the consent. Sara is refused at once: {e}."
        )),
        Ok(_) => anyhow::bail!("the demo expected a refusal"),
    }
    say("Anna's device gave the field a new key, so the old one opens nothing stored. (What Sara already read, she may have kept.)");

    step("Story 2: the coach keeps a private observation");
    anna.client
        .grant(
            h,
            GrantRequest {
                grantee: piet.id,
                scope: Scope::parse("algemeen/*")?,
                write: true,
                coordinate: false,
                purpose: Purpose::Wmo,
                until_ms: Some(until),
            },
        )
        .await?;
    let note = piet
        .client
        .observe(
            h,
            "Vermoeden van spanningen thuis; volgend huisbezoek samen met collega.".as_bytes(),
            true,
        )
        .await?;
    say(&format!(
        "Piet writes a private observation ({}). It is encrypted for him alone.",
        note.path
    ));
    match anna.client.get_field(h, &note.path, None).await {
        Err(e) => say(&format!("Anna cannot read it: {e}.")),
        Ok(_) => anyhow::bail!("the demo expected a refusal"),
    }
    say("But Anna sees that it exists. Her access history:");
    for item in anna.client.access_log(h).await? {
        if item.event == "observation.create"
            || (!item.actor_is_member && item.event == "field.read")
        {
            say(&format!("   {}", super::access_log::sentence(&item)));
        }
    }

    step("Story 3: the privacy officer checks the log");
    let state = dir.join("ada-audit-state.json");
    let verified = ada.client.audit_verify(&state, |_, _| {}).await?;
    say(&format!(
        "Ada replays all {} log entries, recomputes the Merkle root and checks the server's signature: everything checks out.",
        verified.checkpoint.size
    ));
    say(&format!("{} reads were allowed, each with its basis (membership or a signed consent); {} were refused.", verified.report.allowed_reads, verified.report.denied));
    say("She keeps this checkpoint: next time, a log that was changed, shortened or restored from a backup is caught.");
    println!();
    Ok(())
}
