idgraph::lambda_main!(Zato, zato_login::handle);
