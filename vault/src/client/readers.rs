//! Checking the server's list of readers before handing anyone a key.
//!
//! The server says who must be able to read a field; a server that lied
//! could add a reader of its choosing. So every reader must come with a
//! grant signed by a current household member, naming that reader and their
//! key fingerprint, covering the path, and active now. Only then does the
//! writer envelope the field key to them.

use kluis_policy::{FieldPath, HouseholdId};

use super::{Client, ClientError};
use crate::wire::plan::WritePlan;

impl Client {
    pub(crate) async fn check_readers(
        &self,
        _h: HouseholdId,
        _path: &FieldPath,
        plan: &WritePlan,
    ) -> Result<(), ClientError> {
        if plan.readers.is_empty() {
            return Ok(());
        }
        Err(ClientError::Refused(
            "readers with grants are not supported yet".into(),
        ))
    }
}
