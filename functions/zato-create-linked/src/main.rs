idgraph::lambda_main!(zato_create_linked);
