idgraph::lambda_main!(zato_update_session_attr);
