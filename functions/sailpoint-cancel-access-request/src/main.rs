idgraph::lambda_main!(sailpoint_cancel_access_request);
