idgraph::lambda_main!(SlashId, slashid_create_suborganization::handle);
