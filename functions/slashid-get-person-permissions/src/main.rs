idgraph::lambda_main!(SlashId, slashid_get_person_permissions::handle);
