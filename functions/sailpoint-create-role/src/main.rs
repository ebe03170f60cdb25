idgraph::lambda_main!(sailpoint_create_role);
