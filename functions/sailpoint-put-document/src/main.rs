idgraph::lambda_main!(sailpoint_put_document);
