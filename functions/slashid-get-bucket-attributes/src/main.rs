idgraph::lambda_main!(SlashId, slashid_get_bucket_attributes::handle);
