//! `idgraph`: the shared library of every function — DynamoDB access, validation newtypes,
//! authentication and the error formats of the three API faces.

pub mod app;
pub mod attribute;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod config;
pub mod consistency;
pub mod db;
pub mod error;
pub mod faces;
pub mod filter;
pub mod fuzzing;
pub mod ids;
pub mod item;
pub mod jwt;
pub mod keys;
pub mod kms;
pub mod metrics;
pub mod permission;
pub mod person;
pub mod projection;
pub mod request;
pub mod role;
pub mod runtime;
pub mod sso;
pub mod store;

pub use app::App;
pub use lambda_http::{Body, Request, Response};
