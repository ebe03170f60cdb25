idgraph::lambda_main!(SlashId, slashid_patch_bucket_attributes::handle);
