idgraph::lambda_main!(slashid_patch_role);
