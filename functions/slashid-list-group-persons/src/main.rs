idgraph::lambda_main!(slashid_list_group_persons);
