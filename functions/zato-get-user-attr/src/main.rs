idgraph::lambda_main!(Zato, zato_get_user_attr::handle);
