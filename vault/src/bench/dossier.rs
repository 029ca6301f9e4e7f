//! `dossier_open_vs_unwraps`: opening a whole 300-field dossier on the device
//! (per field: unwrap its key from the age X25519 envelope to the household
//! identity, then open the AES-256-GCM seal) against only the 300 bare
//! envelope unwraps (`keys::envelope::open_key`) it needs.
//!
//! Both sides are counted in dossiers per second, so the ratio is
//! (time of the unwraps) / (time to open the dossier): near 1 means opening
//! is bounded by the unwraps, i.e. by X25519.

use std::hint::black_box;

use kluis_policy::{FieldPath, HouseholdId};

use super::{compare, Budget, Figure};
use crate::keys::{envelope, seal};

pub const FIELDS: usize = 300;
/// A typical plan field: a paragraph of text (fills the 512-byte bucket).
const VALUE_BYTES: usize = 480;

struct Field {
    path: FieldPath,
    envelope: Vec<u8>,
    sealed: Vec<u8>,
}

pub fn run(budget: &Budget) -> anyhow::Result<Figure> {
    let household = HouseholdId::random();
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let fields = (0..FIELDS)
        .map(|i| {
            let path = FieldPath::parse(&format!("sectie-{}/veld-{i}", i / 30))?;
            let key = seal::new_key();
            let content = vec![b'a' + (i % 26) as u8; VALUE_BYTES];
            let binding = binding(household, &path);
            let sealed = seal::seal(&key, &binding, &content);
            let envelope = envelope::seal(&recipient, &key[..])?;
            Ok(Field {
                path,
                envelope,
                sealed,
            })
        })
        .collect::<anyhow::Result<Vec<Field>>>()?;

    let open_dossier = || {
        for f in &fields {
            let key = envelope::open_key(&identity, &f.envelope).expect("our envelope");
            let plain =
                seal::open(&key, &binding(household, &f.path), &f.sealed).expect("our seal");
            black_box(&plain);
        }
        1
    };
    let unwraps_only = || {
        for f in &fields {
            let key = envelope::open_key(&identity, &f.envelope).expect("our envelope");
            black_box(&key);
        }
        1
    };
    let (value, base) = compare(budget, open_dossier, unwraps_only);
    Ok(Figure::new(
        "dossier_open_vs_unwraps",
        "dossiers/s",
        value,
        base,
        "open a 300-field dossier (unwrap + AES-GCM open per field)",
        "the 300 bare age X25519 unwraps alone",
    ))
}

fn binding(household: HouseholdId, path: &FieldPath) -> seal::Binding<'_> {
    seal::Binding {
        household,
        path,
        version: 1,
        key_gen: 0,
    }
}
