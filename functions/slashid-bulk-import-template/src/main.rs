idgraph::lambda_main!(slashid_bulk_import_template);
