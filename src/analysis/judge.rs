//! Pure parts of the analysis: queries from templates, and the judgement of
//! values against thresholds.

use super::Verdict;
use super::spec::{Metric, Provider};

/// What the templates may name.
#[derive(Debug, Clone)]
pub struct Context {
    pub namespace: String,
    pub contender: String,
    pub incumbent: String,
    /// The Services each version is reached through (Traefik counts
    /// requests by Service).
    pub contender_service: String,
    pub incumbent_service: String,
    pub provider: Provider,
    /// A Prometheus duration, e.g. `60s`.
    pub interval: String,
    /// Label matchers of the cluster's series (the clusters file's), added
    /// where a template says `{{labels}}`, as the built-in metrics do.
    pub labels: std::collections::BTreeMap<String, String>,
}

/// `{{labels}}`: `,name="value"` for each label, or nothing.
fn matchers(labels: &std::collections::BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(name, value)| {
            let value = value.replace('\\', "\\\\").replace('"', "\\\"");
            format!(",{name}=\"{value}\"")
        })
        .collect()
}

pub fn render(template: &str, ctx: &Context, workload: &str) -> String {
    let service = match workload == ctx.contender {
        true => &ctx.contender_service,
        false => &ctx.incumbent_service,
    };
    template
        .replace("{{service}}", service)
        .replace("{{namespace}}", &ctx.namespace)
        .replace("{{contender}}", &ctx.contender)
        .replace("{{incumbent}}", &ctx.incumbent)
        .replace("{{interval}}", &ctx.interval)
        .replace("{{workload}}", workload)
        .replace("{{labels}}", &matchers(&ctx.labels))
}

const REQUESTS: &str = r#"istio_requests_total{reporter="destination",destination_workload_namespace="{{namespace}}",destination_workload="{{workload}}"{{labels}}}"#;

/// Traefik names the service of a Gateway API backendRef
/// `NAMESPACE-SERVICE-http-PORT@kubernetesgateway`.
const TRAEFIK_SERVICE: &str =
    r#"service=~"{{namespace}}-{{service}}-http-[0-9]+@kubernetesgateway"{{labels}}"#;

/// The requests one version served, as the provider counts them.
fn requests(provider: Provider) -> String {
    match provider {
        Provider::Istio => REQUESTS.to_string(),
        Provider::Traefik => format!("traefik_service_requests_total{{{TRAEFIK_SERVICE}}}"),
    }
}

/// The built-in metrics, over the provider's standard metrics.
pub fn built_in(name: &str, provider: Provider) -> Option<String> {
    match provider {
        Provider::Istio => built_in_istio(name),
        Provider::Traefik => built_in_traefik(name),
    }
}

fn built_in_traefik(name: &str) -> Option<String> {
    let requests = requests(Provider::Traefik);
    match name {
        // Percent of requests that did not fail with a 5xx.
        "request-success-rate" => Some(format!(
            r#"100 * sum(rate(traefik_service_requests_total{{{TRAEFIK_SERVICE},code!~"5.."}}[{{{{interval}}}}])) / sum(rate({requests}[{{{{interval}}}}]))"#
        )),
        // The 99th percentile of request durations, in milliseconds.
        "request-duration" => Some(format!(
            r#"1000 * histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{{{TRAEFIK_SERVICE}}}[{{{{interval}}}}])) by (le))"#
        )),
        _ => None,
    }
}

fn built_in_istio(name: &str) -> Option<String> {
    match name {
        // Percent of requests that did not fail with a 5xx.
        "request-success-rate" => Some(
            r#"100 * sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{namespace}}",destination_workload="{{workload}}"{{labels}},response_code!~"5.."}[{{interval}}])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{{namespace}}",destination_workload="{{workload}}"{{labels}}}[{{interval}}]))"#
                .to_string(),
        ),
        // The 99th percentile of request durations, in milliseconds.
        "request-duration" => Some(
            r#"histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace="{{namespace}}",destination_workload="{{workload}}"{{labels}}}[{{interval}}])) by (le))"#
                .to_string(),
        ),
        _ => None,
    }
}

/// Requests the contender served within the interval: the minimum-sample
/// guard's measure.
pub fn samples_query(ctx: &Context) -> String {
    render(
        &format!(
            "sum(increase({}[{{{{interval}}}}]))",
            requests(ctx.provider)
        ),
        ctx,
        &ctx.contender,
    )
}

/// The query of a metric for one workload.
pub fn query(metric: &Metric, ctx: &Context, workload: &str) -> String {
    let template = metric
        .query
        .clone()
        .or_else(|| built_in(&metric.name, ctx.provider))
        .unwrap_or_default();
    render(&template, ctx, workload)
}

/// The threshold as people read it.
pub fn threshold(metric: &Metric) -> String {
    let base = if metric.relative { "incumbent" } else { "" };
    let bound = |op: &str, value: f64| match metric.relative {
        true if value >= 0.0 => format!("{op} {base} + {value}"),
        true => format!("{op} {base} - {}", -value),
        false => format!("{op} {value}"),
    };
    match (metric.min, metric.max) {
        (Some(min), Some(max)) => format!("{} and {}", bound(">=", min), bound("<=", max)),
        (Some(min), None) => bound(">=", min),
        (None, Some(max)) => bound("<=", max),
        (None, None) => "none".into(),
    }
}

/// Judges a metric: the contender's value (minus the incumbent's when
/// relative) against min and max. No value means no data yet.
pub fn judge(
    metric: &Metric,
    contender: Option<f64>,
    incumbent: Option<f64>,
) -> (Verdict, Option<f64>, String) {
    let value = match (metric.relative, contender, incumbent) {
        (false, Some(c), _) => c,
        (true, Some(c), Some(i)) => c - i,
        (true, Some(_), None) => {
            return (
                Verdict::Inconclusive,
                contender,
                "no value for the incumbent yet".into(),
            );
        }
        (_, None, _) => {
            return (
                Verdict::Inconclusive,
                None,
                "no value for the contender yet".into(),
            );
        }
    };
    let low = metric.min.is_some_and(|min| value < min);
    let high = metric.max.is_some_and(|max| value > max);
    let shown = match (metric.relative, incumbent) {
        (true, Some(i)) => format!(
            "contender {} vs incumbent {}",
            round(contender.unwrap_or_default()),
            round(i)
        ),
        _ => format!("{}", round(value)),
    };
    if low || high {
        (
            Verdict::Fail,
            contender,
            format!("{} is {shown}, outside {}", metric.name, threshold(metric)),
        )
    } else {
        (
            Verdict::Pass,
            contender,
            format!("{} is {shown}, within {}", metric.name, threshold(metric)),
        )
    }
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn metric(name: &str, min: Option<f64>, max: Option<f64>, relative: bool) -> Metric {
        Metric {
            name: name.into(),
            query: None,
            min,
            max,
            relative,
        }
    }

    pub fn ctx() -> Context {
        Context {
            namespace: "shop".into(),
            contender: "web-canary".into(),
            incumbent: "web".into(),
            contender_service: "web-canary".into(),
            incumbent_service: "web-svc".into(),
            provider: Provider::Istio,
            interval: "60s".into(),
            labels: Default::default(),
        }
    }

    #[test]
    fn traefiks_built_in_queries_name_each_versions_service() {
        let ctx = Context {
            provider: Provider::Traefik,
            ..ctx()
        };
        let rate = metric("request-success-rate", Some(99.0), None, false);
        assert_eq!(
            query(&rate, &ctx, "web-canary"),
            r#"100 * sum(rate(traefik_service_requests_total{service=~"shop-web-canary-http-[0-9]+@kubernetesgateway",code!~"5.."}[60s])) / sum(rate(traefik_service_requests_total{service=~"shop-web-canary-http-[0-9]+@kubernetesgateway"}[60s]))"#
        );
        // The incumbent's requests are counted by its own Service.
        assert!(
            query(&rate, &ctx, "web")
                .contains(r#"service=~"shop-web-svc-http-[0-9]+@kubernetesgateway""#),
            "{}",
            query(&rate, &ctx, "web")
        );
        assert_eq!(
            query(
                &metric("request-duration", None, Some(500.0), false),
                &ctx,
                "web-canary"
            ),
            r#"1000 * histogram_quantile(0.99, sum(rate(traefik_service_request_duration_seconds_bucket{service=~"shop-web-canary-http-[0-9]+@kubernetesgateway"}[60s])) by (le))"#
        );
        assert_eq!(
            samples_query(&ctx),
            r#"sum(increase(traefik_service_requests_total{service=~"shop-web-canary-http-[0-9]+@kubernetesgateway"}[60s]))"#
        );
        // A cluster's labels narrow them too.
        let mut ctx = ctx;
        ctx.labels.insert("cluster".into(), "eu-1".into());
        assert!(samples_query(&ctx).contains(r#"@kubernetesgateway",cluster="eu-1"}"#));
    }

    #[test]
    fn a_clusters_labels_narrow_every_series_it_reads() {
        let mut ctx = ctx();
        ctx.labels.insert("cluster".into(), "eu-1".into());
        ctx.labels.insert("odd".into(), r#"a"b\c"#.into());
        let q = query(
            &metric("request-success-rate", Some(99.0), None, false),
            &ctx,
            "web-canary",
        );
        let selector = r#"destination_workload="web-canary",cluster="eu-1",odd="a\"b\\c""#;
        assert_eq!(q.matches(selector).count(), 2, "{q}");
        assert!(
            samples_query(&ctx).contains(selector),
            "{}",
            samples_query(&ctx)
        );
        // A query of the analysis file takes them where it says {{labels}}.
        let mut own = metric("errors", None, Some(1.0), false);
        own.query = Some(r#"sum(rate(errors{app="{{workload}}"{{labels}}}[{{interval}}]))"#.into());
        assert_eq!(
            query(&own, &ctx, "web-canary"),
            r#"sum(rate(errors{app="web-canary",cluster="eu-1",odd="a\"b\\c"}[60s]))"#
        );
    }

    #[test]
    fn built_in_queries_name_the_workload_and_window() {
        let q = query(
            &metric("request-success-rate", Some(99.0), None, false),
            &ctx(),
            "web-canary",
        );
        assert_eq!(
            q,
            r#"100 * sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload="web-canary",response_code!~"5.."}[60s])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload="web-canary"}[60s]))"#
        );
        let q = query(
            &metric("request-duration", None, Some(500.0), false),
            &ctx(),
            "web-canary",
        );
        assert!(
            q.starts_with(
                "histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{"
            ),
            "{q}"
        );
        assert!(
            q.ends_with(r#"destination_workload="web-canary"}[60s])) by (le))"#),
            "{q}"
        );
        assert_eq!(
            samples_query(&ctx()),
            r#"sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="shop",destination_workload="web-canary"}[60s]))"#
        );
    }

    #[test]
    fn absolute_thresholds() {
        let cases = [
            (
                metric("request-success-rate", Some(99.0), None, false),
                Some(99.5),
                Verdict::Pass,
            ),
            (
                metric("request-success-rate", Some(99.0), None, false),
                Some(80.0),
                Verdict::Fail,
            ),
            (
                metric("request-duration", None, Some(500.0), false),
                Some(501.0),
                Verdict::Fail,
            ),
            (
                metric("request-duration", None, Some(500.0), false),
                None,
                Verdict::Inconclusive,
            ),
        ];
        for (m, value, verdict) in cases {
            assert_eq!(judge(&m, value, None).0, verdict, "{} {value:?}", m.name);
        }
        let (_, _, message) = judge(
            &metric("request-success-rate", Some(99.0), None, false),
            Some(80.0),
            None,
        );
        assert_eq!(message, "request-success-rate is 80, outside >= 99");
    }

    #[test]
    fn relative_thresholds_judge_the_contender_against_the_incumbent() {
        // Error rate at most the incumbent's plus one point.
        let errors = metric("error-rate", None, Some(1.0), true);
        assert_eq!(
            judge(&errors, Some(20.0), Some(19.5)).0,
            Verdict::Pass,
            "both equally bad"
        );
        assert_eq!(
            judge(&errors, Some(20.0), Some(2.0)).0,
            Verdict::Fail,
            "only the contender bad"
        );
        assert_eq!(judge(&errors, Some(20.0), None).0, Verdict::Inconclusive);
        let (_, _, message) = judge(&errors, Some(20.0), Some(2.0));
        assert_eq!(
            message,
            "error-rate is contender 20 vs incumbent 2, outside <= incumbent + 1"
        );
        assert_eq!(
            threshold(&metric("s", Some(-1.0), None, true)),
            ">= incumbent - 1"
        );
    }
}
