idgraph::lambda_main!(zato_create_session_attr);
