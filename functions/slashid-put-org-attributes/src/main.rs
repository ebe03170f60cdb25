idgraph::lambda_main!(slashid_put_org_attributes);
