idgraph::lambda_main!(sailpoint_delete_role);
