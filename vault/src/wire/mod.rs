//! The JSON bodies of the HTTP API, shared by the server and the client
//! library so the two cannot drift apart. One file per area.

pub mod accounts;
pub mod auth;
pub mod catalogue;
pub mod consent;
pub mod contact;
pub mod directory;
pub mod enrol;
pub mod household;
pub mod log;
pub mod passkeys;
pub mod people;
pub mod plan;
pub mod recovery;
pub mod retention;
pub mod rotation;
pub mod sessions;
pub mod version;
