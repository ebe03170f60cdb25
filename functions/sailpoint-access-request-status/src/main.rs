idgraph::lambda_main!(sailpoint_access_request_status);
