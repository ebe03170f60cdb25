//! `idgraph`: the shared library of every function — DynamoDB access, validation newtypes,
//! authentication and the error formats of the three API faces.

// The module map, bottom up. A module imports only from its own layer or below, and no two
// import each other (scripts/layers.py checks both in make test).

// Values: newtypes and plain data, parsed at the edge; they know nothing of storage or HTTP.
pub mod access_request;
pub mod attribute;
pub mod audit;
pub mod cache;
pub mod context;
pub mod digest;
pub mod error;
pub mod filter;
pub mod ids;
pub mod jwt;
pub mod keys;
pub mod kms;
pub mod metrics;
pub mod org;
pub mod permission;
pub mod person;
pub mod person_filter;
pub mod request;
pub mod role;
pub mod role_listing;
pub mod search_aggregation;
pub mod search_body;
pub mod search_dsl;
pub mod search_mapping;
pub mod search_query;
pub mod search_request;

// Storage: DynamoDB access and the store, one module per aggregate (with `keys` above, every
// key shape).
pub mod config;
pub mod db;
pub mod item;
pub mod store;

// Services: the app (clients, caches), authentication, consistency waits, projections, and
// the Zato SSO domain (`sso`; its inputs, errors and times are values, its crypto storage).
pub mod app;
pub mod auth;
pub mod consistency;
pub mod indexer;
pub mod notify;
pub mod projection;
pub mod sso;

// Faces: each product's formats and its one error-mapping module.
pub mod faces;

// Entry points: the Lambda request loop, and the fuzz targets.
pub mod fuzzing;
pub mod runtime;

pub use app::App;
pub use lambda_http::{Body, Request, Response};
