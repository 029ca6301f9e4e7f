//! Self-sufficiency scores (Zelfredzaamheid-Matrix, ZRM): per domain a score
//! from 1 (acute problems) to 5 (fully self-reliant), taken at moments in
//! time.
//!
//! A score is an ordinary plan field, `<section>/<domain>` (by default
//! `zrm/financien`), whose plaintext is one small strict JSON document,
//! `{"score":3,"date":"2026-11-30","note":"..."}`. Its versions are the
//! scores over time. So sealing, envelopes, grants (a whole `zrm` section or
//! one domain), version signatures and history work as for every field, and
//! the server only ever sees ciphertext. The parsing here is the device's:
//! the web app's `web/src/zrm/entry.ts` applies the same rules.

mod domain;
mod entry;
mod score;

pub use domain::{ZrmDomain, ZrmSetting};
pub use entry::{ZrmDate, ZrmEntry, ZrmError, ZrmNote, MAX_NOTE_CHARS};
pub use score::ZrmScore;
