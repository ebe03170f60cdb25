idgraph::lambda_main!(Zato, zato_create_user_attr::handle);
