idgraph::lambda_main!(zato_get_linked);
