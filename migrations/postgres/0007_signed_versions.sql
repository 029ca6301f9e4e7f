-- Signed versions (wire/version.rs): the writer's signed statement over each
-- version, checked by the server on upload and by every reading device.
-- NULL only for versions written before this change; devices show those as
-- unsigned and refuse them in households created after it.
ALTER TABLE field_versions ADD COLUMN statement TEXT;
ALTER TABLE field_versions ADD COLUMN signature BYTEA;
-- The grant a professional wrote on (its id is also in the statement), so a
-- reader gets the signed grant with the version.
ALTER TABLE field_versions ADD COLUMN writer_grant TEXT;
