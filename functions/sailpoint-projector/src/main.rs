use idgraph::app::BoxError;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    idgraph::runtime::init_logging();
    let app: &'static idgraph::App = Box::leak(Box::new(idgraph::App::from_env().await?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<_, BoxError>(sailpoint_projector::handle(app, event.payload).await)
    }))
    .await
}
