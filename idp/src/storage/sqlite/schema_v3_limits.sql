-- Version 2 -> 3: password guessing limits (docs/protocol.md §10). One counter per user name
-- (known or not, so the answers reveal no account) and per source address.
CREATE TABLE attempt_counters (
    scope TEXT NOT NULL CHECK (scope IN ('password_name', 'password_source')),
    key TEXT NOT NULL,
    count INTEGER NOT NULL,
    since INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX attempt_counters_last ON attempt_counters(last_at);
