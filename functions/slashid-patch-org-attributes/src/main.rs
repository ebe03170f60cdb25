idgraph::lambda_main!(slashid_patch_org_attributes);
