idgraph::lambda_main!(SlashId, slashid_list_buckets::handle);
