idgraph::lambda_main!(slashid_patch_bucket_attributes);
