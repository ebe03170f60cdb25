idgraph::lambda_main!(zato_lock_user);
