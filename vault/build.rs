//! Embeds the SQL migrations (`migrations/sqlite`, `migrations/postgres`)
//! in the binary as a list of `(file name, contents)` that
//! `store::migrations` hands to sqlx's migrator at start-up.
//!
//! This is what `sqlx::migrate!` did, without sqlx's `macros` feature: that
//! feature builds sqlx's SQLite and PostgreSQL drivers (and SQLite's C
//! source) a second time for the compiler, only for this one macro, which
//! cost a new user's first `cargo build --release` minutes (issue 18).
//! New migration files are picked up without editing any list.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut out = String::new();
    for engine in ["sqlite", "postgres"] {
        let dir = root.join(engine);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        writeln!(
            out,
            "pub static {}: &[(&str, &str)] = &[",
            engine.to_uppercase()
        )
        .unwrap();
        for f in files {
            let name = f.file_name().unwrap().to_str().expect("a UTF-8 file name");
            let path = f.canonicalize().expect("a migration file");
            println!("cargo:rerun-if-changed={}", path.display());
            writeln!(out, "    ({name:?}, include_str!({:?})),", path.display()).unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("migrations.rs");
    std::fs::write(dest, out).expect("writing migrations.rs");
}
