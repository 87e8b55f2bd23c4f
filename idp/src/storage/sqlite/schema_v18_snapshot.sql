CREATE TABLE activations (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL,
    used_at INTEGER
, replaces_device_id TEXT, carries_otp INTEGER NOT NULL DEFAULT 0);
CREATE INDEX activations_replaces ON activations(replaces_device_id)
    WHERE replaces_device_id IS NOT NULL;
CREATE TABLE attempt_counters (
    scope TEXT NOT NULL CHECK (scope IN ('password_name', 'password_familiar', 'password_source')),
    key TEXT NOT NULL,
    count INTEGER NOT NULL,
    since INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX attempt_counters_last ON attempt_counters(last_at);
CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('device', 'phone_signin')),
    public_key BLOB NOT NULL,
    sign_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
, attestation TEXT);
CREATE INDEX credentials_device ON credentials(device_id);
CREATE TABLE device_nonces (
    device_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX device_nonces_expiry ON device_nonces(expires_at);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    push_token TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
, replaces_device_id TEXT, otp_delivered INTEGER NOT NULL DEFAULT 0);
CREATE INDEX devices_user ON devices(user_id);
CREATE TABLE eam_links (
    tenant_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, object_id)
);
CREATE INDEX eam_links_user ON eam_links(user_id);
CREATE TABLE eam_methods (
    client_id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    issuer_template TEXT NOT NULL,
    jwks_uri_template TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE eam_pending (
    id_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    state TEXT,
    nonce TEXT NOT NULL,
    sub TEXT NOT NULL,
    acr_values TEXT NOT NULL,
    amr_values TEXT,
    request_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL
);
CREATE TABLE eam_tenants (
    client_id TEXT NOT NULL REFERENCES eam_methods(client_id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    PRIMARY KEY (client_id, tenant_id)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id TEXT,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
, ip TEXT NOT NULL DEFAULT '', app TEXT NOT NULL DEFAULT '', place TEXT NOT NULL DEFAULT '');
CREATE TABLE oidc_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    post_logout_uris TEXT NOT NULL,
    secret_hash TEXT,
    id_token_alg TEXT NOT NULL CHECK (id_token_alg IN ('RS256', 'ES256')),
    created_at INTEGER NOT NULL
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
CREATE TABLE oidc_keys (
    kid TEXT PRIMARY KEY,
    alg TEXT NOT NULL CHECK (alg IN ('RS256', 'ES256')),
    private_key BLOB NOT NULL,
    certificate BLOB,
    created_at INTEGER NOT NULL,
    retired_at INTEGER
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
CREATE TABLE oidc_tokens (
    token_hash TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL
);
CREATE INDEX oidc_tokens_code ON oidc_tokens(code_hash);
CREATE TABLE otp_failures (
    user_id TEXT NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL
);
CREATE INDEX otp_failures_by_user ON otp_failures(user_id, at);
CREATE TABLE push_log (
    id INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    push_token TEXT,
    sent_at INTEGER NOT NULL
);
CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('push', 'passwordless')),
    nonce BLOB NOT NULL,
    number INTEGER NOT NULL,
    app TEXT NOT NULL,
    ip TEXT NOT NULL,
    location TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    decided_at INTEGER,
    credential_id TEXT,
    browser_token_hash TEXT
, completed_by TEXT CHECK (completed_by IN ('otp')), notified INTEGER NOT NULL DEFAULT 1, source TEXT NOT NULL DEFAULT '', excluded_device TEXT, known_browser INTEGER NOT NULL DEFAULT 0);
CREATE INDEX requests_notified ON requests(user_id, created_at) WHERE notified;
CREATE INDEX requests_user ON requests(user_id, created_at);
CREATE INDEX requests_user_state ON requests(user_id, state, created_at);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
, devices_mark INTEGER, code_at_start INTEGER, bootstrap INTEGER);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    otp_secret TEXT,
    blocked_until INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
, otp_confirmed_at INTEGER, otp_last_step INTEGER, disabled_at INTEGER, push_unanswered INTEGER NOT NULL DEFAULT 0, push_sent_at INTEGER NOT NULL DEFAULT 0, push_tried_at INTEGER NOT NULL DEFAULT 0, pushes_muted_until INTEGER NOT NULL DEFAULT 0, name_key TEXT);
CREATE UNIQUE INDEX users_name_key ON users(name_key);
