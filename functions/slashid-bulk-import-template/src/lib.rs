//! `GET /persons/bulk-import` — SlashID's `GetPersonsBulkImport`: the CSV template of
//! `POST /persons/bulk-import`, its header row of the columns the import reads.

use idgraph::error::ApiError;
use idgraph::{App, Body, Request, Response, auth};

idgraph::handler!(SlashId, run);

/// The columns, in SlashID's documented order (`POST /persons/bulk-import` reads them by name).
const HEADER: &str = "\"slashid:emails\",\"slashid:phone_numbers\",\"slashid:usernames\",\"slashid:region\",\"slashid:groups\",\"slashid:attributes\"\r\n";

async fn run(app: &App, req: Request) -> Result<Response<Body>, ApiError> {
    auth::slashid(app, &req).await?;
    Ok(Response::builder()
        .status(200)
        .header("content-type", "text/csv")
        .header(
            "content-disposition",
            "attachment; filename=\"persons-bulk-import-template.csv\"",
        )
        .body(Body::Text(HEADER.to_owned()))
        .expect("status and headers are valid"))
}
