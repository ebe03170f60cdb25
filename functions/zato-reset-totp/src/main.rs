idgraph::lambda_main!(zato_reset_totp);
