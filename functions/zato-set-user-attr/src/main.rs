idgraph::lambda_main!(Zato, zato_set_user_attr::handle);
