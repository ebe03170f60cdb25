idgraph::lambda_main!(SlashId, slashid_check_permission::handle);
