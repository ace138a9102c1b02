-- Version 6 is reserved for a change developed on another branch; this no-op
-- keeps the sequence whole until that branch's file replaces it.
SELECT 1;
