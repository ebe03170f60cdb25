idgraph::lambda_main!(SlashId, slashid_put_persons::handle);
