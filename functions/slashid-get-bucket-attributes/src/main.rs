idgraph::lambda_main!(slashid_get_bucket_attributes);
