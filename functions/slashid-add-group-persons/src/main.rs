idgraph::lambda_main!(slashid_add_group_persons);
