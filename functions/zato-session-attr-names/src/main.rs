idgraph::lambda_main!(zato_session_attr_names);
