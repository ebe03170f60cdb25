idgraph::lambda_main!(Zato, zato_update_user_attr::handle);
