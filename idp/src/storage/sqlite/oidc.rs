//! The OpenID Connect provider's tables: signing keys, clients, authorization requests waiting
//! for a sign-in, provider sessions, authorization codes and access tokens.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::pool::Cached;

use crate::oidc_model::{
    AccessTokenRecord, Authentication, Client, CodeRecord, CodeVerdict, OidcSession,
    PendingAuthorization, SignInMethod, SigningAlg, StoredKey,
};
use crate::storage::{StoreError, Stored};

/// How long a used or expired code is kept to recognise a replay (seconds).
const KEEP_CODES: i64 = 3600;

fn corrupt(what: &str) -> StoreError {
    tracing::error!(what, "stored OpenID Connect record does not parse");
    StoreError::Failed
}

pub(super) fn signing_keys(conn: &Connection) -> Stored<Vec<StoredKey>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kid, alg, private_key, certificate, created_at, retired_at FROM oidc_keys ORDER BY created_at, rowid",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, Option<Vec<u8>>>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, Option<i64>>(5)?,
        ))
    })?;
    let mut keys = Vec::new();
    for row in rows {
        let (kid, alg, private_pkcs8, cert_der, created_at, retired_at) = row?;
        let alg = SigningAlg::parse(&alg).ok_or_else(|| corrupt("signing key algorithm"))?;
        keys.push(StoredKey { kid, alg, private_pkcs8, cert_der, created_at, retired_at });
    }
    Ok(keys)
}

pub(super) fn add_signing_keys(tx: &Connection, keys: &[StoredKey]) -> Stored<()> {
    for k in keys {
        tx.exec(
            "INSERT INTO oidc_keys (kid, alg, private_key, certificate, created_at, retired_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![k.kid, k.alg.as_str(), k.private_pkcs8, k.cert_der, k.created_at, k.retired_at],
        )?;
    }
    Ok(())
}

pub(super) fn add_first_signing_keys(tx: &Connection, keys: &[StoredKey]) -> Stored<()> {
    for k in keys {
        tx.exec(
            "INSERT INTO oidc_keys (kid, alg, private_key, certificate, created_at, retired_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6
             WHERE NOT EXISTS (SELECT 1 FROM oidc_keys WHERE alg = ?2 AND retired_at IS NULL)",
            params![k.kid, k.alg.as_str(), k.private_pkcs8, k.cert_der, k.created_at, k.retired_at],
        )?;
    }
    Ok(())
}

pub(super) fn retire_signing_key(conn: &Connection, kid: &str, now: i64) -> Stored<bool> {
    let n = conn.exec(
        "UPDATE oidc_keys SET retired_at = ?2 WHERE kid = ?1 AND retired_at IS NULL",
        params![kid, now],
    )?;
    Ok(n == 1)
}

fn client_row(r: &Row<'_>) -> rusqlite::Result<(Client, String, String, String)> {
    Ok((
        Client {
            id: r.get(0)?,
            name: r.get(1)?,
            redirect_uris: Vec::new(),
            post_logout_uris: Vec::new(),
            secret_hash: r.get(4)?,
            id_token_alg: SigningAlg::Rs256,
            created_at: r.get(6)?,
        },
        r.get(2)?,
        r.get(3)?,
        r.get(5)?,
    ))
}

fn finish_client(
    (mut c, redirect, post_logout, alg): (Client, String, String, String),
) -> Stored<Client> {
    c.redirect_uris = serde_json::from_str(&redirect).map_err(|_| corrupt("redirect URIs"))?;
    c.post_logout_uris =
        serde_json::from_str(&post_logout).map_err(|_| corrupt("post-logout URIs"))?;
    c.id_token_alg = SigningAlg::parse(&alg).ok_or_else(|| corrupt("client algorithm"))?;
    Ok(c)
}

const CLIENT_COLUMNS: &str =
    "id, name, redirect_uris, post_logout_uris, secret_hash, id_token_alg, created_at";

pub(super) fn add_client(conn: &Connection, c: &Client) -> Stored<()> {
    let json = |v: &Vec<String>| serde_json::to_string(v).map_err(|_| StoreError::Failed);
    conn.exec(
        &format!("INSERT INTO oidc_clients ({CLIENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            c.id,
            c.name,
            json(&c.redirect_uris)?,
            json(&c.post_logout_uris)?,
            c.secret_hash,
            c.id_token_alg.as_str(),
            c.created_at
        ],
    )?;
    Ok(())
}

pub(super) fn client(conn: &Connection, id: &str) -> Stored<Option<Client>> {
    let row = conn
        .row(&format!("SELECT {CLIENT_COLUMNS} FROM oidc_clients WHERE id = ?1"), [id], client_row)
        .optional()?;
    row.map(finish_client).transpose()
}

pub(super) fn clients(conn: &Connection) -> Stored<Vec<Client>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CLIENT_COLUMNS} FROM oidc_clients ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([], client_row)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(finish_client).collect()
}

pub(super) fn remove_client(tx: &Connection, id: &str) -> Stored<bool> {
    tx.exec("DELETE FROM oidc_tokens WHERE client_id = ?1", [id])?;
    tx.exec("DELETE FROM oidc_codes WHERE client_id = ?1", [id])?;
    Ok(tx.exec("DELETE FROM oidc_clients WHERE id = ?1", [id])? == 1)
}

pub(super) fn add_pending(tx: &Connection, p: &PendingAuthorization, now: i64) -> Stored<()> {
    tx.exec("DELETE FROM oidc_pending WHERE expires_at <= ?1", [now])?;
    tx.exec(
        "INSERT INTO oidc_pending (id_hash, params, expires_at) VALUES (?1, ?2, ?3)",
        params![p.id_hash, p.params, p.expires_at],
    )?;
    Ok(())
}

pub(super) fn pending(
    conn: &Connection,
    id_hash: &str,
    now: i64,
) -> Stored<Option<PendingAuthorization>> {
    Ok(conn
        .row(
            "SELECT id_hash, params, expires_at FROM oidc_pending WHERE id_hash = ?1 AND expires_at > ?2",
            params![id_hash, now],
            |r| Ok(PendingAuthorization { id_hash: r.get(0)?, params: r.get(1)?, expires_at: r.get(2)? }),
        )
        .optional()?)
}

pub(super) fn end_pending(conn: &Connection, id_hash: &str) -> Stored<()> {
    conn.exec("DELETE FROM oidc_pending WHERE id_hash = ?1", [id_hash])?;
    Ok(())
}

fn method(s: &str) -> Stored<SignInMethod> {
    SignInMethod::from_stored(s).ok_or_else(|| corrupt("sign-in method"))
}

pub(super) fn add_session(tx: &Connection, s: &OidcSession) -> Stored<()> {
    tx.exec("DELETE FROM oidc_sessions WHERE session_hash = ?1", [&s.session_hash])?;
    tx.exec(
        "INSERT INTO oidc_sessions (sid, session_hash, user_id, method, auth_time) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![s.sid, s.session_hash, s.sub, s.method.as_stored(), s.auth_time],
    )?;
    Ok(())
}

pub(super) fn session(
    conn: &Connection,
    session_hash: &str,
    now: i64,
) -> Stored<Option<OidcSession>> {
    let row = conn
        .row(
            "SELECT o.sid, o.session_hash, o.user_id, u.name, o.method, o.auth_time
             FROM oidc_sessions o JOIN sessions s ON s.token_hash = o.session_hash
             JOIN users u ON u.id = o.user_id
             WHERE o.session_hash = ?1 AND s.expires_at > ?2 AND s.user_id = o.user_id",
            params![session_hash, now],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()?;
    row.map(|(sid, session_hash, sub, username, m, auth_time)| {
        Ok(OidcSession { sid, session_hash, sub, username, method: method(&m)?, auth_time })
    })
    .transpose()
}

pub(super) fn end_session_by_sid(tx: &Connection, sid: &str) -> Stored<()> {
    tx.exec(
        "DELETE FROM sessions WHERE token_hash IN (SELECT session_hash FROM oidc_sessions WHERE sid = ?1)",
        [sid],
    )?;
    tx.exec("DELETE FROM oidc_sessions WHERE sid = ?1", [sid])?;
    Ok(())
}

pub(super) fn add_code(tx: &Connection, c: &CodeRecord, now: i64) -> Stored<()> {
    tx.exec("DELETE FROM oidc_codes WHERE expires_at <= ?1", [now - KEEP_CODES])?;
    tx.exec("DELETE FROM oidc_tokens WHERE expires_at <= ?1", [now])?;
    let a = &c.auth;
    tx.exec(
        "INSERT INTO oidc_codes (code_hash, client_id, redirect_uri, code_challenge, nonce, scope, user_id, method, auth_time, sid, expires_at, used_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            c.code_hash,
            c.client_id,
            c.redirect_uri,
            c.code_challenge,
            c.nonce,
            c.scope,
            a.sub,
            a.method.as_stored(),
            a.auth_time,
            a.sid,
            c.expires_at,
            c.used_at
        ],
    )?;
    Ok(())
}

fn code(conn: &Connection, code_hash: &str) -> Stored<Option<CodeRecord>> {
    let row = conn
        .row(
            "SELECT c.code_hash, c.client_id, c.redirect_uri, c.code_challenge, c.nonce, c.scope,
                    c.user_id, u.name, c.method, c.auth_time, c.sid, c.expires_at, c.used_at
             FROM oidc_codes c JOIN users u ON u.id = c.user_id WHERE c.code_hash = ?1",
            [code_hash],
            |r| {
                Ok((
                    CodeRecord {
                        code_hash: r.get(0)?,
                        client_id: r.get(1)?,
                        redirect_uri: r.get(2)?,
                        code_challenge: r.get(3)?,
                        nonce: r.get(4)?,
                        scope: r.get(5)?,
                        auth: Authentication {
                            sub: r.get(6)?,
                            username: r.get(7)?,
                            auth_time: r.get(9)?,
                            method: SignInMethod::PasswordAndPush,
                            sid: r.get(10)?,
                        },
                        expires_at: r.get(11)?,
                        used_at: r.get(12)?,
                    },
                    r.get::<_, String>(8)?,
                ))
            },
        )
        .optional()?;
    row.map(|(mut c, m)| {
        c.auth.method = method(&m)?;
        Ok(c)
    })
    .transpose()
}

pub(super) fn redeem(
    tx: &Connection,
    code_hash: &str,
    now: i64,
    judge: &mut dyn FnMut(&CodeRecord, i64) -> CodeVerdict,
) -> Stored<Option<(CodeRecord, CodeVerdict)>> {
    let Some(record) = code(tx, code_hash)? else {
        return Ok(None);
    };
    let verdict = judge(&record, now);
    match &verdict {
        CodeVerdict::Issue(t) => {
            tx.exec(
                "UPDATE oidc_codes SET used_at = ?2 WHERE code_hash = ?1",
                params![code_hash, now],
            )?;
            tx.exec(
                "INSERT INTO oidc_tokens (token_hash, code_hash, client_id, scope, user_id, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![t.token_hash, t.code_hash, t.client_id, t.scope, t.sub, t.expires_at],
            )?;
        }
        CodeVerdict::Replayed => {
            tx.exec("DELETE FROM oidc_tokens WHERE code_hash = ?1", [code_hash])?;
        }
        CodeVerdict::Refuse => {}
    }
    Ok(Some((record, verdict)))
}

pub(super) fn access_token(
    conn: &Connection,
    token_hash: &str,
) -> Stored<Option<AccessTokenRecord>> {
    Ok(conn
        .row(
            "SELECT t.token_hash, t.code_hash, t.client_id, t.scope, t.user_id, u.name, t.expires_at
             FROM oidc_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1",
            [token_hash],
            |r| {
                Ok(AccessTokenRecord {
                    token_hash: r.get(0)?,
                    code_hash: r.get(1)?,
                    client_id: r.get(2)?,
                    scope: r.get(3)?,
                    sub: r.get(4)?,
                    username: r.get(5)?,
                    expires_at: r.get(6)?,
                })
            },
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use crate::model::{NewSession, NewUser, UserId};
    use crate::oidc_model::*;
    use crate::storage::sqlite::SqliteStore;
    use crate::storage::Store;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db")).unwrap();
        let user = NewUser {
            id: UserId::new("u1"),
            name: "anna".into(),
            password_hash: None,
            otp_secret: None,
            created_at: 1,
        };
        assert!(store.add_user(&user).unwrap());
        (dir, store)
    }

    fn code(hash: &str, client: &str) -> CodeRecord {
        CodeRecord {
            code_hash: hash.into(),
            client_id: client.into(),
            redirect_uri: "https://a/cb".into(),
            code_challenge: Some("ch".into()),
            nonce: None,
            scope: "openid".into(),
            auth: Authentication {
                sub: "u1".into(),
                username: "anna".into(),
                auth_time: 90,
                method: SignInMethod::PhoneSignin(Some(UserVerification::Face)),
                sid: "s".into(),
            },
            expires_at: 160,
            used_at: None,
        }
    }

    fn token(hash: &str, code_hash: &str, client: &str) -> AccessTokenRecord {
        AccessTokenRecord {
            token_hash: hash.into(),
            code_hash: code_hash.into(),
            client_id: client.into(),
            scope: "openid".into(),
            sub: "u1".into(),
            username: "anna".into(),
            expires_at: 700,
        }
    }

    #[test]
    fn a_version_1_database_migrates_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(include_str!("schema_v1.sql")).unwrap();
            conn.execute("INSERT INTO users (id, name, created_at) VALUES ('u1', 'anna', 1)", [])
                .unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
        }
        #[cfg(unix)]
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let store = SqliteStore::open(&path).unwrap();
        assert!(store.user_by_name("anna").unwrap().is_some());
        assert!(store.clients().unwrap().is_empty());
        assert!(store.signing_keys().unwrap().is_empty());
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, super::super::pool::SCHEMA_VERSION, "migrated to the newest");
    }

    #[test]
    fn a_code_is_redeemed_once_and_a_replay_revokes_its_tokens() {
        let (_dir, store) = store();
        store.add_code(&code("c1", "app"), 100).unwrap();
        let clock = || 120;
        let (read, v) = store
            .redeem_code("c1", &clock, &mut |c, now| {
                assert_eq!((c.used_at, now), (None, 120));
                assert_eq!(c.auth.method, SignInMethod::PhoneSignin(Some(UserVerification::Face)));
                CodeVerdict::Issue(token("t1", "c1", "app"))
            })
            .unwrap()
            .unwrap();
        assert_eq!(read.auth.username, "anna");
        assert!(matches!(v, CodeVerdict::Issue(_)));
        assert_eq!(store.access_token("t1").unwrap().unwrap().username, "anna");
        let (again, _) = store
            .redeem_code("c1", &clock, &mut |c, _| {
                assert_eq!(c.used_at, Some(120), "marked used");
                CodeVerdict::Replayed
            })
            .unwrap()
            .unwrap();
        assert_eq!(again.used_at, Some(120));
        assert!(store.access_token("t1").unwrap().is_none(), "revoked");
        assert!(store
            .redeem_code("nope", &clock, &mut |_, _| CodeVerdict::Refuse)
            .unwrap()
            .is_none());
        // A refusal writes nothing.
        store.add_code(&code("c2", "app"), 100).unwrap();
        store.redeem_code("c2", &clock, &mut |_, _| CodeVerdict::Refuse).unwrap();
        let (c2, _) =
            store.redeem_code("c2", &clock, &mut |_, _| CodeVerdict::Refuse).unwrap().unwrap();
        assert_eq!(c2.used_at, None);
    }

    #[test]
    fn a_provider_session_lives_only_with_its_browser_session() {
        let (_dir, store) = store();
        store
            .add_session(&UserId::new("u1"), &NewSession { token_hash: "b".into(), ttl: 100 }, 0)
            .unwrap();
        let s = OidcSession {
            sid: "sid".into(),
            session_hash: "b".into(),
            sub: "u1".into(),
            username: "anna".into(),
            method: SignInMethod::PasswordAndPush,
            auth_time: 5,
        };
        store.add_oidc_session(&s).unwrap();
        assert_eq!(store.oidc_session("b", 50).unwrap(), Some(s.clone()));
        assert_eq!(store.oidc_session("b", 100).unwrap(), None, "browser session expired");
        // A new sign-in in the same browser session replaces the record.
        let newer = OidcSession { sid: "sid2".into(), auth_time: 40, ..s };
        store.add_oidc_session(&newer).unwrap();
        assert_eq!(store.oidc_session("b", 50).unwrap(), Some(newer));
        store.end_oidc_session("sid2").unwrap();
        assert_eq!(store.oidc_session("b", 50).unwrap(), None);
        assert!(store.session_user("b", 50).unwrap().is_none(), "logout ends the browser session");
    }

    #[test]
    fn clients_round_trip_and_removal_takes_their_codes_and_tokens() {
        let (_dir, store) = store();
        let c = Client {
            id: "app".into(),
            name: "App".into(),
            redirect_uris: vec!["https://a/cb".into(), "https://a/cb2".into()],
            post_logout_uris: vec![],
            secret_hash: Some("h".into()),
            id_token_alg: SigningAlg::Es256,
            created_at: 3,
        };
        store.add_client(&c).unwrap();
        assert_eq!(store.client("app").unwrap(), Some(c.clone()));
        assert_eq!(store.clients().unwrap(), vec![c]);
        store.add_code(&code("c1", "app"), 100).unwrap();
        store
            .redeem_code("c1", &|| 110, &mut |_, _| CodeVerdict::Issue(token("t1", "c1", "app")))
            .unwrap();
        assert!(store.remove_client("app").unwrap());
        assert!(!store.remove_client("app").unwrap());
        assert!(store.access_token("t1").unwrap().is_none());
        assert!(store
            .redeem_code("c1", &|| 110, &mut |_, _| CodeVerdict::Refuse)
            .unwrap()
            .is_none());
    }

    #[test]
    fn first_keys_are_added_once_per_algorithm_and_retired_keys_stay_listed() {
        let (_dir, store) = store();
        let key = |kid: &str, alg| StoredKey {
            kid: kid.into(),
            alg,
            private_pkcs8: vec![1, 2, 3],
            cert_der: None,
            created_at: 1,
            retired_at: None,
        };
        store.add_first_signing_keys(&[key("a", SigningAlg::Rs256)]).unwrap();
        // A concurrent first use adds nothing for an algorithm that has a key.
        store
            .add_first_signing_keys(&[key("b", SigningAlg::Rs256), key("c", SigningAlg::Es256)])
            .unwrap();
        let kids: Vec<String> = store.signing_keys().unwrap().into_iter().map(|k| k.kid).collect();
        assert_eq!(kids, ["a", "c"]);
        store.add_signing_keys(&[key("d", SigningAlg::Rs256)]).unwrap();
        assert!(store.retire_signing_key("a", 9).unwrap());
        assert!(!store.retire_signing_key("a", 10).unwrap(), "already retired");
        let keys = store.signing_keys().unwrap();
        assert_eq!(keys.len(), 3);
        assert_eq!(keys[0].retired_at, Some(9));
        assert_eq!(keys[0].private_pkcs8, vec![1, 2, 3]);
    }
}
