idgraph::lambda_main!(sailpoint_list_roles);
