idgraph::lambda_main!(SlashId, slashid_put_bucket_attributes::handle);
