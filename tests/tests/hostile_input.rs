//! Hostile input through the router, for a write (body) and a read (path and query) of each
//! face: oversized bodies, deep JSON nesting, invalid UTF-8, huge query strings, path traversal
//! and NUL in ids, query values and bodies. Each is a 4xx in the face's own format, never a 5xx.
//!
//! Bad input is a 400 in SlashID and SailPoint, and Zato's own 403 with `E008002` (or a more
//! specific code, such as `E001100` for a malformed `user_id`); a body over 1 MiB is a 413.

use integration_tests::{
    Api, DEMO_ROLE, Event, SailPoint, Tenant, Zato, app, read, router_url, slashid_error,
};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    SlashId,
    Zato,
    SailPoint,
}

const FACES: [Face; 3] = [Face::SlashId, Face::Zato, Face::SailPoint];

/// Credentials and the ids the requests name: a fresh tenant with a person, and a Zato UST.
struct Caller {
    tenant: Tenant,
    person: String,
    token: String,
    ust: String,
    zato_user: String,
}

impl Caller {
    async fn new() -> Self {
        let tenant = Tenant::create(app().await).await;
        let person = Api::of(&tenant).create_person().await;
        let token = SailPoint::token_for(&tenant.org, &["sp:scopes:all"]);
        // A user of its own, so that a write that wrongly succeeded touches no other test's data.
        let (zato_user, _, ust) = Zato::new().new_user().await;
        Self {
            tenant,
            person,
            token,
            ust,
            zato_user,
        }
    }

    /// A request with the face's credentials; Zato's travel in the query string, so that the
    /// body is the only thing under test.
    fn request(&self, face: Face, method: &str, path_and_query: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let client = reqwest::Client::new();
        match face {
            Face::SlashId => {
                let mut req = client.request(method, format!("{}{path_and_query}", router_url()));
                for (k, v) in self.tenant.headers() {
                    req = req.header(k, v);
                }
                req
            }
            Face::SailPoint => client
                .request(method, format!("{}{path_and_query}", router_url()))
                .bearer_auth(&self.token),
            Face::Zato => {
                let sep = if path_and_query.contains('?') {
                    '&'
                } else {
                    '?'
                };
                client.request(
                    method,
                    format!(
                        "{}{path_and_query}{sep}ust={}&current_app=CRM",
                        router_url(),
                        self.ust
                    ),
                )
            }
        }
    }

    /// The face's write endpoint, with `body` as its raw bytes.
    async fn write(&self, face: Face, body: Vec<u8>) -> Answer {
        let path = match face {
            Face::SlashId => format!("/persons/{}/permissions", self.person),
            Face::Zato => "/zato/sso/user/attr".into(),
            Face::SailPoint => "/v3/roles".into(),
        };
        let method = if face == Face::SlashId { "PUT" } else { "POST" };
        let req = self
            .request(face, method, &path)
            .header("content-type", "application/json")
            .body(body);
        Answer::of(face, req).await
    }

    /// The face's read endpoint, with `id` (already percent-encoded) in the path where the face
    /// takes one, and `query` appended.
    async fn read(&self, face: Face, id: &str, query: &str) -> Answer {
        let path = match face {
            Face::SlashId => format!("/persons/{id}/attributes?{query}"),
            Face::Zato => format!("/zato/sso/user/attr?user_id={id}&{query}"),
            Face::SailPoint => format!("/v3/roles/{id}/assigned-identities?{query}"),
        };
        Answer::of(face, self.request(face, "GET", &path)).await
    }

    /// The face's write endpoint run in-process, as Lambda runs it, with `body` as raw bytes.
    async fn write_in_process(
        &self,
        app: &'static idgraph::App,
        face: Face,
        body: &[u8],
    ) -> idgraph::Response<idgraph::Body> {
        use idgraph::faces::Face as Format;
        use idgraph::runtime::respond;
        match face {
            Face::SlashId => {
                let path = format!("/persons/{}/permissions", self.person);
                let event = Event::new("PUT", "/persons/{person_id}/permissions", &path)
                    .path_param("person_id", &self.person)
                    .headers(self.tenant.headers())
                    .header("content-type", "application/json")
                    .binary_body(body);
                respond(
                    app,
                    Format::SlashId,
                    slashid_put_person_permissions::handle,
                    event.build(),
                )
                .await
            }
            Face::Zato => {
                let event = Event::new("POST", "/zato/sso/user/attr", "/zato/sso/user/attr")
                    .query(&format!("ust={}&current_app=CRM", self.ust))
                    .header("content-type", "application/json")
                    .binary_body(body);
                respond(
                    app,
                    Format::Zato,
                    zato_create_user_attr::handle,
                    event.build(),
                )
                .await
            }
            Face::SailPoint => {
                let event = Event::new("POST", "/v3/roles", "/v3/roles")
                    .header("authorization", &format!("Bearer {}", self.token))
                    .header("content-type", "application/json")
                    .binary_body(body);
                respond(
                    app,
                    Format::SailPoint,
                    sailpoint_create_role::handle,
                    event.build(),
                )
                .await
            }
        }
    }

    fn own_id(&self, face: Face) -> String {
        match face {
            Face::SlashId => self.person.clone(),
            Face::Zato => self.zato_user.clone(),
            Face::SailPoint => DEMO_ROLE.into(),
        }
    }
}

/// What came back: status and JSON body (a non-JSON body fails the test: every face answers
/// JSON, errors included).
#[derive(Debug)]
struct Answer {
    face: Face,
    status: u16,
    body: Value,
}

impl Answer {
    async fn of(face: Face, req: reqwest::RequestBuilder) -> Self {
        let resp = req.send().await.expect("the router answers");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("a body");
        let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "{face:?}: {status} with a non-JSON body {:?}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            )
        });
        Self { face, status, body }
    }

    /// The face's answer to bad input.
    fn assert_bad_input(&self) {
        match self.face {
            Face::SlashId => {
                slashid_error(400, &self.body);
            }
            Face::SailPoint => {
                assert_eq!(self.status, 400, "{self:?}");
                assert_eq!(
                    self.body["detailCode"], "400.1 Bad Request Content",
                    "{self:?}"
                );
            }
            Face::Zato => {
                assert_eq!(self.status, 403, "{self:?}");
                assert_eq!(self.body["status"], "error", "{self:?}");
                let code = self.body["sub_status"][0].as_str().unwrap_or_default();
                assert!(["E008002", "E001100"].contains(&code), "{self:?}");
            }
        }
    }

    fn assert_too_large(&self) {
        assert_eq!(self.status, 413, "{self:?}");
        match self.face {
            Face::SlashId => {
                slashid_error(413, &self.body);
            }
            Face::SailPoint => {
                assert_eq!(self.body["detailCode"], "413 Payload Too Large", "{self:?}")
            }
            Face::Zato => assert_eq!(self.body["sub_status"], json!(["E008002"]), "{self:?}"),
        }
    }
}

/// A valid JSON document of `bytes` bytes for each face's write.
fn oversized(face: Face, bytes: usize) -> Vec<u8> {
    let filler = "x".repeat(bytes);
    let doc = match face {
        Face::SlashId => json!({"permissions": [], "filler": filler}),
        Face::Zato => json!({"name": "big", "value": filler}),
        Face::SailPoint => json!({"name": "big", "owner": {"id": "o"}, "description": filler}),
    };
    doc.to_string().into_bytes()
}

#[tokio::test]
async fn a_body_over_one_mib_is_a_413_in_each_face() {
    let caller = Caller::new().await;
    for face in FACES {
        caller
            .write(face, oversized(face, 2 * 1024 * 1024))
            .await
            .assert_too_large();
    }
}

#[tokio::test]
async fn json_nested_a_hundred_thousand_deep_is_bad_input_in_each_face() {
    let caller = Caller::new().await;
    let deep = "[".repeat(100_000).into_bytes();
    for face in FACES {
        caller.write(face, deep.clone()).await.assert_bad_input();
    }
}

/// A body that is not UTF-8 never reaches a handler through the local router, which answers its
/// own 500; API Gateway passes it base64-encoded, so the handlers get it as Lambda would.
#[tokio::test]
async fn a_body_that_is_not_utf8_is_bad_input_in_each_face() {
    let caller = Caller::new().await;
    let app = app().await;
    let mut body = b"{\"name\": \"".to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0xc0, 0x80]);
    body.extend_from_slice(b"\"}");
    for face in FACES {
        let (status, json) = read(&caller.write_in_process(app, face, &body).await);
        Answer {
            face,
            status,
            body: json,
        }
        .assert_bad_input();
    }
}

#[tokio::test]
async fn a_raw_nul_byte_in_a_body_is_bad_input_in_each_face() {
    let caller = Caller::new().await;
    for face in FACES {
        caller
            .write(face, b"{\"name\": \"a\0b\"}".to_vec())
            .await
            .assert_bad_input();
    }
}

#[tokio::test]
async fn an_escaped_nul_in_a_name_is_bad_input_in_each_face() {
    let caller = Caller::new().await;
    for (face, body) in [
        (Face::SlashId, json!({"permissions": ["demo\u{0}:read"]})),
        (Face::Zato, json!({"name": "a\u{0}b", "value": "v"})),
        (
            Face::SailPoint,
            json!({"name": "role\u{0}", "owner": {"type": "IDENTITY", "id": "o"}}),
        ),
    ] {
        caller
            .write(face, body.to_string().into_bytes())
            .await
            .assert_bad_input();
    }
}

#[tokio::test]
async fn an_escaped_nul_in_a_slashid_attribute_name_is_a_400() {
    let caller = Caller::new().await;
    let reply = Api::of(&caller.tenant)
        .put(
            &format!("/persons/{}/attributes/end_user_read_write", caller.person),
            &json!({"a\u{0}b": 1}),
        )
        .await;
    slashid_error(400, &reply.body);
}

#[tokio::test]
async fn path_traversal_in_an_id_is_bad_input_in_each_face() {
    let caller = Caller::new().await;
    for face in FACES {
        caller
            .read(face, "..%2F..%2Fetc%2Fpasswd", "")
            .await
            .assert_bad_input();
    }
}

#[tokio::test]
async fn a_nul_in_an_id_is_bad_input_in_each_face() {
    let caller = Caller::new().await;
    for face in FACES {
        let id = format!("{}%00", caller.own_id(face));
        caller.read(face, &id, "").await.assert_bad_input();
    }
}

#[tokio::test]
async fn a_nul_in_a_query_value_is_bad_input_in_each_face() {
    let caller = Caller::new().await;
    for (face, query) in [
        (Face::SlashId, "buckets=end_user_read_write%00"),
        (Face::Zato, "name=my%00attribute"),
        (Face::SailPoint, "sorters=name%00"),
    ] {
        let id = caller.own_id(face);
        caller.read(face, &id, query).await.assert_bad_input();
    }
}

#[tokio::test]
async fn a_query_that_is_not_utf8_is_bad_input_in_each_face() {
    let caller = Caller::new().await;
    for (face, query) in [
        (Face::SlashId, "buckets=%ff%fe"),
        (Face::Zato, "name=%ff%fe"),
        (Face::SailPoint, "sorters=%ff%fe"),
    ] {
        let id = caller.own_id(face);
        caller.read(face, &id, query).await.assert_bad_input();
    }
}

#[tokio::test]
async fn a_query_string_over_ten_kib_is_bad_input_in_each_face() {
    let caller = Caller::new().await;
    // Names a parameter each face reads, so that only the length is wrong.
    let long = "a".repeat(16 * 1024);
    for (face, key) in [
        (Face::SlashId, "buckets"),
        (Face::Zato, "name"),
        (Face::SailPoint, "sorters"),
    ] {
        let id = caller.own_id(face);
        caller
            .read(face, &id, &format!("{key}={long}"))
            .await
            .assert_bad_input();
    }
}
