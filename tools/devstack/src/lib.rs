//! The local stack's table and demo data, from the same sources as production: the table is
//! built from template.yaml's `Table` resource, and the seed goes through the shared library's
//! store functions, exactly as the API writes.

pub mod seed;
pub mod table;
pub mod tokens;
