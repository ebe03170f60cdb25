idgraph::lambda_main!(slashid_delete_organization);
