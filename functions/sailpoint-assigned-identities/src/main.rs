idgraph::lambda_main!(sailpoint_assigned_identities);
