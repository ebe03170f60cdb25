idgraph::lambda_main!(zato_delete_linked);
