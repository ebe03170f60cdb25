//! One request per function, made from its `events/<function>.json` (the `sam local invoke`
//! events, valid against the demo seed). A request that would not mean the same thing twice —
//! a create of a unique name, a delete, a logout — gets fresh values, and whatever it acts on is
//! set up first through the API itself, outside any timing.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use idgraph::{App, Body, Request, Response};
use serde_json::{Value, json};

use crate::handlers;
use crate::scale::{DEMO_IDENTITY, DEMO_ORG};

const UST_PLACEHOLDER: &str = "replace-with-a-fresh-ust-from-zato-login";
const ZATO_ADMIN: (&str, &str) = ("admin", "admin-password-1");

pub type BenchError = Box<dyn std::error::Error + Send + Sync>;

pub struct Scenarios {
    app: &'static App,
    events: BTreeMap<String, Value>,
    ust: String,
    /// Distinguishes this run's fresh names from an earlier run's on the same table.
    run: String,
    next: AtomicU64,
}

/// The body of a response as JSON (`Null` when empty or not JSON).
pub fn body_json(resp: &Response<Body>) -> Value {
    match resp.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap_or(Value::Null),
        Body::Binary(b) => serde_json::from_slice(b).unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

pub fn request_of(event: &Value) -> Result<Request, BenchError> {
    Ok(lambda_http::request::from_str(&event.to_string())?)
}

impl Scenarios {
    /// Reads every event file and logs the Zato admin in (the session the Zato events use).
    pub async fn new(app: &'static App, events_dir: &Path) -> Result<Self, BenchError> {
        let mut events = BTreeMap::new();
        for entry in std::fs::read_dir(events_dir)? {
            let path = entry?.path();
            let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path)?;
                events.insert(name.to_owned(), serde_json::from_str(&text)?);
            }
        }
        let mut scenarios = Self {
            app,
            events,
            ust: String::new(),
            run: uuid::Uuid::new_v4().simple().to_string()[..8].to_owned(),
            next: AtomicU64::new(0),
        };
        scenarios.ust = scenarios.login().await?;
        scenarios.index_demo_documents().await?;
        Ok(scenarios)
    }

    /// With a search engine (`SEARCH_ENDPOINT`), puts the demo org's documents in it as the
    /// stream consumer would: the bench runs no stream, so the demo identity's document is
    /// projected here and the org's documents are copied in bulk.
    async fn index_demo_documents(&self) -> Result<(), BenchError> {
        let Some(engine) = &self.app.search else {
            return Ok(());
        };
        let org = idgraph::ids::OrgId::parse(DEMO_ORG)?;
        let person = idgraph::ids::PersonId::parse(DEMO_IDENTITY)?;
        idgraph::projection::project(
            &self.app.db,
            &idgraph::projection::Change::Identity {
                org: org.clone(),
                person,
            },
        )
        .await?;
        let items = self
            .app
            .db
            .scan_partitions(&[idgraph::keys::search_documents_prefix(&org)], 1)
            .await?;
        idgraph::indexer::reindex(engine, &items).await?;
        Ok(())
    }

    /// The HTTP functions that have an event file.
    pub fn functions(&self) -> Vec<&'static str> {
        handlers::FUNCTIONS
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| self.events.contains_key(*n))
            .collect()
    }

    fn unique(&self) -> String {
        format!("{}{}", self.run, self.next.fetch_add(1, Ordering::Relaxed))
    }

    async fn call(&self, name: &str, event: &Value) -> Result<Value, BenchError> {
        let resp = handlers::respond(name, self.app, request_of(event)?)
            .await
            .ok_or_else(|| format!("no handler {name}"))?;
        let body = body_json(&resp);
        if resp.status().is_success() && body.get("status") != Some(&json!("error")) {
            Ok(body)
        } else {
            Err(format!("set-up call {name} answered {}: {body}", resp.status()).into())
        }
    }

    async fn login(&self) -> Result<String, BenchError> {
        let mut event = self.raw("zato-login")?;
        with_body(&mut event, |b| {
            b["username"] = json!(ZATO_ADMIN.0);
            b["password"] = json!(ZATO_ADMIN.1);
        });
        let body = self.call("zato-login", &event).await?;
        Ok(body["ust"].as_str().ok_or("login without ust")?.to_owned())
    }

    /// `name`'s event as its file gives it (the Zato session filled in, a request id of its
    /// own), nothing set up.
    pub fn raw(&self, name: &str) -> Result<Value, BenchError> {
        let event = self
            .events
            .get(name)
            .ok_or_else(|| format!("no event file for {name}"))?;
        let text = event.to_string().replace(UST_PLACEHOLDER, &self.ust);
        let mut event: Value = serde_json::from_str(&text)?;
        // Each request its own id, as API Gateway gives it.
        event["requestContext"]["requestId"] = json!(uuid::Uuid::new_v4().to_string());
        Ok(event)
    }

    /// Creates, through the API, what the create function `create` makes with fresh values `u`;
    /// its answer.
    async fn set_up(&self, create: &str, u: &str) -> Result<Value, BenchError> {
        let mut event = self.raw(create)?;
        freshen(create, &mut event, u);
        self.call(create, &event).await
    }

    /// The event for one request of `name`, with anything it needs set up.
    pub async fn event(&self, name: &str) -> Result<Value, BenchError> {
        let mut event = self.raw(name)?;
        let u = self.unique();
        freshen(name, &mut event, &u);
        match name {
            "slashid-delete-person" => {
                let id = self.fresh_person(&u).await?;
                set_path(&mut event, "person_id", &id, &format!("/persons/{id}"));
            }
            "slashid-delete-permission" => {
                self.set_up("slashid-create-permission", &u).await?;
                let perm = permission_name(&u);
                let path = format!("/rbac/permissions/{perm}");
                set_path(&mut event, "permission_name", &perm, &path);
            }
            "slashid-delete-bucket" => {
                self.set_up("slashid-create-bucket", &u).await?;
                let bucket = bucket_name(&u);
                let path = format!("/organizations/attribute-buckets/{bucket}");
                set_path(&mut event, "bucket_name", &bucket, &path);
            }
            // Each deletion, and each key rotation, acts on a fresh sub-organization of the
            // demo org (whose key acts for it): the demo org and its key stay as they are.
            "slashid-delete-organization" | "slashid-rotate-api-key" => {
                let created = self.set_up("slashid-create-suborganization", &u).await?;
                let id = created["result"]["id"]
                    .as_str()
                    .ok_or("create suborganization without id")?;
                event["headers"]["slashid-orgid"] = json!(id);
            }
            "slashid-delete-role" => {
                self.set_up("slashid-create-role", &u).await?;
                let role = role_name(&u);
                set_path(
                    &mut event,
                    "role_name",
                    &role,
                    &format!("/rbac/roles/{role}"),
                );
            }
            "slashid-delete-group" => {
                self.set_up("slashid-create-group", &u).await?;
                let group = group_name(&u);
                set_path(
                    &mut event,
                    "group_name",
                    &group,
                    &format!("/groups/{group}"),
                );
            }
            "slashid-delete-handle" => {
                self.set_up("slashid-add-handles", &u).await?;
                let person = event["pathParameters"]["person_id"]
                    .as_str()
                    .ok_or("delete handle without person_id")?
                    .to_owned();
                let handle = format!("email_address:{}", handle_email(&u));
                let path = format!("/persons/{person}/handles/{handle}");
                set_path(&mut event, "handle", &handle, &path);
            }
            // A fresh person leaves a fresh group. The reference replays the captured removal
            // without its conditions, moving its group's count below zero: a group no other
            // event uses.
            "slashid-remove-group-person" => {
                let id = self.fresh_person(&u).await?;
                self.set_up("slashid-create-group", &u).await?;
                let group = group_name(&u);
                let mut add = self.raw("slashid-add-group-persons")?;
                set_path(
                    &mut add,
                    "group_name",
                    &group,
                    &format!("/groups/{group}/persons"),
                );
                with_body(&mut add, |b| b["persons"] = json!([id]));
                self.call("slashid-add-group-persons", &add).await?;
                let path = format!("/groups/{group}/persons/{id}");
                set_path(&mut event, "group_name", &group, &path);
                set_path(&mut event, "person_id", &id, &path);
            }
            "sailpoint-delete-role" => {
                let created = self.set_up("sailpoint-create-role", &u).await?;
                let id = created["id"].as_str().ok_or("create role without id")?;
                set_path(&mut event, "id", id, &format!("/v3/roles/{id}"));
            }
            // What a super-user does to a user, done to a fresh one: the demo user stays as it is.
            "zato-delete-user"
            | "zato-lock-user"
            | "zato-unlock-user"
            | "zato-reject-user"
            | "zato-change-password" => {
                let created = self.set_up("zato-create-user", &u).await?;
                let id = created["user_id"]
                    .as_str()
                    .ok_or("create user without user_id")?;
                with_body(&mut event, |b| b["user_id"] = json!(id));
            }
            "zato-delete-user-attr" | "zato-update-user-attr" => {
                self.set_up("zato-create-user-attr", &u).await?;
                with_body(&mut event, |b| b["name"] = json!(attr_name(&u)));
            }
            "zato-delete-session-attr" | "zato-update-session-attr" => {
                self.set_up("zato-create-session-attr", &u).await?;
                with_body(&mut event, |b| b["name"] = json!(attr_name(&u)));
            }
            "zato-delete-linked" => {
                self.set_up("zato-create-linked", &u).await?;
            }
            "zato-logout" => {
                let ust = self.login().await?;
                with_body(&mut event, |b| b["ust"] = json!(ust));
            }
            // The mailed token, read from the local outbox as the user reads their mail.
            "zato-confirm-signup" => {
                self.set_up("zato-signup", &u).await?;
                let token = mailed_token(&email_of(&u))?;
                with_body(&mut event, |b| b["confirm_token"] = json!(token));
            }
            "zato-access-password-reset" | "zato-complete-password-reset" => {
                let token = self.reset_token(&u).await?;
                with_body(&mut event, |b| b["token"] = json!(token));
                if name == "zato-complete-password-reset" {
                    let mut access = self.raw("zato-access-password-reset")?;
                    with_body(&mut access, |b| b["token"] = json!(token));
                    let key = self.call("zato-access-password-reset", &access).await?;
                    let key = key["reset_key"].as_str().ok_or("no reset_key")?.to_owned();
                    with_body(&mut event, |b| b["reset_key"] = json!(key));
                }
            }
            _ => {}
        }
        Ok(event)
    }

    /// A person made with fresh values `u`: its id.
    async fn fresh_person(&self, u: &str) -> Result<String, BenchError> {
        let created = self.set_up("slashid-create-person", u).await?;
        Ok(created["result"]["person_id"]
            .as_str()
            .ok_or("create person without person_id")?
            .to_owned())
    }

    /// A password reset token mailed for a fresh approved user with an email.
    async fn reset_token(&self, u: &str) -> Result<String, BenchError> {
        let created = self.set_up("zato-create-user", u).await?;
        let id = created["user_id"]
            .as_str()
            .ok_or("create user without user_id")?;
        let mut approve = self.raw("zato-approve-user")?;
        with_body(&mut approve, |b| b["user_id"] = json!(id));
        self.call("zato-approve-user", &approve).await?;
        let mut ask = self.raw("zato-request-password-reset")?;
        with_body(&mut ask, |b| b["credential"] = json!(format!("bench{u}")));
        self.call("zato-request-password-reset", &ask).await?;
        mailed_token(&email_of(u))
    }

    pub async fn request(&self, name: &str) -> Result<Request, BenchError> {
        request_of(&self.event(name).await?)
    }
}

/// The email `freshen` gives a user made with `u`.
fn email_of(u: &str) -> String {
    format!("bench{u}@example.com")
}

fn mailed_token(to: &str) -> Result<String, BenchError> {
    let dir = std::env::var("SSO_OUTBOX_DIR").map_err(|_| "SSO_OUTBOX_DIR is not set")?;
    idgraph::notify::outbox_token(Path::new(&dir), to)
        .ok_or_else(|| format!("no mail with a token to {to}").into())
}

fn role_name(u: &str) -> String {
    format!("bench-r{u}")
}
fn group_name(u: &str) -> String {
    format!("bench-g{u}")
}
fn handle_email(u: &str) -> String {
    format!("bench-h{u}@example.com")
}

fn permission_name(u: &str) -> String {
    format!("bench:p{u}")
}
fn bucket_name(u: &str) -> String {
    format!("bench_{u}")
}
fn attr_name(u: &str) -> String {
    format!("bench-{u}")
}

/// Gives the event of a create function names no earlier request used (`u` is unique).
fn freshen(name: &str, event: &mut Value, u: &str) {
    match name {
        "slashid-create-person" => with_body(event, |b| {
            b["handles"][0]["value"] = json!(format!("bench-{u}@example.com"))
        }),
        "slashid-create-permission" => with_body(event, |b| b["name"] = json!(permission_name(u))),
        "slashid-create-role" => with_body(event, |b| b["name"] = json!(role_name(u))),
        "slashid-create-group" => with_body(event, |b| b["name"] = json!(group_name(u))),
        "slashid-add-handles" => with_body(event, |b| {
            *b = json!([{"type": "email_address", "value": handle_email(u)}])
        }),
        // The CSV's one row gets handles no earlier row used.
        "slashid-bulk-import-persons" => {
            if let Some(body) = event["body"].as_str() {
                let body = body
                    .replace("ada@bulk.example", &format!("bench-b{u}@example.com"))
                    .replace("ada.bulk", &format!("bench.b{u}"));
                event["body"] = json!(body);
            }
        }
        "slashid-create-bucket" => with_body(event, |b| b["name"] = json!(bucket_name(u))),
        "slashid-create-suborganization" => with_body(event, |b| {
            b["sub_org_name"] = json!(format!("Bench Store {u}"));
            b["admins"][0]["value"] = json!(format!("admin-{u}@store.example"));
        }),
        "sailpoint-create-role" => {
            with_body(event, |b| b["name"] = json!(format!("Bench Role {u}")))
        }
        "zato-create-user" | "zato-signup" => with_body(event, |b| {
            b["username"] = json!(format!("bench{u}"));
            b["email"] = json!(email_of(u));
        }),
        "zato-create-user-attr" | "zato-create-session-attr" => {
            with_body(event, |b| b["name"] = json!(attr_name(u)))
        }
        // A definition links to one user only: each link, and the delete of it, its own.
        "zato-create-linked" | "zato-delete-linked" => {
            with_body(event, |b| b["auth_username"] = json!(format!("bench.{u}")))
        }
        _ => {}
    }
}

fn with_body(event: &mut Value, edit: impl FnOnce(&mut Value)) {
    let mut body: Value = event["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_else(|| json!({}));
    edit(&mut body);
    event["body"] = json!(body.to_string());
}

pub fn set_path(event: &mut Value, param: &str, value: &str, raw_path: &str) {
    event["pathParameters"][param] = json!(value);
    event["rawPath"] = json!(raw_path);
    event["requestContext"]["http"]["path"] = json!(raw_path);
}
