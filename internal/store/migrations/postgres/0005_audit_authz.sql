-- Authorization decisions name the deciding rule and the object they were about.
ALTER TABLE audit_events ADD COLUMN rule TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN object TEXT NOT NULL DEFAULT '';
