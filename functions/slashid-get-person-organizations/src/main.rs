idgraph::lambda_main!(slashid_get_person_organizations);
