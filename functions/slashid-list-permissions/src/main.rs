idgraph::lambda_main!(SlashId, slashid_list_permissions::handle);
