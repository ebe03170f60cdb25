idgraph::lambda_main!(SlashId, slashid_delete_permission::handle);
