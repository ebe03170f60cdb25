idgraph::lambda_main!(Zato, zato_renew_session::handle);
