idgraph::lambda_main!(slashid_put_bucket_attributes);
