idgraph::lambda_main!(zato_set_session_attr);
