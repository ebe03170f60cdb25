idgraph::lambda_main!(slashid_delete_org_bucket_attributes);
