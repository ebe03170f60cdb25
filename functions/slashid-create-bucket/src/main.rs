idgraph::lambda_main!(SlashId, slashid_create_bucket::handle);
