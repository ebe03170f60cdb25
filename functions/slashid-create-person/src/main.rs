idgraph::lambda_main!(SlashId, slashid_create_person::handle);
