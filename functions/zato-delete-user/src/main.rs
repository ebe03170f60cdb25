idgraph::lambda_main!(Zato, zato_delete_user::handle);
