idgraph::lambda_main!(zato_confirm_signup);
