idgraph::lambda_main!(SlashId, slashid_get_permission::handle);
