idgraph::lambda_main!(zato_update_user);
