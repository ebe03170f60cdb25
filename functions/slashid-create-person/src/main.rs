use idgraph::faces::Face;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), idgraph::app::BoxError> {
    idgraph::runtime::init_logging();
    let app = idgraph::App::from_env().await?;
    idgraph::runtime::serve(app, Face::SlashId, slashid_create_person::handle).await
}
