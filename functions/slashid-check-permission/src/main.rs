idgraph::lambda_main!(slashid_check_permission);
