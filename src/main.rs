//! The `kluis` binary. Everything it does lives in `kluis_vault::cli`; this file
//! exists so that `cargo run -- <command>` works at the repository root.

fn main() -> std::process::ExitCode {
    kluis_vault::cli::main()
}
