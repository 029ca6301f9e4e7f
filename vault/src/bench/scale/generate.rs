//! The scale generator: N households and M access-log entries in a fresh
//! database, written fast but only through the project's own code.
//!
//! 1. Enrolment over HTTP against the real server on a manual clock set a
//!    year back: the bootstrap admin invites the benchmark client, an
//!    auditor and a few professionals, who register. The client's and the
//!    auditor's keys are saved as keystores in the data directory.
//! 2. The server stops; the generator opens the same database with
//!    `Store::open` and an `AppState` on the same manual clock, and writes
//!    everything else the way the handlers do, many requests per
//!    transaction: `LoggedTx` (log head lock, `record::append`: the real
//!    entry, the household's log key, the sealed identifying payload, the
//!    Merkle frontier), `store::principals::insert`,
//!    `store::households::{insert, add_member}` with statements signed by
//!    the household's creator, and `api::upload::store_version` with
//!    ciphertext from `keys::seal` and age envelopes from `keys::envelope`.
//!    Each household gets one to three residents (client principals), the
//!    benchmark client as a member (so it may read any household), and three
//!    to six fields. The crypto for households is made on a second thread
//!    while the first writes.
//! 3. The rest of the log is a year of traffic spread over the households
//!    created so far: field reads by residents (80 %), field listings (12 %),
//!    new versions of a field (3 %, really written) and reads refused to a
//!    professional with no tie to the household (5 %).
//! 4. A checkpoint of the final tree is signed with the server's log key and
//!    left in `DATA_DIR/checkpoint`.
//!
//! Memory stays bounded by the household count (ids, residents, field
//! versions), never by the entry count.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::ProgressBar;
use kluis_audit::{Action as LogAction, Checkpoint, EventType};
use kluis_policy::{Basis, Decision, DenyReason, FieldPath, HouseholdId, PrincipalId};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use secrecy::ExposeSecret;

use crate::api::record::{LoggedTx, Record, RequestMeta};
use crate::api::upload::{store_version, NewSealed};
use crate::client::Client;
use crate::clock::Clock;
use crate::keys::keystore::WorkFactor;
use crate::keys::{envelope, seal, Identity, Keystore};
use crate::role::Role;
use crate::server::household_log_keys::HouseholdLogKeys;
use crate::server::{log_key, AppState, Application, ServeConfig};
use crate::store::fields::{StoredProof, HOUSEHOLD_READER};
use crate::store::households::{self, NewHousehold, NewMember};
use crate::store::principals::{self, NewPrincipal, Principal};
use crate::store::Store;
use crate::wire::household::{create_statement, member_statement};
use crate::wire::version::{ciphertext_sha256, VersionStatement};

/// The passphrase of the keystores the generator leaves in the data
/// directory (benchmark data only: never real keys).
pub const PASSPHRASE: &str = "kluis-bench-scale";
pub const CLIENT_KEYSTORE: &str = "bench-client.keystore";
pub const AUDITOR_KEYSTORE: &str = "bench-auditor.keystore";
pub const CHECKPOINT_FILE: &str = "checkpoint";

/// Fields a household's plan may have; each household gets 3 to 6 of them.
const PATHS: &[&str] = &[
    "financien/situatie",
    "financien/schulden",
    "financien/inkomen",
    "huisvesting/woning",
    "huisvesting/huurachterstand",
    "dagbesteding/werk",
    "huiselijke-relaties/gezin",
    "geestelijke-gezondheid/behandeling",
    "lichamelijke-gezondheid/huisarts",
    "sociaal-netwerk/contacten",
    "opvoeding/kinderen",
    "algemeen/doelen",
];

/// Households written per transaction (with their share of the traffic).
const HOUSEHOLDS_PER_TX: usize = 50;
/// Log entries per transaction of plain traffic.
const ENTRIES_PER_TX: u64 = 5000;
/// The most log entries one household's creation takes: three residents'
/// keys registered, the creation, two more residents and the benchmark
/// client added, six fields.
const MAX_SETUP: u64 = 13;
/// A year of history, ending an hour before the generator started.
const SPAN_MS: i64 = 365 * 24 * 3600 * 1000;

/// What the generator made.
pub struct Generated {
    pub households: u64,
    /// The log's size at the end (the signed checkpoint's size).
    pub entries: u64,
    pub seconds: f64,
    pub client: Arc<Identity>,
    pub auditor: Arc<Identity>,
}

impl Generated {
    pub fn entries_per_s(&self) -> f64 {
        self.entries as f64 / self.seconds
    }
}

/// A household as the generator keeps it for later traffic.
struct Home {
    id: HouseholdId,
    recipient: String,
    residents: Vec<Principal>,
    /// The residents' keys, in the same order: they sign their versions.
    keys: Vec<Arc<Identity>>,
    /// Paths and their current versions.
    fields: Vec<(FieldPath, i64)>,
}

/// Everything about a new household that needs crypto, made off the
/// writing thread.
struct Seed {
    id: HouseholdId,
    recipient: String,
    /// The residents; the first made the household.
    residents: Vec<Principal>,
    keys: Vec<Arc<Identity>>,
    create_statement: String,
    create_signature: Vec<u8>,
    /// (member, statement, signature, identity envelope); the creator first.
    members: Vec<(PrincipalId, String, Vec<u8>, Vec<u8>)>,
    /// (path, ciphertext, envelope to the household).
    fields: Vec<(FieldPath, Vec<u8>, Vec<u8>)>,
}

/// One realistic-looking value of `len` bytes (it is sealed, so only its
/// size bucket shows).
fn content(rng: &mut StdRng, path: &str) -> Vec<u8> {
    let len = rng.gen_range(40..1500);
    let mut text = format!("{path}: ");
    while text.len() < len {
        text.push_str(
            [
                "afspraak gemaakt met de budgetcoach; ",
                "huur is weer op tijd betaald; ",
                "twee schuldeisers akkoord met regeling; ",
                "kinderen gaan naar de naschoolse opvang; ",
                "doel voor komende maand: post openen en ordenen; ",
            ][rng.gen_range(0..5)],
        );
    }
    text.truncate(len);
    text.into_bytes()
}

fn make_seed(
    rng: &mut StdRng,
    client: &(PrincipalId, String),
    signed_at_ms: i64,
) -> anyhow::Result<Seed> {
    let id = HouseholdId::random();
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let secret = identity.to_string();
    let secret = secret.expose_secret().as_bytes();
    let mut residents = Vec::new();
    let mut keys = Vec::new();
    for n in 0..rng.gen_range(1..=3) {
        let person = Identity::generate(&format!("bewoner {n}"));
        let public = person.public();
        residents.push(Principal {
            id: PrincipalId::random(),
            name: person.name().to_owned(),
            role: Role::Client,
            org: None,
            signing_key: *person.signing_public_key(),
            age_recipient: public.age_recipient,
            disabled_ms: None,
        });
        keys.push(Arc::new(person));
    }
    let creator = &keys[0];
    let creator_id = residents[0].id;
    let create = create_statement(id, &recipient, creator_id, signed_at_ms);
    let create_signature = creator.sign(create.as_bytes()).to_vec();
    let mut members = vec![(
        creator_id,
        create.clone(),
        create_signature.clone(),
        envelope::seal(&residents[0].age_recipient, secret)?,
    )];
    let others = residents[1..]
        .iter()
        .map(|r| (r.id, r.age_recipient.clone()))
        .chain(std::iter::once(client.clone()));
    for (member, recipient_of_member) in others {
        let statement = member_statement(id, member, None, creator_id, signed_at_ms);
        let signature = creator.sign(statement.as_bytes()).to_vec();
        members.push((
            member,
            statement,
            signature,
            envelope::seal(&recipient_of_member, secret)?,
        ));
    }
    let mut paths: Vec<&str> = PATHS.to_vec();
    paths.shuffle(rng);
    let mut fields = Vec::new();
    for p in paths.into_iter().take(rng.gen_range(3..=6)) {
        let path = FieldPath::parse(p)?;
        let (ciphertext, env) = seal_value(rng, id, &path, 1, &recipient)?;
        fields.push((path, ciphertext, env));
    }
    Ok(Seed {
        id,
        recipient,
        residents,
        keys,
        create_statement: create,
        create_signature,
        members,
        fields,
    })
}

/// A new version of a field, sealed as a device does it: a fresh key, the
/// binding AAD, the key enveloped to the household.
fn seal_value(
    rng: &mut StdRng,
    h: HouseholdId,
    path: &FieldPath,
    version: i64,
    household_recipient: &str,
) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let key = seal::new_key();
    let binding = seal::Binding {
        household: h,
        path,
        version,
        key_gen: 1,
    };
    let ciphertext = seal::seal(&key, &binding, &content(rng, path.as_str()));
    let env = envelope::seal(household_recipient, &key[..])?;
    Ok((ciphertext, env))
}

fn meta(rng: &mut StdRng) -> RequestMeta {
    RequestMeta {
        request_id: hex::encode(rng.gen::<[u8; 8]>()),
        ip: Some(format!(
            "10.{}.{}.{}",
            rng.gen_range(0..=255),
            rng.gen_range(0..=255),
            rng.gen_range(1..=254)
        )),
        user_agent: Some("kluis/0.1 (household app)".to_owned()),
    }
}

fn membership() -> Decision {
    Decision::Allow(Basis::Membership)
}

/// The people enrolled over HTTP in step 1.
struct Enrolled {
    admin: PrincipalId,
    client: Arc<Identity>,
    client_id: PrincipalId,
    auditor: Arc<Identity>,
    professionals: Vec<Principal>,
}

async fn enrol(config: &ServeConfig, clock: &Clock) -> anyhow::Result<Enrolled> {
    let server = Application::build(config.clone(), clock.clone())
        .await?
        .spawn();
    let url = server.url.as_str();
    let result = async {
        let code = std::fs::read_to_string(config.data_dir.join("bootstrap-invite"))?;
        let admin = Client::new(url, Arc::new(Identity::generate("Beheerder")))?;
        let admin_id = admin.register(code.trim()).await?.principal_id;
        let person = |role: Role, name: &str, org: Option<&str>| {
            let (admin, name, org) = (&admin, name.to_owned(), org.map(str::to_owned));
            async move {
                let invite = admin.invite(role, &name, org.as_deref()).await?;
                let identity = Arc::new(Identity::generate(&name));
                let client = Client::new(url, identity.clone())?;
                let info = client.register(&invite.code).await?;
                anyhow::Ok((identity, info))
            }
        };
        let (client, client_info) = person(Role::Client, "Benchmark client", None).await?;
        let (auditor, _) = person(Role::Auditor, "Benchmark auditor", Some("Toezicht")).await?;
        let mut professionals = Vec::new();
        for (n, org) in [
            "Wijkteam Noord",
            "Schuldhulp Oost",
            "GGZ Midden",
            "Jeugdzorg West",
        ]
        .iter()
        .enumerate()
        {
            let (identity, info) =
                person(Role::Professional, &format!("professional {n}"), Some(org)).await?;
            professionals.push(Principal {
                id: info.principal_id,
                name: info.name,
                role: Role::Professional,
                org: info.org,
                signing_key: *identity.signing_public_key(),
                age_recipient: info.keys.age_recipient,
                disabled_ms: None,
            });
        }
        anyhow::Ok(Enrolled {
            admin: admin_id,
            client,
            client_id: client_info.principal_id,
            auditor,
            professionals,
        })
    }
    .await;
    server.stop().await;
    result
}

fn save_keystore(dir: &Path, file: &str, identity: &Identity) -> anyhow::Result<()> {
    Keystore::create(
        &dir.join(file),
        identity,
        PASSPHRASE,
        WorkFactor(WorkFactor::MIN),
    )?;
    Ok(())
}

/// The serve configuration of a generated data directory.
pub fn config(data_dir: &Path, db_url: Option<String>) -> ServeConfig {
    let mut config = ServeConfig::new(data_dir.to_path_buf());
    config.listen = "127.0.0.1:0".into();
    config.db_url = db_url;
    config
}

/// Generate `households` households and `entries` log entries (at least
/// what the households' own creation needs) into the empty database of
/// `config`. `progress` counts log entries.
pub async fn generate(
    config: &ServeConfig,
    households: u64,
    entries: u64,
    progress: &ProgressBar,
) -> anyhow::Result<Generated> {
    anyhow::ensure!(households > 0, "need at least one household");
    let started = Instant::now();
    let end_ms = chrono::Utc::now().timestamp_millis() - 3_600_000;
    let start_ms = end_ms - SPAN_MS;
    let clock = Clock::manual(start_ms);
    let enrolled = enrol(config, &clock).await?;
    save_keystore(&config.data_dir, CLIENT_KEYSTORE, &enrolled.client)?;
    save_keystore(&config.data_dir, AUDITOR_KEYSTORE, &enrolled.auditor)?;

    let store = Store::open(&config.database_url()).await?;
    let signer = log_key::load_or_create(&config.log_key_path())?;
    let keys = HouseholdLogKeys::open(&config.household_log_keys_path())?;
    let state = AppState::new(
        store.clone(),
        clock.clone(),
        signer,
        keys,
        config,
        Vec::new(),
    );
    let mut writer = Writer {
        state: &state,
        clock: &clock,
        rng: StdRng::from_entropy(),
        homes: Vec::with_capacity(households as usize),
        professionals: &enrolled.professionals,
        admin: enrolled.admin.to_string(),
        start_ms,
        entries: entries.max(1),
        progress,
        ltx: None,
        in_tx: 0,
    };
    writer.begin().await?;
    progress.set_length(entries);
    progress.set_position(writer.size());

    // The second thread makes the households' keys, signatures, envelopes
    // and sealed fields while this one writes.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Seed>>(256);
    let client = (
        enrolled.client_id,
        enrolled.client.public().age_recipient.clone(),
    );
    let maker = std::thread::spawn(move || {
        let mut rng = StdRng::from_entropy();
        for i in 0..households {
            let at = start_ms + (SPAN_MS as f64 * i as f64 / households as f64) as i64;
            if tx.blocking_send(make_seed(&mut rng, &client, at)).is_err() {
                break;
            }
        }
    });

    // About 2 residents' keys + 1 + 2 members + 4.5 fields of log per
    // household; the rest of `entries` is traffic, spread as households
    // appear.
    let base = writer.size();
    let setup = (households as f64 * 9.5) as u64;
    let traffic = entries.saturating_sub(base + setup);
    let mut made = 0u64;
    let mut traffic_done = 0u64;
    while let Some(seed) = rx.recv().await {
        writer.household(seed?).await?;
        made += 1;
        if made.is_multiple_of(HOUSEHOLDS_PER_TX as u64) || made == households {
            // Never so much traffic that the households still to come
            // would push the log past `entries`.
            let due = traffic * made / households;
            let reserved = (households - made) * MAX_SETUP;
            while traffic_done < due && writer.size() + reserved < entries {
                writer.traffic().await?;
                traffic_done += 1;
            }
            writer.commit_if_full(0).await?;
        }
    }
    maker
        .join()
        .map_err(|_| anyhow::anyhow!("the household maker panicked"))?;
    anyhow::ensure!(made == households, "made {made} of {households} households");
    while writer.size() < entries {
        writer.traffic().await?;
    }
    writer.commit().await?;

    // Sign the final tree with the server's key, as `GET /v1/log/checkpoint`
    // would (without adding an entry).
    let ltx = LoggedTx::begin(&state).await?;
    let cp = Checkpoint {
        origin: state.log_signer.name().to_owned(),
        size: ltx.head().size,
        root: ltx.head().root(),
    };
    ltx.rollback().await;
    let note = state.log_signer.sign(&cp)?;
    std::fs::write(config.data_dir.join(CHECKPOINT_FILE), &note)?;
    drop(writer);
    drop(state);
    store.close().await;
    progress.set_position(cp.size);
    Ok(Generated {
        households,
        entries: cp.size,
        seconds: started.elapsed().as_secs_f64(),
        client: enrolled.client,
        auditor: enrolled.auditor,
    })
}

struct Writer<'a> {
    state: &'a AppState,
    clock: &'a Clock,
    rng: StdRng,
    homes: Vec<Home>,
    professionals: &'a [Principal],
    admin: String,
    start_ms: i64,
    entries: u64,
    progress: &'a ProgressBar,
    ltx: Option<LoggedTx>,
    in_tx: u64,
}

impl Writer<'_> {
    async fn begin(&mut self) -> anyhow::Result<()> {
        self.ltx = Some(LoggedTx::begin(self.state).await?);
        self.in_tx = 0;
        Ok(())
    }

    fn ltx(&mut self) -> &mut LoggedTx {
        self.ltx.as_mut().expect("a transaction is open")
    }

    /// The log's size, including what this transaction appended.
    fn size(&self) -> u64 {
        self.ltx.as_ref().map_or(0, |l| l.head().size)
    }

    async fn commit(&mut self) -> anyhow::Result<()> {
        if let Some(ltx) = self.ltx.take() {
            let size = ltx.head().size;
            ltx.commit().await?;
            self.progress.set_position(size);
        }
        Ok(())
    }

    async fn commit_if_full(&mut self, limit: u64) -> anyhow::Result<()> {
        if self.in_tx > limit {
            self.commit().await?;
            self.begin().await?;
        }
        Ok(())
    }

    /// Move the manual clock to this entry's place in the year.
    fn tick(&self) {
        let size = self.ltx.as_ref().map_or(0, |l| l.head().size);
        let at = self.start_ms + (SPAN_MS as f64 * size as f64 / self.entries as f64) as i64;
        let now = self.clock.now_ms();
        if at > now {
            self.clock.advance_ms(at - now);
        }
    }

    async fn record(&mut self, actor: &Principal, record: Record) -> anyhow::Result<()> {
        self.tick();
        let meta = meta(&mut self.rng);
        let state = self.state;
        self.ltx().record(state, &meta, Some(actor), record).await?;
        self.in_tx += 1;
        Ok(())
    }

    async fn household(&mut self, seed: Seed) -> anyhow::Result<()> {
        let h = seed.id;
        self.tick();
        let now = self.clock.now_ms();
        let creator = seed.residents[0].clone();
        for p in &seed.residents {
            let admin = self.admin.clone();
            let inserted = principals::insert(
                self.ltx().tx().await?,
                NewPrincipal {
                    id: p.id,
                    name: &p.name,
                    role: p.role,
                    org: None,
                    signing_key: &p.signing_key,
                    age_recipient: &p.age_recipient,
                    invited_by: Some(&admin),
                    now_ms: now,
                },
            )
            .await?;
            anyhow::ensure!(inserted, "a generated signing key was already registered");
            // Registration puts the keys in the key directory, as
            // `POST /v1/register` does.
            self.tick();
            let meta = meta(&mut self.rng);
            let state = self.state;
            crate::api::directory::register_keys(self.ltx(), state, &meta, p).await?;
            self.in_tx += 1;
        }
        households::insert(
            self.ltx().tx().await?,
            NewHousehold {
                id: h,
                recipient: &seed.recipient,
                created_by: creator.id,
                now_ms: now,
                statement: &seed.create_statement,
                signature: &seed.create_signature,
            },
        )
        .await?;
        // The creator joins first and the household.create entry follows;
        // every later member gets a household.member_add entry.
        for (i, (id, statement, signature, env)) in seed.members.into_iter().enumerate() {
            let now = self.clock.now_ms();
            households::add_member(
                self.ltx().tx().await?,
                NewMember {
                    household: h,
                    principal: id,
                    added_by: creator.id,
                    now_ms: now,
                    statement: &statement,
                    signature: &signature,
                    identity_envelope: &env,
                },
            )
            .await?;
            let record = if i == 0 {
                Record::new(EventType::HouseholdCreate, LogAction::Create, Some(h))
                    .basis(kluis_audit::MEMBERSHIP_BASIS)
            } else {
                Record::new(EventType::HouseholdMemberAdd, LogAction::Create, Some(h))
                    .decision(&membership())
            };
            self.record(&creator, record).await?;
        }
        let mut fields = Vec::new();
        for (path, ciphertext, env) in seed.fields {
            let n = self.rng.gen_range(0..seed.residents.len());
            let author = seed.residents[n].clone();
            self.write_field(h, &path, 1, &ciphertext, env, &author, &seed.keys[n])
                .await?;
            fields.push((path, 1));
        }
        self.homes.push(Home {
            id: h,
            recipient: seed.recipient,
            residents: seed.residents,
            keys: seed.keys,
            fields,
        });
        Ok(())
    }

    /// Store a sealed version as the plan handler does (household envelope
    /// only, signed by its writer) and log the write (`Create` for version
    /// 1, `Update` after).
    #[allow(clippy::too_many_arguments)]
    async fn write_field(
        &mut self,
        h: HouseholdId,
        path: &FieldPath,
        version: i64,
        ciphertext: &[u8],
        env: Vec<u8>,
        author: &Principal,
        author_keys: &Identity,
    ) -> anyhow::Result<()> {
        self.tick();
        let now = self.clock.now_ms();
        let statement = VersionStatement {
            household: h,
            path: path.clone(),
            version,
            key_gen: 1,
            ciphertext_sha256: ciphertext_sha256(ciphertext),
            readers: [HOUSEHOLD_READER.to_owned()].into(),
            writer: author.id,
            grant: None,
            signer: author.id,
            private: false,
            signed_at_ms: now,
        }
        .text();
        let signature = author_keys.sign(statement.as_bytes());
        store_version(
            self.ltx().tx().await?,
            &NewSealed {
                household: h,
                path,
                version,
                ciphertext,
                private_author: None,
            },
            StoredProof {
                statement: &statement,
                signature: &signature,
                writer_grant: None,
            },
            author,
            &[(HOUSEHOLD_READER.to_owned(), env)],
            now,
        )
        .await?;
        let action = if version == 1 {
            LogAction::Create
        } else {
            LogAction::Update
        };
        self.record(
            author,
            Record::new(EventType::FieldWrite, action, Some(h))
                .field(path)
                .decision(&membership()),
        )
        .await
    }

    /// One request of a year's traffic on a household made so far.
    async fn traffic(&mut self) -> anyhow::Result<()> {
        let i = self.rng.gen_range(0..self.homes.len());
        let home = &self.homes[i];
        let h = home.id;
        let n = self.rng.gen_range(0..home.residents.len());
        let resident = home.residents[n].clone();
        let resident_keys = home.keys[n].clone();
        let f = self.rng.gen_range(0..home.fields.len());
        let (path, version) = home.fields[f].clone();
        let roll: f64 = self.rng.gen();
        if roll < 0.80 {
            self.record(
                &resident,
                Record::new(EventType::FieldRead, LogAction::Read, Some(h))
                    .field(&path)
                    .decision(&membership()),
            )
            .await?;
        } else if roll < 0.92 {
            self.record(
                &resident,
                Record::new(EventType::FieldList, LogAction::Read, Some(h)).decision(&membership()),
            )
            .await?;
        } else if roll < 0.95 {
            let recipient = home.recipient.clone();
            let next = version + 1;
            let (ciphertext, env) = seal_value(&mut self.rng, h, &path, next, &recipient)?;
            self.write_field(h, &path, next, &ciphertext, env, &resident, &resident_keys)
                .await?;
            self.homes[i].fields[f].1 = next;
        } else {
            let outsider =
                self.professionals[self.rng.gen_range(0..self.professionals.len())].clone();
            self.record(
                &outsider,
                Record::new(EventType::FieldRead, LogAction::Read, Some(h))
                    .field(&path)
                    .decision(&Decision::Deny(DenyReason::NotInvolved)),
            )
            .await?;
        }
        self.commit_if_full(ENTRIES_PER_TX).await
    }
}

/// Where a generated SQLite database lives.
pub fn sqlite_files(data_dir: &Path) -> Vec<PathBuf> {
    ["kluis.db", "kluis.db-wal", "kluis.db-shm"]
        .iter()
        .map(|f| data_dir.join(f))
        .collect()
}
