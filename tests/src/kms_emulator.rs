//! A KMS emulator on loopback, for in-process tests of the SailPoint token keys as they run in
//! AWS: the two operations the functions call (`Sign`, `GetPublicKey`) over KMS's JSON 1.1
//! protocol, with real P-256 keys. ring signs in ASN.1 DER, which is what KMS's `Sign` returns,
//! and public keys are DER SubjectPublicKeyInfo, as `GetPublicKey` returns them. It counts the
//! calls, so a test can say how often a function asked, and it can fail as KMS does.
//!
//! There is no KMS in the local stack (its counterpart there is a local key); this stands in
//! for it only where a test must exercise the KMS code path itself.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use idgraph::jwt::KmsKeyRef;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::fault_proxy::read_request;

/// How the emulator answers from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KmsFault {
    None,
    /// Closes the connection unanswered, as an unreachable KMS does.
    Down,
    /// `ThrottlingException`.
    Throttle,
}

struct EmulatedKey {
    pair: EcdsaKeyPair,
    /// What GetPublicKey reports the key to be.
    spec: &'static str,
    usage: &'static str,
}

#[derive(Default)]
struct State {
    keys: Mutex<HashMap<String, Arc<EmulatedKey>>>,
    fault: Mutex<Option<KmsFault>>,
    signs: AtomicUsize,
    public_key_reads: Mutex<HashMap<String, usize>>,
}

pub struct KmsEmulator {
    port: u16,
    state: Arc<State>,
}

const ACCOUNT_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/";

impl KmsEmulator {
    /// An emulator on a free loopback port, holding no keys yet.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
        let port = listener.local_addr().expect("an address").port();
        let state = Arc::new(State::default());
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Self { port, state }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A new ECC_NIST_P256 SIGN_VERIFY key, named by its ARN.
    pub fn new_signing_key(&self) -> KmsKeyRef {
        self.new_key("ECC_NIST_P256", "SIGN_VERIFY")
    }

    /// A key that GetPublicKey reports as `spec` for `usage` while it signs (and its point is)
    /// P-256: a verifier that did not check the report would trust it.
    pub fn new_key(&self, spec: &'static str, usage: &'static str) -> KmsKeyRef {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("a key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .expect("ring reads its own key");
        let id = uuid::Uuid::new_v4().to_string();
        let key = EmulatedKey { pair, spec, usage };
        self.state
            .keys
            .lock()
            .expect("keys lock")
            .insert(id.clone(), Arc::new(key));
        KmsKeyRef::parse(&format!("{ACCOUNT_ARN}{id}")).expect("an emulated key ARN")
    }

    pub fn inject(&self, fault: KmsFault) {
        *self.state.fault.lock().expect("fault lock") = Some(fault);
    }

    /// Sign calls answered with a signature.
    pub fn signs(&self) -> usize {
        self.state.signs.load(Ordering::SeqCst)
    }

    /// GetPublicKey calls about `key`, answered or not.
    pub fn public_key_reads(&self, key: &KmsKeyRef) -> usize {
        let reads = self.state.public_key_reads.lock().expect("reads lock");
        reads.get(key.kid().as_str()).copied().unwrap_or(0)
    }

    /// GetPublicKey calls about any key.
    pub fn all_public_key_reads(&self) -> usize {
        let reads = self.state.public_key_reads.lock().expect("reads lock");
        reads.values().sum()
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut buf = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buf).await {
        let target = request
            .headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("x-amz-target"))
            .map(|(_, value)| String::from_utf8_lossy(value).into_owned())
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let key_id = body["KeyId"]
            .as_str()
            .map(|k| k.rsplit('/').next().unwrap_or(k).to_owned())
            .unwrap_or_default();
        if target == "TrentService.GetPublicKey" {
            *state
                .public_key_reads
                .lock()
                .expect("reads lock")
                .entry(key_id.clone())
                .or_default() += 1;
        }
        let fault = *state.fault.lock().expect("fault lock");
        let (status, answer) = match fault {
            Some(KmsFault::Down) => return,
            Some(KmsFault::Throttle) => error(400, "ThrottlingException", "Rate exceeded"),
            Some(KmsFault::None) | None => answer(&state, &target, &key_id, &body),
        };
        let text = answer.to_string();
        let response = format!(
            "HTTP/1.1 {status} {}\r\ncontent-type: application/x-amz-json-1.1\r\n\
             x-amzn-requestid: kms-emulator\r\ncontent-length: {}\r\n\r\n{text}",
            if status == 200 { "OK" } else { "Error" },
            text.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (status, json!({"__type": code, "message": message}))
}

fn answer(state: &State, target: &str, key_id: &str, body: &Value) -> (u16, Value) {
    let key = state.keys.lock().expect("keys lock").get(key_id).cloned();
    let Some(key) = key else {
        return error(400, "NotFoundException", "Key does not exist");
    };
    let arn = format!("{ACCOUNT_ARN}{key_id}");
    match target {
        "TrentService.GetPublicKey" => {
            let point = key.pair.public_key().as_ref();
            let spki = [&SPKI_PREFIX[..], point].concat();
            (
                200,
                json!({
                    "KeyId": arn,
                    "PublicKey": STANDARD.encode(spki),
                    "KeySpec": key.spec,
                    "CustomerMasterKeySpec": key.spec,
                    "KeyUsage": key.usage,
                    "SigningAlgorithms": ["ECDSA_SHA_256"],
                }),
            )
        }
        "TrentService.Sign" => {
            if body["MessageType"] != "RAW" || body["SigningAlgorithm"] != "ECDSA_SHA_256" {
                return error(
                    400,
                    "ValidationException",
                    "unexpected message type or algorithm",
                );
            }
            let Some(message) = body["Message"]
                .as_str()
                .and_then(|m| STANDARD.decode(m).ok())
            else {
                return error(400, "ValidationException", "no message");
            };
            let der = key
                .pair
                .sign(&SystemRandom::new(), &message)
                .expect("ring signs");
            state.signs.fetch_add(1, Ordering::SeqCst);
            (
                200,
                json!({
                    "KeyId": arn,
                    "Signature": STANDARD.encode(der.as_ref()),
                    "SigningAlgorithm": "ECDSA_SHA_256",
                }),
            )
        }
        other => error(400, "UnknownOperationException", other),
    }
}

/// A P-256 SubjectPublicKeyInfo's DER before its point (id-ecPublicKey, prime256v1).
const SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
