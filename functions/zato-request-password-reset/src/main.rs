idgraph::lambda_main!(zato_request_password_reset);
