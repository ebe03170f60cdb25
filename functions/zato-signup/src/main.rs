idgraph::lambda_main!(zato_signup);
