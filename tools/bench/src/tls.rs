//! The TLS terminator the lambda section puts in front of DynamoDB Local: it accepts TLS on a
//! loopback port with a certificate chain of the local CA (`bench/run` makes it with the openssl
//! CLI: root, intermediate and a leaf for `localhost`, RSA 2048 as DynamoDB's are) and copies
//! the plaintext to DynamoDB Local. rustls on ring, the functions' own TLS stack; HTTP/1.1, as
//! the SDK speaks to DynamoDB.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::scenarios::BenchError;

pub async fn serve(
    listen: SocketAddr,
    upstream: SocketAddr,
    chain: &Path,
    key: &Path,
) -> Result<(), BenchError> {
    if !listen.ip().is_loopback() || !upstream.ip().is_loopback() {
        return Err("the TLS terminator listens and forwards on loopback only".into());
    }
    let certs = CertificateDer::pem_file_iter(chain)
        .map_err(|e| format!("reading {}: {e}", chain.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("reading {}: {e}", chain.display()))?;
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| format!("reading {}: {e}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind(listen).await?;
    eprintln!("tls-proxy: https on {listen}, forwarding to {upstream}");
    loop {
        let (stream, _) = listener.accept().await?;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let Ok(mut tls) = acceptor.accept(stream).await else {
                return;
            };
            let Ok(mut plain) = TcpStream::connect(upstream).await else {
                return;
            };
            let _ = plain.set_nodelay(true);
            let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
        });
    }
}
