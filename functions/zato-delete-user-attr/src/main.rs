idgraph::lambda_main!(zato_delete_user_attr);
