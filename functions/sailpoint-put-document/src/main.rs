idgraph::lambda_main!(SailPoint, sailpoint_put_document::handle);
