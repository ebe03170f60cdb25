idgraph::lambda_main!(SailPoint, sailpoint_get_document::handle);
