idgraph::lambda_main!(slashid_rotate_api_key);
