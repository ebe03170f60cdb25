idgraph::lambda_main!(Zato, zato_approve_user::handle);
