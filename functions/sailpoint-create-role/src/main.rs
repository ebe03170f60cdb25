idgraph::lambda_main!(SailPoint, sailpoint_create_role::handle);
