idgraph::lambda_main!(zato_logout);
