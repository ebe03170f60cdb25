idgraph::lambda_main!(SlashId, slashid_get_person_attributes::handle);
