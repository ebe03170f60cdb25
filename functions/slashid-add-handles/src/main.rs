idgraph::lambda_main!(slashid_add_handles);
