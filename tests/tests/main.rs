//! Every integration and end-to-end test, one module per area, in one binary: run one area
//! with `cargo test -p integration-tests --test integration <area>::`.

mod admin;
mod admission;
mod audit;
mod auth;
mod brute_force;
mod bulk;
mod faults;
mod hardening;
mod hostile_input;
mod log_secrets;
mod logging;
mod openapi_regressions;
mod permission_interleavings;
mod races;
mod request_costs;
mod router;
mod runtime;
mod sailpoint_access_requests;
mod sailpoint_assigned;
mod sailpoint_auth;
mod sailpoint_costs;
mod sailpoint_listing;
mod sailpoint_roles;
mod sailpoint_sdk;
mod sailpoint_search;
mod sailpoint_token_keys;
mod slashid_attributes;
mod slashid_permissions;
mod slashid_persons;
mod slashid_persons_http;
mod tenancy;
mod wiring;
mod zato_attributes;
mod zato_kms_kek;
mod zato_sessions;
