idgraph::lambda_main!(SailPoint, sailpoint_patch_role::handle);
