idgraph::lambda_main!(zato_set_user_attr);
