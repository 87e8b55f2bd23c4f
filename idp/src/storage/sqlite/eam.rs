//! The tables of Microsoft Entra ID external authentication methods: the configured methods
//! and their tenants, the links from Entra users to Nyckel users, and the requests waiting
//! for an approval.

use rusqlite::{params, Connection, OptionalExtension};

use super::pool::Cached;
use super::requests::complete_with;
use crate::eam_model::{EamLink, EamMethod, PendingEam};
use crate::model::{CompletionContext, CompletionVerdict, RequestId, UserId};
use crate::storage::Stored;

/// A list of values without spaces (acr and amr values), stored space-separated.
fn joined(values: &[String]) -> String {
    values.join(" ")
}

fn split(s: &str) -> Vec<String> {
    s.split(' ').filter(|v| !v.is_empty()).map(str::to_owned).collect()
}

pub(super) fn add_method(tx: &Connection, m: &EamMethod) -> Stored<bool> {
    let added = tx.exec(
        "INSERT OR IGNORE INTO eam_methods (client_id, app_id, redirect_uri, issuer_template, jwks_uri_template, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![m.client_id, m.app_id, m.redirect_uri, m.issuer_template, m.jwks_uri_template, m.created_at],
    )?;
    if added == 0 {
        return Ok(false);
    }
    for t in &m.tenants {
        tx.exec(
            "INSERT OR IGNORE INTO eam_tenants (client_id, tenant_id) VALUES (?1, ?2)",
            params![m.client_id, t],
        )?;
    }
    Ok(true)
}

fn tenants(conn: &Connection, client_id: &str) -> Stored<Vec<String>> {
    let mut stmt = conn
        .prepare_cached("SELECT tenant_id FROM eam_tenants WHERE client_id = ?1 ORDER BY rowid")?;
    let rows = stmt.query_map([client_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

const METHOD_COLUMNS: &str =
    "client_id, app_id, redirect_uri, issuer_template, jwks_uri_template, created_at";

fn method_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EamMethod> {
    Ok(EamMethod {
        client_id: r.get(0)?,
        app_id: r.get(1)?,
        redirect_uri: r.get(2)?,
        issuer_template: r.get(3)?,
        jwks_uri_template: r.get(4)?,
        created_at: r.get(5)?,
        tenants: Vec::new(),
    })
}

pub(super) fn method(conn: &Connection, client_id: &str) -> Stored<Option<EamMethod>> {
    let found = conn
        .query_row(
            &format!("SELECT {METHOD_COLUMNS} FROM eam_methods WHERE client_id = ?1"),
            [client_id],
            method_row,
        )
        .optional()?;
    let Some(mut m) = found else { return Ok(None) };
    m.tenants = tenants(conn, &m.client_id)?;
    Ok(Some(m))
}

pub(super) fn methods(conn: &Connection) -> Stored<Vec<EamMethod>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {METHOD_COLUMNS} FROM eam_methods ORDER BY created_at, rowid"
    ))?;
    let mut list: Vec<EamMethod> = stmt.query_map([], method_row)?.collect::<Result<_, _>>()?;
    for m in &mut list {
        m.tenants = tenants(conn, &m.client_id)?;
    }
    Ok(list)
}

pub(super) fn remove_method(tx: &Connection, client_id: &str) -> Stored<bool> {
    tx.exec("DELETE FROM eam_pending WHERE client_id = ?1", [client_id])?;
    Ok(tx.exec("DELETE FROM eam_methods WHERE client_id = ?1", [client_id])? == 1)
}

/// Adds the link unless (tenant, object id) is linked already; the user it is linked to.
pub(super) fn link(tx: &Connection, l: &EamLink) -> Stored<UserId> {
    tx.exec(
        "INSERT OR IGNORE INTO eam_links (tenant_id, object_id, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![l.tenant_id, l.object_id, l.user, l.created_at],
    )?;
    Ok(tx.row(
        "SELECT user_id FROM eam_links WHERE tenant_id = ?1 AND object_id = ?2",
        params![l.tenant_id, l.object_id],
        |r| r.get(0),
    )?)
}

pub(super) fn unlink(
    tx: &Connection,
    user: &UserId,
    tenant_id: &str,
    object_id: &str,
) -> Stored<bool> {
    tx.exec("DELETE FROM eam_pending WHERE user_id = ?1", [user])?;
    Ok(tx.exec(
        "DELETE FROM eam_links WHERE user_id = ?1 AND tenant_id = ?2 AND object_id = ?3",
        params![user, tenant_id, object_id],
    )? == 1)
}

pub(super) fn linked_user(
    conn: &Connection,
    tenant_id: &str,
    object_id: &str,
) -> Stored<Option<(UserId, String)>> {
    Ok(conn
        .query_row(
            "SELECT u.id, u.name FROM eam_links l JOIN users u ON u.id = l.user_id
             WHERE l.tenant_id = ?1 AND l.object_id = ?2",
            params![tenant_id, object_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub(super) fn links_of(conn: &Connection, user: &UserId) -> Stored<Vec<EamLink>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tenant_id, object_id, user_id, created_at FROM eam_links WHERE user_id = ?1 ORDER BY created_at, rowid",
    )?;
    let rows = stmt
        .query_map([user], |r| {
            Ok(EamLink {
                tenant_id: r.get(0)?,
                object_id: r.get(1)?,
                user: r.get(2)?,
                created_at: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(super) fn add_pending(tx: &Connection, p: &PendingEam, now: i64) -> Stored<()> {
    tx.exec("DELETE FROM eam_pending WHERE expires_at <= ?1", [now])?;
    tx.exec(
        "INSERT INTO eam_pending (id_hash, client_id, redirect_uri, state, nonce, sub, acr_values, amr_values, request_id, user_id, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            p.id_hash,
            p.client_id,
            p.redirect_uri,
            p.state,
            p.nonce,
            p.sub,
            joined(&p.acr_values),
            p.amr_values.as_deref().map(joined),
            p.request_id,
            p.user,
            p.expires_at
        ],
    )?;
    Ok(())
}

pub(super) fn pending(conn: &Connection, id_hash: &str, now: i64) -> Stored<Option<PendingEam>> {
    Ok(conn
        .query_row(
            "SELECT id_hash, client_id, redirect_uri, state, nonce, sub, acr_values, amr_values, request_id, user_id, expires_at
             FROM eam_pending WHERE id_hash = ?1 AND expires_at > ?2",
            params![id_hash, now],
            |r| {
                Ok(PendingEam {
                    id_hash: r.get(0)?,
                    client_id: r.get(1)?,
                    redirect_uri: r.get(2)?,
                    state: r.get(3)?,
                    nonce: r.get(4)?,
                    sub: r.get(5)?,
                    acr_values: split(&r.get::<_, String>(6)?),
                    amr_values: r.get::<_, Option<String>>(7)?.as_deref().map(split),
                    request_id: r.get(8)?,
                    user: r.get(9)?,
                    expires_at: r.get(10)?,
                })
            },
        )
        .optional()?)
}

pub(super) fn end_pending(conn: &Connection, id_hash: &str) -> Stored<()> {
    conn.exec("DELETE FROM eam_pending WHERE id_hash = ?1", [id_hash])?;
    Ok(())
}

/// Ends the waiting request and completes its sign-in request as the domain's `judge` decides
/// (records `signed_in`, detail `eam`; no browser session). `None`: the waiting request is
/// gone, or is not for `request`, or the request is gone.
pub(super) fn complete(
    tx: &Connection,
    id_hash: &str,
    request: &RequestId,
    now: i64,
    judge: &mut dyn FnMut(&CompletionContext) -> CompletionVerdict,
) -> Stored<Option<CompletionVerdict>> {
    let ended = tx.exec(
        "DELETE FROM eam_pending WHERE id_hash = ?1 AND request_id = ?2 AND expires_at > ?3",
        params![id_hash, request, now],
    )?;
    if ended != 1 {
        return Ok(None);
    }
    Ok(complete_with(tx, request, None, "eam", now, judge)?.map(|(_, verdict)| verdict))
}

#[cfg(test)]
mod tests {
    use crate::eam_model::{EamLink, EamMethod, PendingEam};
    use crate::model::{NewUser, RequestId, UserId};
    use crate::storage::sqlite::SqliteStore;
    use crate::storage::Store;

    fn user(store: &SqliteStore, id: &str, name: &str) {
        let u = NewUser {
            id: UserId::new(id),
            name: name.into(),
            password_hash: None,
            otp_secret: None,
            created_at: 1,
        };
        assert!(store.add_user(&u).unwrap());
    }

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db")).unwrap();
        user(&store, "u1", "anna");
        user(&store, "u2", "bert");
        (dir, store)
    }

    fn method(client: &str) -> EamMethod {
        EamMethod {
            client_id: client.into(),
            app_id: "app".into(),
            tenants: vec!["t1".into(), "t2".into()],
            redirect_uri: "https://login.example/cb".into(),
            issuer_template: "https://login.example/{tenantid}/v2.0".into(),
            jwks_uri_template: "https://login.example/{tenantid}/keys".into(),
            created_at: 5,
        }
    }

    fn pending(hash: &str, client: &str, user: &str) -> PendingEam {
        PendingEam {
            id_hash: hash.into(),
            client_id: client.into(),
            redirect_uri: "https://login.example/cb".into(),
            state: Some("s".into()),
            nonce: "n".into(),
            sub: "sub".into(),
            acr_values: vec!["possessionorinherence".into(), "possession".into()],
            amr_values: Some(vec!["swk".into(), "fpt".into()]),
            request_id: "r1".into(),
            user: UserId::new(user),
            expires_at: 700,
        }
    }

    fn schema(path: &std::path::Path) -> Vec<(String, String)> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_version_6_database_migrates_keeps_its_rows_and_equals_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v6.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(include_str!("schema_v1.sql")).unwrap();
            conn.execute_batch(include_str!("schema_v2_oidc.sql")).unwrap();
            conn.execute_batch(include_str!("schema_v3_limits.sql")).unwrap();
            conn.execute_batch(include_str!("schema_v4_otp.sql")).unwrap();
            conn.execute_batch(include_str!("schema_v5_hot_paths.sql")).unwrap();
            conn.execute_batch(include_str!("schema_v6_recovery.sql")).unwrap();
            conn.execute("INSERT INTO users (id, name, created_at) VALUES ('u1', 'anna', 1)", [])
                .unwrap();
            conn.execute(
                "INSERT INTO oidc_clients (id, name, redirect_uris, post_logout_uris, id_token_alg, created_at)
                 VALUES ('app', 'App', '[\"https://a/cb\"]', '[]', 'RS256', 2)",
                [],
            )
            .unwrap();
            conn.pragma_update(None, "user_version", 6).unwrap();
        }
        #[cfg(unix)]
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .unwrap();
        let store = SqliteStore::open(&path).unwrap();
        assert!(store.user_by_name("anna").unwrap().is_some());
        assert_eq!(store.clients().unwrap().len(), 1);
        assert!(store.eam_methods().unwrap().is_empty());
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, super::super::SCHEMA_VERSION);
        let fresh = dir.path().join("new.db");
        drop(SqliteStore::open(&fresh).unwrap());
        assert_eq!(schema(&path), schema(&fresh), "a migrated file's schema is a new one's");
    }

    #[test]
    fn methods_round_trip_and_removal_takes_tenants_and_waiting_requests() {
        let (_dir, store) = store();
        assert!(store.add_eam_method(&method("entra")).unwrap());
        assert!(!store.add_eam_method(&method("entra")).unwrap(), "client id taken");
        assert_eq!(store.eam_method("entra").unwrap(), Some(method("entra")));
        assert!(store.add_eam_method(&method("entra2")).unwrap());
        assert_eq!(store.eam_methods().unwrap(), vec![method("entra"), method("entra2")]);
        store.add_eam_pending(&pending("p1", "entra", "u1"), 100).unwrap();
        assert_eq!(store.eam_pending("p1", 100).unwrap(), Some(pending("p1", "entra", "u1")));
        assert!(store.eam_pending("p1", 700).unwrap().is_none(), "expired");
        assert!(store.remove_eam_method("entra").unwrap());
        assert!(!store.remove_eam_method("entra").unwrap());
        assert!(store.eam_method("entra").unwrap().is_none());
        assert!(store.eam_pending("p1", 100).unwrap().is_none(), "its waiting request ended");
        assert_eq!(store.eam_method("entra2").unwrap().unwrap().tenants, ["t1", "t2"]);
    }

    #[test]
    fn an_entra_user_links_to_one_nyckel_user() {
        let (_dir, store) = store();
        let link = |user: &str| EamLink {
            tenant_id: "t1".into(),
            object_id: "oid".into(),
            user: UserId::new(user),
            created_at: 3,
        };
        assert_eq!(store.link_eam_user(&link("u1")).unwrap(), UserId::new("u1"));
        assert_eq!(store.link_eam_user(&link("u1")).unwrap(), UserId::new("u1"), "again");
        assert_eq!(store.link_eam_user(&link("u2")).unwrap(), UserId::new("u1"), "taken");
        assert_eq!(
            store.eam_linked_user("t1", "oid").unwrap(),
            Some((UserId::new("u1"), "anna".to_owned()))
        );
        assert!(store.eam_linked_user("t2", "oid").unwrap().is_none(), "per tenant");
        assert_eq!(store.eam_links_of(&UserId::new("u1")).unwrap(), vec![link("u1")]);
        store.add_eam_pending(&pending("p1", "entra", "u1"), 100).unwrap();
        assert!(!store.unlink_eam_user(&UserId::new("u2"), "t1", "oid").unwrap());
        assert!(store.unlink_eam_user(&UserId::new("u1"), "t1", "oid").unwrap());
        assert!(store.eam_linked_user("t1", "oid").unwrap().is_none());
        assert!(store.eam_pending("p1", 100).unwrap().is_none(), "unlinking ends its requests");
    }

    #[test]
    fn completing_needs_the_waiting_request_and_an_approved_sign_in_and_writes_nothing_else() {
        let (_dir, store) = store();
        store.add_eam_pending(&pending("p1", "entra", "u1"), 100).unwrap();
        // The sign-in request r1 does not exist (not approved): nothing is written.
        let clock = || 200;
        assert!(store
            .complete_eam("p1", &RequestId::new("r1"), &clock, &mut |_| unreachable!())
            .unwrap()
            .is_none());
        assert!(store.eam_pending("p1", 200).unwrap().is_some(), "rolled back");
        assert!(store
            .complete_eam("p1", &RequestId::new("other"), &clock, &mut |_| unreachable!())
            .unwrap()
            .is_none());
        assert!(store
            .complete_eam("nope", &RequestId::new("r1"), &clock, &mut |_| unreachable!())
            .unwrap()
            .is_none());
        store.end_eam_pending("p1").unwrap();
        assert!(store.eam_pending("p1", 200).unwrap().is_none());
    }
}
