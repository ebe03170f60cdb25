idgraph::lambda_main!(SailPoint, sailpoint_access_request::handle);
