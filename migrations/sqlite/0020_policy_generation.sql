-- The households' policy generation (issue 18, `store::policy_cache`):
-- every change to who is a member or what was granted raises it, in the
-- same transaction, so a reader that sees an unchanged generation knows
-- members and grants are unchanged too. Triggers rather than code at each
-- write, so that no write path (retention, rotation, tests that tamper)
-- can leave it behind.
ALTER TABLE households ADD COLUMN policy_gen INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER grants_insert_policy_gen AFTER INSERT ON grants BEGIN
    UPDATE households SET policy_gen = policy_gen + 1 WHERE id = NEW.household_id;
END;
CREATE TRIGGER grants_update_policy_gen AFTER UPDATE ON grants BEGIN
    UPDATE households SET policy_gen = policy_gen + 1 WHERE id IN (OLD.household_id, NEW.household_id);
END;
CREATE TRIGGER grants_delete_policy_gen AFTER DELETE ON grants BEGIN
    UPDATE households SET policy_gen = policy_gen + 1 WHERE id = OLD.household_id;
END;

CREATE TRIGGER members_insert_policy_gen AFTER INSERT ON household_members BEGIN
    UPDATE households SET policy_gen = policy_gen + 1 WHERE id = NEW.household_id;
END;
CREATE TRIGGER members_update_policy_gen AFTER UPDATE ON household_members BEGIN
    UPDATE households SET policy_gen = policy_gen + 1 WHERE id IN (OLD.household_id, NEW.household_id);
END;
CREATE TRIGGER members_delete_policy_gen AFTER DELETE ON household_members BEGIN
    UPDATE households SET policy_gen = policy_gen + 1 WHERE id = OLD.household_id;
END;
