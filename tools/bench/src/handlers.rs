//! Every HTTP function's handler by name, with the face its crate's `handler!` names: the
//! in-process side of the benchmarks.
//! `every_function_is_listed` keeps this list equal to `functions/`.

use idgraph::faces::{Face, FaceApi};
use idgraph::{App, Body, Request, Response};

macro_rules! handlers {
    ($($name:literal => $krate:ident),* $(,)?) => {
        pub const FUNCTIONS: &[(&str, Face)] = &[$(($name, <$krate::Face as FaceApi>::FACE)),*];

        /// Runs `name`'s handler exactly as its Lambda does (`runtime::respond`: own task, log line).
        pub async fn respond(name: &str, app: &'static App, req: Request) -> Option<Response<Body>> {
            Some(match name {
                $($name => idgraph::runtime::respond(app, <$krate::Face as FaceApi>::FACE, $krate::handle, req).await,)*
                _ => return None,
            })
        }
    };
}

handlers! {
    "sailpoint-access-request" => sailpoint_access_request,
    "sailpoint-assigned-identities" => sailpoint_assigned_identities,
    "sailpoint-create-role" => sailpoint_create_role,
    "sailpoint-delete-role" => sailpoint_delete_role,
    "sailpoint-get-document" => sailpoint_get_document,
    "sailpoint-get-role" => sailpoint_get_role,
    "sailpoint-list-roles" => sailpoint_list_roles,
    "sailpoint-patch-role" => sailpoint_patch_role,
    "sailpoint-put-document" => sailpoint_put_document,
    "sailpoint-token" => sailpoint_token,
    "slashid-check-permission" => slashid_check_permission,
    "slashid-create-bucket" => slashid_create_bucket,
    "slashid-create-permission" => slashid_create_permission,
    "slashid-create-person" => slashid_create_person,
    "slashid-create-suborganization" => slashid_create_suborganization,
    "slashid-delete-bucket-attributes" => slashid_delete_bucket_attributes,
    "slashid-delete-bucket" => slashid_delete_bucket,
    "slashid-delete-permission" => slashid_delete_permission,
    "slashid-delete-person" => slashid_delete_person,
    "slashid-get-bucket-attributes" => slashid_get_bucket_attributes,
    "slashid-get-organization" => slashid_get_organization,
    "slashid-get-permission" => slashid_get_permission,
    "slashid-get-person-attributes" => slashid_get_person_attributes,
    "slashid-get-person-permissions" => slashid_get_person_permissions,
    "slashid-get-person" => slashid_get_person,
    "slashid-list-buckets" => slashid_list_buckets,
    "slashid-list-permissions" => slashid_list_permissions,
    "slashid-patch-bucket-attributes" => slashid_patch_bucket_attributes,
    "slashid-patch-permission" => slashid_patch_permission,
    "slashid-patch-person-attributes" => slashid_patch_person_attributes,
    "slashid-patch-person" => slashid_patch_person,
    "slashid-put-bucket-attributes" => slashid_put_bucket_attributes,
    "slashid-put-person-attributes" => slashid_put_person_attributes,
    "slashid-put-person-permissions" => slashid_put_person_permissions,
    "slashid-put-persons" => slashid_put_persons,
    "zato-approve-user" => zato_approve_user,
    "zato-create-user-attr" => zato_create_user_attr,
    "zato-create-user" => zato_create_user,
    "zato-delete-user-attr" => zato_delete_user_attr,
    "zato-delete-user" => zato_delete_user,
    "zato-get-user-attr" => zato_get_user_attr,
    "zato-get-user" => zato_get_user,
    "zato-login" => zato_login,
    "zato-logout" => zato_logout,
    "zato-renew-session" => zato_renew_session,
    "zato-set-user-attr" => zato_set_user_attr,
    "zato-update-user-attr" => zato_update_user_attr,
    "zato-user-attr-exists" => zato_user_attr_exists,
    "zato-user-attr-names" => zato_user_attr_names,
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_function_is_listed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../functions");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != "sailpoint-projector")
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = super::FUNCTIONS
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        listed.sort();
        assert_eq!(listed, on_disk);
    }
}
