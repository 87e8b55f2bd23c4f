-- Schema 2, frozen: the full schema of a Nyckel vault as schema-2 builds created it.
-- Never edit this file; a change is a new migration and a new snapshot (see schema.rs).
-- Key slots, accounts, activity. Only ids, positions and timestamps are in clear.
CREATE TABLE vault_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    vault_id BLOB NOT NULL CHECK (length(vault_id) = 16),
    key_check BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE key_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('passphrase', 'platform')),
    params TEXT NOT NULL,
    wrapped BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    position INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    sealed BLOB NOT NULL
);
CREATE TABLE activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    sealed BLOB NOT NULL
);
-- Push-approval enrollments, and the software device-key store (CLI/tests; phones keep
-- device keys in StrongBox / the Secure Enclave instead).
CREATE TABLE enrollments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    sealed BLOB NOT NULL
);
CREATE TABLE key_store (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    updated_at INTEGER NOT NULL,
    sealed BLOB NOT NULL
);
