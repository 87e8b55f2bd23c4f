-- Version 7: Microsoft Entra ID external authentication methods (issue 8).
CREATE TABLE eam_methods (
    client_id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    issuer_template TEXT NOT NULL,
    jwks_uri_template TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE eam_tenants (
    client_id TEXT NOT NULL REFERENCES eam_methods(client_id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    PRIMARY KEY (client_id, tenant_id)
);
CREATE TABLE eam_links (
    tenant_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, object_id)
);
CREATE INDEX eam_links_user ON eam_links(user_id);
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
