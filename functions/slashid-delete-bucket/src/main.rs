idgraph::lambda_main!(SlashId, slashid_delete_bucket::handle);
