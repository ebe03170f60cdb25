idgraph::lambda_main!(slashid_put_org_bucket_attributes);
