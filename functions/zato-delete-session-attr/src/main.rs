idgraph::lambda_main!(zato_delete_session_attr);
