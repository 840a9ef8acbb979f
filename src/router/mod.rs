//! Routers: how a traffic split between the incumbent and the contender is
//! applied. One file per router; this module holds what they share.
//!
//! - `istio`: the weights of the VirtualService HTTP routes that send to the
//!   incumbent's host (request-level precision).
//! - `gateway-api`: the weights of the HTTPRoute backendRefs that send to the
//!   incumbent's Service.
//! - `replicas`: no mesh; the split is the ratio of ready pods behind one
//!   Service.

pub mod gateway_api;
pub mod istio;
pub mod replicas;
pub mod weights;

use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::ApiResource;
use serde::Serialize;

use crate::connect::Connection;
use crate::error::{self, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouterKind {
    Istio,
    GatewayApi,
    Replicas,
}

impl RouterKind {
    /// How the router's objects are read and written; `None` for the
    /// replicas router, which has no routes.
    pub fn flavor(self) -> Option<&'static weights::Flavor> {
        match self {
            RouterKind::Istio => Some(&istio::FLAVOR),
            RouterKind::GatewayApi => Some(&gateway_api::FLAVOR),
            RouterKind::Replicas => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RouterKind::Istio => "istio",
            RouterKind::GatewayApi => "gateway-api",
            RouterKind::Replicas => "replicas",
        }
    }
}

/// A Kubernetes Service, by name and namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRef {
    pub name: String,
    pub namespace: String,
}

/// Which version a backend of a route sends to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Version {
    Incumbent,
    Contender,
    /// A backend ramp does not manage (another service).
    Other,
}

/// One backend of a route with its weight as written in the object and as a
/// share of the route's traffic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backend {
    /// The destination as the object writes it: an Istio host (with
    /// `/subset` when one is set) or a Service name.
    pub destination: String,
    pub version: Version,
    pub weight: u32,
    pub percent: f64,
}

/// One route (a VirtualService HTTP route, an HTTPRoute rule) that sends to
/// the incumbent, with its current weights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteWeights {
    /// `VirtualService` or `HTTPRoute`.
    pub kind: &'static str,
    /// The object's name.
    pub object: String,
    /// The route's name, or its position (`http[0]`, `rules[1]`).
    pub route: String,
    pub backends: Vec<Backend>,
}

impl RouteWeights {
    /// The share of this route's traffic that goes to one version.
    pub fn percent_to(&self, version: Version) -> f64 {
        self.backends
            .iter()
            .filter(|b| b.version == version)
            // Not `sum()`: an empty f64 sum is -0.0, which prints as "-0%".
            .fold(0.0, |total, b| total + b.percent)
    }
}

/// What the cluster routes to a Deployment's Service: the router that
/// applies and the routes it would manage.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    pub router: RouterKind,
    pub routes: Vec<RouteWeights>,
}

/// Finds what routes traffic to `incumbent`: Istio VirtualServices first,
/// then Gateway API HTTPRoutes, else the replicas router.
pub async fn discover(
    conn: &Connection,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Result<Routing> {
    let vs = istio::virtual_service_resource();
    let routes = routes_to(conn, &vs, incumbent, contender, istio::http_routes_to).await?;
    if !routes.is_empty() {
        return Ok(Routing {
            router: RouterKind::Istio,
            routes,
        });
    }
    let http_route = gateway_api::http_route_resource();
    let routes = routes_to(
        conn,
        &http_route,
        incumbent,
        contender,
        gateway_api::rules_to,
    )
    .await?;
    if !routes.is_empty() {
        return Ok(Routing {
            router: RouterKind::GatewayApi,
            routes,
        });
    }
    Ok(Routing {
        router: RouterKind::Replicas,
        routes: Vec::new(),
    })
}

/// What a rollout's recorded routes look like now: only the objects the
/// record names are read (one GET each, together), not every route of the
/// namespace.
pub async fn recorded(
    conn: &Connection,
    kind: RouterKind,
    objects: &[String],
    incumbent: &ServiceRef,
    contender: &ServiceRef,
) -> Result<Routing> {
    let (resource, routes_of): (ApiResource, RoutesOf) = match kind {
        RouterKind::Istio => (istio::virtual_service_resource(), istio::http_routes_to),
        RouterKind::GatewayApi => (gateway_api::http_route_resource(), gateway_api::rules_to),
        RouterKind::Replicas => {
            return Ok(Routing {
                router: kind,
                routes: Vec::new(),
            });
        }
    };
    let api: Api<DynamicObject> =
        Api::namespaced_with(conn.client.clone(), &incumbent.namespace, &resource);
    let mut names: Vec<&String> = objects.iter().collect();
    names.dedup();
    let read = futures::future::join_all(names.iter().map(|name| api.get_opt(name))).await;
    let mut routes = Vec::new();
    for (name, object) in names.into_iter().zip(read) {
        let object = object.map_err(|e| {
            error::from_kube(e, &format!("get {} {name:?}", resource.kind), &conn.server)
        })?;
        if let Some(object) = object {
            routes.extend(routes_of(&object, incumbent, contender));
        }
    }
    Ok(Routing {
        router: kind,
        routes,
    })
}

type RoutesOf = fn(&DynamicObject, &ServiceRef, &ServiceRef) -> Vec<RouteWeights>;

/// The routes of every object of one kind in the incumbent's namespace that
/// send to it. Empty when there are none or the kind's CRD is not installed.
async fn routes_to(
    conn: &Connection,
    resource: &ApiResource,
    incumbent: &ServiceRef,
    contender: &ServiceRef,
    routes_of: RoutesOf,
) -> Result<Vec<RouteWeights>> {
    let Some(objects) = list_custom(conn, resource, &incumbent.namespace).await? else {
        return Ok(Vec::new());
    };
    Ok(objects
        .iter()
        .flat_map(|o| routes_of(o, incumbent, contender))
        .collect())
}

/// Lists the objects of a custom resource in a namespace, or `None` when its
/// CRD is not installed in the cluster.
pub(crate) async fn list_custom(
    conn: &Connection,
    resource: &ApiResource,
    namespace: &str,
) -> Result<Option<Vec<DynamicObject>>> {
    let api: Api<DynamicObject> = Api::namespaced_with(conn.client.clone(), namespace, resource);
    match api.list(&ListParams::default()).await {
        Ok(list) => Ok(Some(list.items)),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
        Err(e) => Err(error::from_kube(
            e,
            &format!("list {} in namespace {namespace:?}", resource.plural),
            &conn.server,
        )),
    }
}
