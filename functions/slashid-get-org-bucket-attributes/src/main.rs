idgraph::lambda_main!(slashid_get_org_bucket_attributes);
