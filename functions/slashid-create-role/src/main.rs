idgraph::lambda_main!(slashid_create_role);
