idgraph::lambda_main!(slashid_put_person_roles);
