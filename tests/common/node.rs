//! Node-side test runners of the web app (`web/test/*/main.ts`), bundled
//! once per test binary with `web/test/bundle.mjs`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Bundle `web/test/{dir}/main.ts` into a runnable `.mjs`; `None` (with a
/// note) when Node is absent, unless `KLUIS_REQUIRE_NODE=1` (CI), which
/// makes that a failure.
pub fn bundle_runner(dir: &str) -> Option<PathBuf> {
    let has_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_node {
        assert!(
            std::env::var("KLUIS_REQUIRE_NODE").as_deref() != Ok("1"),
            "KLUIS_REQUIRE_NODE=1, but `node` is not on PATH: install Node 20 to run the web interop tests"
        );
        // Straight to stderr: libtest would swallow `eprintln!` of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "note: `node` is not on PATH, so the web interop tests ({dir}) are skipped \
             (set KLUIS_REQUIRE_NODE=1 to make that a failure)"
        );
        return None;
    }
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    assert!(
        web.join("node_modules/age-encryption").is_dir(),
        "web/node_modules is missing: run `npm ci` in web/ before the web interop tests"
    );
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("web-{dir}-{}.mjs", std::process::id()));
    let status = Command::new("node")
        .arg(web.join("test/bundle.mjs"))
        .arg(web.join("test").join(dir).join("main.ts"))
        .arg(&out)
        .status()
        .expect("run node");
    assert!(status.success(), "bundling web/test/{dir}/main.ts failed");
    Some(out)
}
