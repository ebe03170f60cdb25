idgraph::lambda_main!(SailPoint, sailpoint_assigned_identities::handle);
