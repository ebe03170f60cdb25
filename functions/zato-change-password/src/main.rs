idgraph::lambda_main!(zato_change_password);
