//! `kluis demo` runs the three user stories end to end and ends with a
//! successful verification.

#[test]
fn the_demo_tells_all_three_stories_and_verifies() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kluis"))
        .arg("demo")
        .env_remove("KLUIS_KEYSTORE")
        .output()
        .expect("run kluis demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "Story 1",
        "Sara reads financien/situatie",
        "refused at once",
        "Story 2",
        "Anna cannot read it",
        "wrote a private note",
        "Story 3",
        "everything checks out",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    assert!(
        !stdout.contains("spanningen thuis"),
        "the private note's content never shows to Anna"
    );
}
