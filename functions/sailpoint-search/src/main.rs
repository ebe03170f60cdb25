idgraph::lambda_main!(sailpoint_search);
