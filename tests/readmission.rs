//! A member who lost everything (keystore, passphrase, recovery code) gets
//! back into their household: an administrator's re-enrolment invite
//! registers new keys for the same person, and another member readmits
//! them after comparing the new fingerprint (`kluis household readmit`).
//! Through the real binary and server, on SQLite and PostgreSQL. The
//! operator alone (re-enrolment invite plus the database) gets nowhere:
//! devices keep the person's old keys until a member vouches, and a
//! readmission the operator writes into the database is refused.

mod common;

use std::path::{Path, PathBuf};

use common::cli::{enrol_three, keystore_in, Kluis, PASSPHRASE};
use common::TestServer;
use kluis_policy::HouseholdId;
use kluis_vault::keys::Keystore;
use kluis_vault::wire::rotation::readmit_statement;
use sqlx::Row;

fn get(k: &Kluis, ks: &Path, h: &str, field: &str) -> common::cli::Run {
    k.with(ks, &["plan", "get", h, field])
}

fn lose_everything(ks: &Path) {
    std::fs::remove_file(ks).unwrap();
    for suffix in [
        ".trusted-keys.json",
        ".seen-versions.json",
        ".audit-state.json",
    ] {
        let mut name = ks.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_member_readmits_a_person_who_lost_everything_and_the_operator_alone_cannot() {
    let server = TestServer::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let k = Kluis::new(&server.url);
    let e = enrol_three(&k, &server, &dir);
    let (admin, pro, anna) = (&e.admin.0, &e.pro.0, &e.client.0);
    let anna_id = e.client.1.to_string();
    let (bram, bram_id) = k.enrol(&dir, pro, "client", "Bram", None);

    let h = k.with(anna, &["household", "create"]).value().to_owned();
    k.with(
        anna,
        &["plan", "set", &h, "financien/situatie", "--value", "schuld"],
    )
    .value();
    k.with(anna, &["household", "add-member", &h, &bram_id.to_string()])
        .value();
    assert_eq!(get(&k, &bram, &h, "financien/situatie").output(), b"schuld");

    // Anna loses her keystore, passphrase and recovery code.
    let old_fp = k.whoami(anna)["fingerprint"].as_str().unwrap().to_owned();
    lose_everything(anna);

    // Someone who is not an administrator cannot make a re-enrolment invite.
    let refused = k.with(&bram, &["invite", "--reenrol", &anna_id]);
    assert!(refused.failure().contains("administrators"), "{refused:?}");
    // The administrator makes one; Anna registers new keys with it: the
    // same person.
    let code = k
        .with(admin, &["invite", "--reenrol", &anna_id])
        .value()
        .to_owned();
    let new_anna = keystore_in(&dir, "anna-new");
    let new_fp = k.keys_new(&new_anna, "Anna");
    assert_ne!(new_fp, old_fp);
    assert_eq!(k.register(&new_anna, &code).to_string(), anna_id);
    assert_eq!(k.whoami(&new_anna)["fingerprint"], new_fp.as_str());

    // That alone gives no access: Anna's household key is sealed to keys
    // nobody has any more.
    get(&k, &new_anna, &h, "financien/situatie").failure();
    // Bram's device keeps Anna's OLD keys for what they signed before, and
    // still reads.
    assert_eq!(get(&k, &bram, &h, "financien/situatie").output(), b"schuld");

    // The operator writes a readmission into the database, signed by the
    // administrator (not a member): devices refuse the household.
    let db = server.db().await;
    let hid = HouseholdId::parse(&h).unwrap();
    let row = sqlx::query(
        "SELECT added_by, statement, signature FROM household_members WHERE household_id = $1 AND principal_id = $2",
    )
    .bind(&h)
    .bind(&anna_id)
    .fetch_one(&db)
    .await
    .unwrap();
    let (added_by, statement, signature): (String, String, Vec<u8>) = (
        row.get("added_by"),
        row.get("statement"),
        row.get("signature"),
    );
    let admin_keys = Keystore::open(admin, PASSPHRASE).unwrap();
    let admin_id = e.admin.1;
    let forged = readmit_statement(
        hid,
        e.client.1,
        &new_fp,
        &old_fp,
        admin_id,
        common::chrono_now_ms(),
    );
    let forged_sig = admin_keys.sign(forged.as_bytes()).to_vec();
    sqlx::query(
        "UPDATE household_members SET added_by = $1, statement = $2, signature = $3 WHERE household_id = $4 AND principal_id = $5",
    )
    .bind(admin_id.to_string())
    .bind(&forged)
    .bind(forged_sig)
    .bind(&h)
    .bind(&anna_id)
    .execute(&db)
    .await
    .unwrap();
    let fresh_bram = dir.path().join("bram-fresh.keystore");
    std::fs::copy(&bram, &fresh_bram).unwrap();
    let refused = get(&k, &fresh_bram, &h, "financien/situatie");
    assert!(refused.failure().contains("signed history"), "{refused:?}");
    let refused = get(&k, &bram, &h, "financien/situatie");
    assert!(refused.failure().contains("signed history"), "{refused:?}");
    // Nor may Anna readmit herself (signed with her new keys).
    let new_keys = Keystore::open(&new_anna, PASSPHRASE).unwrap();
    let selfie = readmit_statement(
        hid,
        e.client.1,
        &new_fp,
        &old_fp,
        e.client.1,
        common::chrono_now_ms(),
    );
    sqlx::query(
        "UPDATE household_members SET added_by = $1, statement = $2, signature = $3 WHERE household_id = $4 AND principal_id = $5",
    )
    .bind(&anna_id)
    .bind(&selfie)
    .bind(new_keys.sign(selfie.as_bytes()).to_vec())
    .bind(&h)
    .bind(&anna_id)
    .execute(&db)
    .await
    .unwrap();
    let refused = get(&k, &bram, &h, "financien/situatie");
    assert!(refused.failure().contains("signed history"), "{refused:?}");
    get(&k, &new_anna, &h, "financien/situatie").failure();
    // Undo the operator's writes.
    sqlx::query(
        "UPDATE household_members SET added_by = $1, statement = $2, signature = $3 WHERE household_id = $4 AND principal_id = $5",
    )
    .bind(&added_by)
    .bind(&statement)
    .bind(signature)
    .bind(&h)
    .bind(&anna_id)
    .execute(&db)
    .await
    .unwrap();

    // Bram readmits Anna, after comparing the fingerprint she reads out.
    let wrong = k.with(
        &bram,
        &[
            "household",
            "readmit",
            &h,
            &anna_id,
            "--expect-fingerprint",
            &old_fp,
        ],
    );
    assert!(wrong.failure().contains("fingerprint"), "{wrong:?}");
    k.with(
        &bram,
        &[
            "household",
            "readmit",
            &h,
            &anna_id,
            "--expect-fingerprint",
            &new_fp,
        ],
    )
    .value();

    // Anna reads what she wrote with her old keys, and writes with the new.
    assert_eq!(
        get(&k, &new_anna, &h, "financien/situatie").output(),
        b"schuld"
    );
    k.with(
        &new_anna,
        &[
            "plan",
            "set",
            &h,
            "financien/situatie",
            "--value",
            "regeling",
        ],
    )
    .value();
    // Bram's device (pinned the old keys) and a device that never saw
    // Anna accept her new keys through the readmission.
    assert_eq!(
        get(&k, &bram, &h, "financien/situatie").output(),
        b"regeling"
    );
    let (carla, carla_id) = k.enrol(&dir, pro, "client", "Carla", None);
    k.with(
        &new_anna,
        &["household", "add-member", &h, &carla_id.to_string()],
    )
    .value();
    assert_eq!(
        get(&k, &carla, &h, "financien/situatie").output(),
        b"regeling"
    );

    // The household sees it all.
    let history = k.with(&bram, &["access-log", &h]).text().to_owned();
    assert!(history.contains("registered new keys"), "{history}");
    assert!(history.contains("readmitted a member"), "{history}");
}
