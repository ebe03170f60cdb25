idgraph::lambda_main!(Zato, zato_user_attr_exists::handle);
