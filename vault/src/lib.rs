//! The kluis vault: keys and envelopes, storage, the HTTP API, the client
//! library and the CLI. See ARCHITECTURE.md at the repository root for a map.

pub mod access;
pub mod api;
pub mod bench;
pub mod cli;
pub mod client;
pub mod clock;
#[doc(hidden)]
pub mod fuzzing;
pub mod keys;
pub mod retention;
pub mod role;
pub mod server;
pub mod store;
pub mod template;
pub mod wire;
pub mod zrm;
