idgraph::lambda_main!(SlashId, slashid_patch_person::handle);
