idgraph::lambda_main!(slashid_list_suborganizations);
