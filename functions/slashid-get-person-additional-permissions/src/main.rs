idgraph::lambda_main!(slashid_get_person_additional_permissions);
