idgraph::lambda_main!(sailpoint_get_document);
