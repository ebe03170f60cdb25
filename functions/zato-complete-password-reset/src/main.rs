idgraph::lambda_main!(zato_complete_password_reset);
