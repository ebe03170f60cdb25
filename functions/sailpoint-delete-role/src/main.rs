idgraph::lambda_main!(SailPoint, sailpoint_delete_role::handle);
