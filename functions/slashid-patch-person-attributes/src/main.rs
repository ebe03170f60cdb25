idgraph::lambda_main!(slashid_patch_person_attributes);
