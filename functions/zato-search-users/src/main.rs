idgraph::lambda_main!(zato_search_users);
