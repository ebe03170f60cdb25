idgraph::lambda_main!(zato_user_attr_exists);
