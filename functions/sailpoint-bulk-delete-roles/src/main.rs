idgraph::lambda_main!(sailpoint_bulk_delete_roles);
