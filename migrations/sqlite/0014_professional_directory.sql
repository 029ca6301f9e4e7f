-- The directory of professionals (api/professionals.rs) searches names and
-- organisations ignoring case and accents. SQLite's LIKE and LOWER fold
-- ASCII only, PostgreSQL's LIKE folds nothing, so the server stores each
-- text folded (store/professionals.rs: accents dropped, lowercase) and
-- compares it with a query folded the same way: the same answer on both
-- databases, "omer" finds "Ömer". Rows from before are filled in at start-up.
ALTER TABLE principals ADD COLUMN name_folded TEXT;
ALTER TABLE principals ADD COLUMN org_folded TEXT;
CREATE INDEX principals_by_role_and_name ON principals (role, name_folded);
