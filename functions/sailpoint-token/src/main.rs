idgraph::lambda_main!(SailPoint, sailpoint_token::handle);
