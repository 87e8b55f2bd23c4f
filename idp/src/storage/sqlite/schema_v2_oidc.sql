-- Version 2: the OpenID Connect provider (issue 8).
CREATE TABLE oidc_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL CHECK (alg IN ('RS256', 'ES256')),
    private_key BLOB NOT NULL,
    certificate BLOB,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
);
CREATE TABLE oidc_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    post_logout_uris TEXT NOT NULL,
    secret_hash TEXT,
    id_token_alg TEXT NOT NULL CHECK (id_token_alg IN ('RS256', 'ES256')),
    created_at INTEGER NOT NULL
);
CREATE TABLE oidc_pending (
    id_hash TEXT PRIMARY KEY,
    params TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE oidc_sessions (
    sid TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    method TEXT NOT NULL,
    auth_time INTEGER NOT NULL
);
CREATE TABLE oidc_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    nonce TEXT,
    scope TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    method TEXT NOT NULL,
    auth_time INTEGER NOT NULL,
    sid TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE TABLE oidc_tokens (
    token_hash TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL
);
CREATE INDEX oidc_tokens_code ON oidc_tokens(code_hash);
