idgraph::lambda_main!(SlashId, slashid_put_person_permissions::handle);
