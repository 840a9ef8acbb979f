//! Where the metrics of a rollout are read. One implementation per file
//! (`prometheus.rs`), as Flagger's metric providers are; the checks of a
//! round (`metrics`) ask only this.

use futures::future::BoxFuture;

use crate::error::Result;

/// A metrics backend that answers a query with one number.
pub trait MetricProvider: Sync {
    /// The provider as the transcript names it when it cannot answer.
    fn name(&self) -> &'static str;

    /// The value of `query` now: `Ok(None)` when it yields no number (no
    /// data, 0/0 without traffic); the inner error when the provider could
    /// not be asked this time (out of reach: it may pass), the outer one
    /// when it refused the query (it will not).
    fn query<'a>(
        &'a self,
        query: &'a str,
    ) -> BoxFuture<'a, Result<std::result::Result<Option<f64>, String>>>;
}
