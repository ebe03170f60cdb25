idgraph::lambda_main!(zato_unlock_user);
