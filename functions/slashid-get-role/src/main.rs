idgraph::lambda_main!(slashid_get_role);
