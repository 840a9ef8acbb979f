//! Promotion: the remaining steps skipped. The contender carries all
//! traffic while the incumbent takes the new template; then traffic
//! returns to the incumbent and the contender goes.

use crate::connect::Connection;
use crate::engine::change::Change;
use crate::engine::observe::Observed;
use crate::engine::session::{Begin, Loaded, drive};
use crate::error::{Error, Result};
use crate::ops::executor;
use crate::rollout::record::Phase;

/// Promotes; the rollout as it left it.
pub async fn promote(
    conn: &Connection,
    name: &str,
    loaded: Loaded,
    change: &Change,
) -> Result<Option<Observed>> {
    let base = loaded.base();
    let Some(record) = loaded.record else {
        return Err(
            Error::invalid(format!("deployment {name:?} has no rollout in progress")).with_hint(
                format!("start one with `kubectl ramp start {name} --image IMAGE`"),
            ),
        );
    };
    let begin = match record.phase {
        Phase::Aborted | Phase::Idle => {
            return Err(Error::invalid(format!(
                "the rollout of {name:?} was aborted; there is nothing to promote"
            ))
            .with_hint(format!(
                "start a new one with `kubectl ramp start {name} --image IMAGE`"
            )));
        }
        // Already promoted, or its clean-up was interrupted: converge.
        Phase::Succeeded | Phase::Promoting => None,
        Phase::Progressing | Phase::Paused => {
            let mut next = record.clone();
            next.phase = Phase::Promoting;
            Some(Begin {
                record: next,
                reason: "Promoting",
                message: format!("promoting from step {}/{}", record.step, record.steps.len()),
                restore_first: false,
            })
        }
    };
    let executor = executor(conn, name, record, base, change);
    Ok(drive(executor, conn, name, "promote", begin).await?.view)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::engine::session::load;
    use crate::mock;
    use crate::rollout::record::tests::at_ten_percent;

    const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/shop/deployments";
    const ROUTE: &str = "/apis/networking.istio.io/v1/namespaces/shop/virtualservices/web";

    async fn promote_at_ten_percent() -> Result<(Vec<mock::Sent>, mock::Cluster)> {
        let (conn, server) = mock::connection("shop");
        let mut cluster = mock::Cluster::new(&mock::canary_at(&at_ten_percent()));
        let (outcome, sent) = mock::script(
            server,
            async {
                let loaded = load(&conn, "web").await?;
                promote(&conn, "web", loaded, &Change::default()).await
            },
            |s| cluster.answer(s),
        )
        .await;
        outcome?;
        Ok((sent, cluster))
    }

    #[test]
    fn a_promotion_sends_all_traffic_to_the_contender_before_the_incumbent_takes_its_template() {
        let (sent, cluster) = mock::run(promote_at_ten_percent()).unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<String> = sent.iter().map(mock::line).collect();
        let contender_service = "/api/v1/namespaces/shop/services/web-canary";
        assert_eq!(
            lines,
            [
                format!("WATCH {DEPLOYMENTS} web listing"),
                format!("WATCH {DEPLOYMENTS} web from 105"),
                // Drift: the contender, its Service and the route as ramp
                // left them.
                format!("GET {contender_service}"),
                format!("WATCH {DEPLOYMENTS} web-canary listing"),
                format!("GET {ROUTE}"),
                format!("WATCH {DEPLOYMENTS} web-canary from 105"),
                // The intent, then the contender at full size, then all
                // traffic to it.
                format!("PATCH {DEPLOYMENTS}/web"),
                format!("WATCH {DEPLOYMENTS} web from 106"),
                format!("PATCH {DEPLOYMENTS}/web-canary"),
                format!("WATCH {DEPLOYMENTS} web-canary from 107"),
                format!("PATCH {ROUTE}"),
                // Only then the incumbent takes the new template, and
                // traffic goes back to it once it runs.
                format!("PATCH {DEPLOYMENTS}/web"),
                format!("WATCH {DEPLOYMENTS} web from 109"),
                format!("PATCH {ROUTE}"),
                // The contender goes only after the routes left it.
                format!("DELETE {DEPLOYMENTS}/web-canary"),
                format!("WATCH {DEPLOYMENTS} web-canary from 111"),
                format!("DELETE {contender_service}"),
                format!("PATCH {DEPLOYMENTS}/web"),
                format!("WATCH {DEPLOYMENTS} web from 113"),
                "POST /apis/events.k8s.io/v1/namespaces/shop/events".to_string(),
            ]
        );
        let body = |i: usize| sent[i].body.clone().unwrap();
        assert_eq!(body(8), json!({"spec": {"replicas": 4}}));
        assert_eq!(
            body(10)[1]["value"][0]["route"],
            json!([{"destination": {"host": "web"}, "weight": 0},
                   {"destination": {"host": "web-canary"}, "weight": 100}])
        );
        // The template write is compared with the version last seen.
        assert_eq!(
            body(11)[0],
            json!({"op": "replace", "path": "/metadata/resourceVersion", "value": "106"})
        );
        // What the cluster holds afterwards: the incumbent runs the new
        // template, the route is as it was, ramp's objects are gone.
        let web = cluster.get(&format!("{DEPLOYMENTS}/web")).unwrap();
        assert_eq!(web["spec"]["template"], at_ten_percent().contender.template);
        assert_eq!(
            cluster.get(ROUTE).unwrap()["spec"]["http"][0]["route"],
            json!([{"destination": {"host": "web"}}])
        );
        assert!(cluster.get(&format!("{DEPLOYMENTS}/web-canary")).is_none());
        assert!(cluster.get(contender_service).is_none());
        let record: crate::rollout::record::Record = serde_json::from_str(
            web["metadata"]["annotations"][crate::rollout::record::ANNOTATION]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(record.phase, Phase::Succeeded);
        assert_eq!(record.held, None);
    }
}
