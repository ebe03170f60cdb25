idgraph::lambda_main!(zato_approve_user);
