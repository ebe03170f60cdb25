idgraph::lambda_main!(Zato, zato_delete_user_attr::handle);
