-- Version 14 -> 15: smart lockout (docs/protocol.md §10). A user name gets a second failure
-- counter, 'password_familiar', for attempts from the user's familiar context (a browser
-- recognised as theirs, one of their recognised addresses); 'password_name' now counts the
-- attempts from everywhere else, so failures from elsewhere never delay or lock the user's
-- own browser. SQLite cannot widen a CHECK in place: the table is rebuilt with its rows.
-- Existing name counters stay 'password_name' (unfamiliar): a back-off or lock an attacker
-- caused before stays in force for other sources, and the user's familiar context starts
-- with no failures.
ALTER TABLE attempt_counters RENAME TO attempt_counters_v14;
CREATE TABLE attempt_counters (
    scope TEXT NOT NULL CHECK (scope IN ('password_name', 'password_familiar', 'password_source')),
    key TEXT NOT NULL,
    count INTEGER NOT NULL,
    since INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
INSERT INTO attempt_counters (scope, key, count, since, last_at)
    SELECT scope, key, count, since, last_at FROM attempt_counters_v14;
DROP TABLE attempt_counters_v14;
CREATE INDEX attempt_counters_last ON attempt_counters(last_at);
