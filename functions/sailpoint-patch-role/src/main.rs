idgraph::lambda_main!(sailpoint_patch_role);
