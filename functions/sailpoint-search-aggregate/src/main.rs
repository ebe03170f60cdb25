idgraph::lambda_main!(sailpoint_search_aggregate);
