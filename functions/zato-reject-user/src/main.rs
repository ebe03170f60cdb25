idgraph::lambda_main!(zato_reject_user);
