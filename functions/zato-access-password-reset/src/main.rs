idgraph::lambda_main!(zato_access_password_reset);
