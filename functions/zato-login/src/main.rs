idgraph::lambda_main!(zato_login);
