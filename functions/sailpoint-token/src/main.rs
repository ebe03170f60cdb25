idgraph::lambda_main!(sailpoint_token);
