-- The households' policy generation (issue 18, `store::policy_cache`):
-- every change to who is a member or what was granted raises it, in the
-- same transaction, so a reader that sees an unchanged generation knows
-- members and grants are unchanged too. A trigger rather than code at each
-- write, so that no write path (retention, rotation, tests that tamper)
-- can leave it behind.
ALTER TABLE households ADD COLUMN policy_gen BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION raise_policy_gen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE households SET policy_gen = policy_gen + 1 WHERE id = OLD.household_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.household_id IS DISTINCT FROM OLD.household_id) THEN
        UPDATE households SET policy_gen = policy_gen + 1 WHERE id = NEW.household_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER grants_policy_gen AFTER INSERT OR UPDATE OR DELETE ON grants
    FOR EACH ROW EXECUTE FUNCTION raise_policy_gen();
CREATE TRIGGER members_policy_gen AFTER INSERT OR UPDATE OR DELETE ON household_members
    FOR EACH ROW EXECUTE FUNCTION raise_policy_gen();
