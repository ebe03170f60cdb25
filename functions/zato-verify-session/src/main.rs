idgraph::lambda_main!(zato_verify_session);
