idgraph::lambda_main!(Zato, zato_get_user::handle);
