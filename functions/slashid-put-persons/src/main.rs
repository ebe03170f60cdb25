idgraph::lambda_main!(slashid_put_persons);
