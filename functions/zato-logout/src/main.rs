idgraph::lambda_main!(Zato, zato_logout::handle);
