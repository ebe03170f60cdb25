idgraph::lambda_main!(SailPoint, sailpoint_list_roles::handle);
