idgraph::lambda_main!(zato_list_sessions);
