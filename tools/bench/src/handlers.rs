//! Every HTTP function's handler by name, with its face: the in-process side of the benchmarks.
//! `every_function_is_listed` keeps this list equal to `functions/`.

use idgraph::faces::Face;
use idgraph::{App, Body, Request, Response};

macro_rules! handlers {
    ($($name:literal => $face:ident $krate:ident),* $(,)?) => {
        pub const FUNCTIONS: &[(&str, Face)] = &[$(($name, Face::$face)),*];

        /// Runs `name`'s handler exactly as its Lambda does (`runtime::respond`: own task, log line).
        pub async fn respond(name: &str, app: &'static App, req: Request) -> Option<Response<Body>> {
            Some(match name {
                $($name => idgraph::runtime::respond(app, Face::$face, $krate::handle, req).await,)*
                _ => return None,
            })
        }
    };
}

handlers! {
    "sailpoint-access-request" => SailPoint sailpoint_access_request,
    "sailpoint-assigned-identities" => SailPoint sailpoint_assigned_identities,
    "sailpoint-create-role" => SailPoint sailpoint_create_role,
    "sailpoint-delete-role" => SailPoint sailpoint_delete_role,
    "sailpoint-get-document" => SailPoint sailpoint_get_document,
    "sailpoint-get-role" => SailPoint sailpoint_get_role,
    "sailpoint-list-roles" => SailPoint sailpoint_list_roles,
    "sailpoint-patch-role" => SailPoint sailpoint_patch_role,
    "sailpoint-put-document" => SailPoint sailpoint_put_document,
    "sailpoint-token" => SailPoint sailpoint_token,
    "slashid-check-permission" => SlashId slashid_check_permission,
    "slashid-create-bucket" => SlashId slashid_create_bucket,
    "slashid-create-permission" => SlashId slashid_create_permission,
    "slashid-create-person" => SlashId slashid_create_person,
    "slashid-create-suborganization" => SlashId slashid_create_suborganization,
    "slashid-delete-bucket-attributes" => SlashId slashid_delete_bucket_attributes,
    "slashid-delete-bucket" => SlashId slashid_delete_bucket,
    "slashid-delete-permission" => SlashId slashid_delete_permission,
    "slashid-delete-person" => SlashId slashid_delete_person,
    "slashid-get-bucket-attributes" => SlashId slashid_get_bucket_attributes,
    "slashid-get-organization" => SlashId slashid_get_organization,
    "slashid-get-permission" => SlashId slashid_get_permission,
    "slashid-get-person-attributes" => SlashId slashid_get_person_attributes,
    "slashid-get-person-permissions" => SlashId slashid_get_person_permissions,
    "slashid-get-person" => SlashId slashid_get_person,
    "slashid-list-buckets" => SlashId slashid_list_buckets,
    "slashid-list-permissions" => SlashId slashid_list_permissions,
    "slashid-patch-bucket-attributes" => SlashId slashid_patch_bucket_attributes,
    "slashid-patch-permission" => SlashId slashid_patch_permission,
    "slashid-patch-person-attributes" => SlashId slashid_patch_person_attributes,
    "slashid-patch-person" => SlashId slashid_patch_person,
    "slashid-put-bucket-attributes" => SlashId slashid_put_bucket_attributes,
    "slashid-put-person-attributes" => SlashId slashid_put_person_attributes,
    "slashid-put-person-permissions" => SlashId slashid_put_person_permissions,
    "slashid-put-persons" => SlashId slashid_put_persons,
    "zato-approve-user" => Zato zato_approve_user,
    "zato-create-user-attr" => Zato zato_create_user_attr,
    "zato-create-user" => Zato zato_create_user,
    "zato-delete-user-attr" => Zato zato_delete_user_attr,
    "zato-delete-user" => Zato zato_delete_user,
    "zato-get-user-attr" => Zato zato_get_user_attr,
    "zato-get-user" => Zato zato_get_user,
    "zato-login" => Zato zato_login,
    "zato-logout" => Zato zato_logout,
    "zato-renew-session" => Zato zato_renew_session,
    "zato-set-user-attr" => Zato zato_set_user_attr,
    "zato-update-user-attr" => Zato zato_update_user_attr,
    "zato-user-attr-exists" => Zato zato_user_attr_exists,
    "zato-user-attr-names" => Zato zato_user_attr_names,
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
