idgraph::lambda_main!(zato_get_session_attr);
