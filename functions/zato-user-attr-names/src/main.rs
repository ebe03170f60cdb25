idgraph::lambda_main!(Zato, zato_user_attr_names::handle);
