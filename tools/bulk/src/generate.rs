//! `generate`: a synthetic directory, the same for the same seed and sizes. Records stream out
//! in canonical order (what `export` writes), so a one-organization directory round-trips to
//! the identical file. Role members are the org's first persons: a role of N members needs N
//! persons, and roles of several sizes share them.

use std::io::Write;

use idgraph::auth::sha256_hex;
use idgraph::store::search::INDICES;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};

use crate::record::{Handle, Record, SsoAttribute};

#[derive(Debug, Clone)]
pub struct Spec {
    pub seed: u64,
    pub orgs: usize,
    /// Persons per org (raised to the largest role).
    pub persons: usize,
    /// Attributes per person, spread over the pool's read-write bucket and the org's own.
    pub attributes: usize,
    /// Catalog permissions per org; each person holds a few.
    pub permissions: usize,
    /// One role per size, per org.
    pub role_sizes: Vec<usize>,
    /// Documents per ingested index, per org.
    pub documents: usize,
    /// Zato SSO users of the first org.
    pub sso_users: usize,
    /// Where the API keys and Zato passwords come from.
    pub credentials: Credentials,
}

/// A directory's secrets. Derived from the seed, anyone who knows the seed can log in, which is
/// what tests and benchmarks want and a real table must never get; so the command line makes
/// them random unless it is given a seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    FromSeed,
    Random {
        api_keys: Vec<String>,
        sso_passwords: Vec<String>,
    },
}

impl Credentials {
    /// Fresh random secrets for `orgs` organizations and `sso_users` users.
    pub fn random(orgs: usize, sso_users: usize) -> Self {
        Self::Random {
            api_keys: (0..orgs)
                .map(|_| idgraph::store::orgs::new_api_key())
                .collect(),
            sso_passwords: (0..sso_users)
                .map(|_| idgraph::sso::crypto::random_token::<18>())
                .collect(),
        }
    }
}

impl Spec {
    pub fn persons_per_org(&self) -> usize {
        self.persons
            .max(self.role_sizes.iter().copied().max().unwrap_or(0))
    }
}

/// First names weighted roughly by frequency (earlier = commoner), a few beyond ASCII and in
/// odd case, so sorting and `sw` filters meet what real directories hold.
const FIRST: [&str; 40] = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Maria",
    "José",
    "Wei",
    "Fatima",
    "Aarav",
    "Olga",
    "Søren",
    "Zoë",
    "Łukasz",
    "Yuki",
    "Ngozi",
    "Mateo",
    "Amélie",
    "Ömer",
    "Ingrid",
    "de'Andre",
    "mcKenzie",
    "Ji-woo",
    "Ava",
    "Noah",
];
const LAST: [&str; 40] = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Nguyen",
    "Müller",
    "Kowalski",
    "O'Brien",
    "van der Berg",
    "Ivanova",
    "Yamamoto",
    "Okafor",
    "Haddad",
    "Dubois",
    "Rossi",
    "Øberg",
    "Çelik",
    "Kim",
    "Singh",
    "Chen",
    "d'Arcy",
    "MacLeod",
    "Åberg",
];
const DOMAINS: [&str; 6] = [
    "example.com",
    "example.org",
    "corp.example",
    "mail.example.net",
    "eu.example.com",
    "example.io",
];

/// An index drawn with a Zipf-like skew: common names are common.
fn skewed(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let u: f64 = rng.gen_range(0.0..1.0);
    ((u * u * n as f64) as usize).min(n - 1)
}

fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => Some(c.to_ascii_lowercase()),
            'é' | 'è' | 'É' => Some('e'),
            'ø' | 'Ø' | 'ö' | 'Ö' => Some('o'),
            'ü' | 'Ü' => Some('u'),
            'å' | 'Å' => Some('a'),
            'ł' | 'Ł' => Some('l'),
            'ç' | 'Ç' => Some('c'),
            _ => None,
        })
        .collect()
}

/// A person's identity fields as a directory holds them: skewed first and last names (a few
/// missing), an email and a username derived from them, unique by `i`.
pub struct Identity {
    pub name: Option<String>,
    pub email: String,
    pub username: String,
}

pub fn identity(rng: &mut ChaCha8Rng, i: usize) -> Identity {
    let first = FIRST[skewed(rng, FIRST.len())];
    let last = LAST[skewed(rng, LAST.len())];
    let domain = DOMAINS[skewed(rng, DOMAINS.len())];
    let handle = format!("{}.{}{i}", ascii_fold(first), ascii_fold(last));
    // A few identities without a display name: sorting must place nulls.
    let name = (rng.gen_range(0..50) != 0).then(|| format!("{first} {last}"));
    Identity {
        name,
        email: format!("{handle}@{domain}"),
        username: handle,
    }
}

pub fn org_id(spec: &Spec, o: usize) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", spec.seed as u32, o)
}
pub fn person_id(o: usize, i: usize) -> String {
    format!("g{o:03}p{i:09}")
}
pub fn role_id(o: usize, r: usize) -> String {
    format!("{o:08x}{r:024x}")
}
/// The plain API key of generated org `o` (the file carries only its SHA-256).
pub fn api_key(spec: &Spec, o: usize) -> String {
    match &spec.credentials {
        Credentials::FromSeed => format!("generated-key-{}-{o}", spec.seed),
        Credentials::Random { api_keys, .. } => api_keys[o].clone(),
    }
}

/// The plain password of generated Zato user `u` (the file carries only its hash).
pub fn sso_password(spec: &Spec, u: usize) -> String {
    match &spec.credentials {
        Credentials::FromSeed => format!("sso-password-{u}"),
        Credentials::Random { sso_passwords, .. } => sso_passwords[u].clone(),
    }
}

pub fn generate(spec: &Spec, out: &mut impl Write) -> std::io::Result<u64> {
    let mut written = 0u64;
    let mut emit = |r: Record, out: &mut dyn Write| -> std::io::Result<()> {
        written += 1;
        writeln!(out, "{}", r.to_line())
    };
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let persons = spec.persons_per_org();
    let mut permissions: Vec<String> = (0..spec.permissions)
        .map(|i| format!("app{}:perm{i:03}", i % 7))
        .collect();
    permissions.sort();

    for o in 0..spec.orgs {
        emit(
            Record::Organization {
                id: org_id(spec, o),
                name: format!("Generated Org {o}"),
                parent: None,
                shares_parent_pool: false,
                api_key: None,
                api_key_sha256: Some(sha256_hex(&api_key(spec, o))),
            },
            out,
        )?;
    }
    // Persons first (and SSO users' persons among them), then each later kind in turn: the
    // same rng draws in the same order make the same directory.
    let sso_person = |i: usize| format!("g000sso{i:06}");
    for o in 0..spec.orgs {
        let mut batch: Vec<Record> = Vec::new();
        for i in 0..persons {
            let Identity {
                name,
                email,
                username,
            } = identity(&mut rng, i);
            emit(
                Record::Person {
                    org: org_id(spec, o),
                    id: person_id(o, i),
                    active: rng.gen_range(0..20) != 0,
                    region: "us-iowa".into(),
                    name,
                    handles: vec![
                        Handle {
                            kind: "email_address".into(),
                            value: email,
                        },
                        Handle {
                            kind: "username".into(),
                            value: format!("{username}.o{o}"),
                        },
                    ],
                },
                out,
            )?;
        }
        if o == 0 {
            for u in 0..spec.sso_users {
                batch.push(Record::Person {
                    org: org_id(spec, 0),
                    id: sso_person(u),
                    active: true,
                    region: "us-iowa".into(),
                    name: Some(format!("SSO User {u}")),
                    handles: vec![Handle {
                        kind: "username".into(),
                        value: format!("sso.user{u}"),
                    }],
                });
            }
        }
        for r in batch {
            emit(r, out)?;
        }
    }
    for o in 0..spec.orgs {
        for i in 0..persons {
            if spec.attributes == 0 {
                break;
            }
            for bucket in ["end_user_read_write", "person_pool-end_user_read_write"] {
                let mut attrs = Map::new();
                for a in 0..spec.attributes {
                    if (a % 2 == 0) == (bucket == "person_pool-end_user_read_write") {
                        attrs.insert(format!("attr_{a:02}"), attribute_value(&mut rng, a));
                    }
                }
                if !attrs.is_empty() {
                    emit(
                        Record::Attributes {
                            org: org_id(spec, o),
                            person: person_id(o, i),
                            bucket: bucket.into(),
                            attributes: attrs,
                        },
                        out,
                    )?;
                }
            }
        }
    }
    for o in 0..spec.orgs {
        for p in &permissions {
            emit(
                Record::Permission {
                    org: org_id(spec, o),
                    name: p.clone(),
                    description: Some(format!("Generated permission {p}")),
                },
                out,
            )?;
        }
    }
    for o in 0..spec.orgs {
        if permissions.is_empty() {
            break;
        }
        for i in 0..persons {
            let k = rng.gen_range(0..4.min(permissions.len() + 1));
            let mut held: Vec<String> = permissions.choose_multiple(&mut rng, k).cloned().collect();
            held.sort();
            if !held.is_empty() {
                emit(
                    Record::PersonPermissions {
                        org: org_id(spec, o),
                        person: person_id(o, i),
                        permissions: held,
                    },
                    out,
                )?;
            }
        }
    }
    for o in 0..spec.orgs {
        for (r, size) in spec.role_sizes.iter().enumerate() {
            emit(
                Record::Role {
                    org: org_id(spec, o),
                    id: role_id(o, r),
                    role: role_doc(o, r, *size),
                },
                out,
            )?;
        }
    }
    for o in 0..spec.orgs {
        for (r, size) in spec.role_sizes.iter().enumerate() {
            for i in 0..*size {
                let sources = if rng.gen_range(0..10) == 0 {
                    vec!["ACCESS_REQUEST".to_owned(), "ROLE_MEMBERSHIP".to_owned()]
                } else {
                    vec!["ACCESS_REQUEST".to_owned()]
                };
                emit(
                    Record::Assignment {
                        org: org_id(spec, o),
                        role: role_id(o, r),
                        person: person_id(o, i),
                        sources,
                    },
                    out,
                )?;
            }
        }
    }
    for o in 0..spec.orgs {
        for index in INDICES.into_iter().filter(|i| !i.is_projection()) {
            for d in 0..spec.documents {
                let id = format!("{:08x}{:024x}", o, d);
                emit(
                    Record::Document {
                        org: org_id(spec, o),
                        index: index.as_str().into(),
                        doc: json!({
                            "id": id,
                            "_type": index.doc_type(),
                            "name": format!("{} {d}", index.doc_type()),
                            "description": format!("Generated {} number {d}", index.doc_type()),
                            "created": format!("2026-01-{:02}T00:00:00Z", 1 + d % 28),
                            "score": rng.gen_range(0..1000),
                        }),
                    },
                    out,
                )?;
            }
        }
    }
    for u in 0..spec.sso_users {
        let mut salt = [0u8; 16];
        rng.fill(&mut salt);
        let mut attributes = std::collections::BTreeMap::new();
        attributes.insert(
            "department".to_owned(),
            SsoAttribute {
                value: Some(json!(["Sales", "R&D", "Support"][u % 3])),
                sealed: None,
                expires_us: None,
            },
        );
        attributes.insert(
            "preferences".to_owned(),
            SsoAttribute {
                value: Some(json!({"theme": "dark", "rank": u})),
                sealed: None,
                expires_us: None,
            },
        );
        emit(
            Record::SsoUser {
                org: org_id(spec, 0),
                id: sso_person(u),
                username: format!("sso.user{u}"),
                password: None,
                password_hash: Some(idgraph::sso::crypto::hash_password_with_salt(
                    &sso_password(spec, u),
                    &salt,
                )),
                approved: u % 4 != 3,
                super_user: u == 0,
                locked: false,
                created: 1_780_000_000_000_000 + u as i64,
                approval_mod_by: "generate".into(),
                approval_mod_time: 1_780_000_000_000_000 + u as i64,
                profile: [("display_name".to_owned(), format!("SSO User {u}"))].into(),
                wrapped_key: String::new(),
                attributes,
            },
            out,
        )?;
    }
    Ok(written)
}

fn attribute_value(rng: &mut ChaCha8Rng, a: usize) -> Value {
    match a % 4 {
        0 => json!(rng.gen_range(0..100_000)),
        1 => json!(format!("value-{}", rng.gen_range(0..1_000_000))),
        2 => json!(rng.gen_range(0..2) == 1),
        _ => {
            json!({"street": format!("{} Main St", rng.gen_range(1..999)), "zip": format!("{:05}", rng.gen_range(0..99999))})
        }
    }
}

fn role_doc(o: usize, r: usize, size: usize) -> Value {
    json!({
        "name": format!("Generated Role {r} ({size} members)"),
        "description": format!("A generated role of org {o} with {size} members"),
        "owner": {"type": "IDENTITY", "id": "generated-owner", "name": "generated.owner"},
        "requestable": true,
        "enabled": true,
        "membership": null,
        "accessProfiles": [],
        "entitlements": [],
    })
}
