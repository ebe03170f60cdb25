//! What an SDK failure means to the API layer: throttled (429), unavailable (503), a failed
//! condition (the caller decides), or our own fault. The decisions are pure functions of the
//! error codes DynamoDB sends, so they are tested here without a DynamoDB.

use std::fmt::Debug;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

use crate::error::StoreError;

/// Maps any SDK failure onto a `StoreError`.
pub fn classify<E: ProvideErrorMetadata + Debug, R: Debug>(e: &SdkError<E, R>) -> StoreError {
    match e {
        SdkError::ServiceError(se) => service_error(se.err().code(), se.err().message()),
        SdkError::TimeoutError(_) => StoreError::Unavailable("timed out".into()),
        SdkError::DispatchFailure(d) => StoreError::Unavailable(format!("dispatch failure: {d:?}")),
        SdkError::ResponseError(_) => StoreError::Unavailable("unreadable response".into()),
        other => StoreError::Internal(format!("{other:?}")),
    }
}

/// A TransactWriteItems failure: a cancelled transaction is classified by its reasons.
pub(super) fn classify_transaction<R: Debug>(
    e: SdkError<TransactWriteItemsError, R>,
) -> StoreError {
    if let SdkError::ServiceError(se) = &e
        && let TransactWriteItemsError::TransactionCanceledException(tc) = se.err()
    {
        let reasons: Vec<String> = tc
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().unwrap_or("None").to_owned())
            .collect();
        return cancelled(reasons);
    }
    classify(&e)
}

/// An error DynamoDB answered with, by its code.
fn service_error(code: Option<&str>, message: Option<&str>) -> StoreError {
    match code {
        Some(
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded",
        ) => StoreError::Throttled,
        Some("ConditionalCheckFailedException") => StoreError::ConditionFailed,
        Some("InternalServerError" | "ServiceUnavailable" | "ResourceNotFoundException") => {
            StoreError::Unavailable(format!("{code:?}"))
        }
        other => StoreError::Internal(format!("{other:?}: {message:?}")),
    }
}

/// A cancelled transaction, by the per-item reasons (`None` for the items that were fine).
/// Throttling anywhere makes it retryable (429); a conflict with another transaction means the
/// item changed under us, as a failed condition does; otherwise the caller reads the reasons
/// to learn which of its conditions failed.
fn cancelled(reasons: Vec<String>) -> StoreError {
    if reasons
        .iter()
        .any(|r| r.contains("Throttl") || r == "ProvisionedThroughputExceeded")
    {
        return StoreError::Throttled;
    }
    if reasons.iter().any(|r| r == "TransactionConflict") {
        return StoreError::ConditionFailed;
    }
    StoreError::TransactionCancelled(reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn a_throttled_item_makes_the_whole_transaction_throttled() {
        let e = cancelled(reasons(&[
            "None",
            "ConditionalCheckFailed",
            "ThrottlingError",
        ]));
        assert!(matches!(e, StoreError::Throttled), "{e:?}");
    }

    #[test]
    fn exceeded_provisioned_throughput_on_an_item_is_throttling() {
        let e = cancelled(reasons(&["ProvisionedThroughputExceeded", "None"]));
        assert!(matches!(e, StoreError::Throttled), "{e:?}");
    }

    #[test]
    fn a_conflict_with_another_transaction_is_a_failed_condition() {
        let e = cancelled(reasons(&["None", "TransactionConflict"]));
        assert!(matches!(e, StoreError::ConditionFailed), "{e:?}");
    }

    #[test]
    fn failed_conditions_keep_their_positions_for_the_caller() {
        let e = cancelled(reasons(&["None", "ConditionalCheckFailed"]));
        let StoreError::TransactionCancelled(r) = e else {
            panic!("not a cancellation: {e:?}");
        };
        assert_eq!(r, ["None", "ConditionalCheckFailed"]);
    }

    #[test]
    fn throttling_codes_are_throttled() {
        for code in [
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
        ] {
            assert!(
                matches!(service_error(Some(code), None), StoreError::Throttled),
                "{code}"
            );
        }
    }

    #[test]
    fn a_conditional_check_failure_outside_a_transaction_is_a_failed_condition() {
        let e = service_error(Some("ConditionalCheckFailedException"), Some("no"));
        assert!(matches!(e, StoreError::ConditionFailed), "{e:?}");
    }

    #[test]
    fn server_faults_and_a_missing_table_are_unavailable() {
        for code in [
            "InternalServerError",
            "ServiceUnavailable",
            "ResourceNotFoundException",
        ] {
            assert!(
                matches!(service_error(Some(code), None), StoreError::Unavailable(_)),
                "{code}"
            );
        }
    }

    #[test]
    fn a_refused_request_is_our_own_fault() {
        let e = service_error(Some("ValidationException"), Some("bad expression"));
        let StoreError::Internal(text) = e else {
            panic!("not internal: {e:?}");
        };
        assert!(text.contains("ValidationException") && text.contains("bad expression"));
    }
}
