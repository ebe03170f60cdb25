idgraph::lambda_main!(slashid_remove_group_person);
