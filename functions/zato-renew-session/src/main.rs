idgraph::lambda_main!(zato_renew_session);
