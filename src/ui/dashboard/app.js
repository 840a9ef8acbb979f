// The dashboard's page: the list of rollouts, or one rollout, drawn from
// the server's views and drawn again at each server-sent event.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
let config = { read_only: true, scope: "", clusters: [] };
let stream = null;
let shown = null;

function api(path, extra) {
  const query = new URLSearchParams(extra || {});
  query.set("token", token);
  return path + "?" + query.toString();
}

// An element: h("td", {class: "x", style: {width: "10%"}}, child, "text").
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "style") Object.assign(el.style, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
// Puts these children in place of the element's, leaving out the empty.
function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false && c !== ""));
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, value);
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function percent(value) {
  const rounded = Math.round(value * 10) / 10;
  return (Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)) + "%";
}

function age(at) {
  if (!at) return "-";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(at)) / 1000));
  if (seconds < 120) return seconds + "s";
  if (seconds < 7200) return Math.floor(seconds / 60) + "m";
  if (seconds < 172800) return Math.floor(seconds / 3600) + "h";
  return Math.floor(seconds / 86400) + "d";
}

function ageCell(at) {
  return h("span", { class: "age", "data-at": at || "" }, age(at));
}

function phaseBadge(phase) {
  return h("span", { class: "phase " + (phase || "unknown"), id: null }, phase || "unreadable");
}

function split(contender, incumbent) {
  return h("div", { class: "split", title: `contender ${percent(contender)}, incumbent ${percent(incumbent)}` },
    h("div", { class: "c", style: { width: contender + "%" } }),
    h("div", { class: "i", style: { width: incumbent + "%" } }));
}

function keyOf(cluster, namespace, name) {
  return [cluster || "-", namespace, name].map(encodeURIComponent).join("/");
}

// Routing: #/rollout/CLUSTER/NAMESPACE/NAME, or the list.
function route() {
  const match = location.hash.match(/^#\/rollout\/([^/]+)\/([^/]+)\/([^/]+)$/);
  if (stream) stream.close();
  const main = document.getElementById("main");
  fill(main, h("div", { class: "empty" }, "loading"));
  if (match) {
    const [cluster, namespace, name] = match.slice(1).map(decodeURIComponent);
    shown = { cluster, namespace, name };
    follow({ rollout: `${cluster}/${namespace}/${name}` }, (view) => drawRollout(view));
  } else {
    shown = null;
    follow({}, (view) => drawList(view));
  }
}

function follow(params, draw) {
  const live = document.getElementById("live");
  stream = new EventSource(api("/api/events", params));
  stream.onopen = () => { live.textContent = "live"; live.classList.remove("off"); };
  stream.onerror = () => { live.textContent = "reconnecting"; live.classList.add("off"); };
  stream.onmessage = (event) => draw(JSON.parse(event.data));
}

function drawList(view) {
  const main = document.getElementById("main");
  const many = config.clusters.length > 1 || config.clusters[0] !== null;
  const rows = view.rollouts.map((r) => {
    const key = keyOf(r.cluster, r.namespace, r.deployment);
    const open = () => { location.hash = "#/rollout/" + key; };
    return h("tr", { class: "rollout", "data-rollout": `${r.namespace}/${r.deployment}`, onclick: open },
      many ? h("td", {}, r.cluster || "") : null,
      h("td", {}, r.namespace),
      h("td", {}, h("a", { href: "#/rollout/" + key }, r.deployment)),
      h("td", { class: "phase-cell" }, phaseBadge(r.phase)),
      h("td", { class: "step-cell" }, `${r.step.index}/${r.step.total}`, r.step.name ? h("span", { class: "muted" }, ` (${r.step.name})`) : null),
      h("td", {}, split(r.traffic.contender, r.traffic.incumbent), h("span", { class: "muted traffic" }, percent(r.traffic.contender) + " to the contender")),
      h("td", {}, r.contender && r.contender.images.length ? r.contender.images.join(", ") : "-"),
      h("td", {}, r.drift ? h("span", { class: "verdict fail" }, `${r.drift} change${r.drift > 1 ? "s" : ""}`) : (r.problem ? h("span", { class: "verdict fail", title: r.problem }, "record unreadable") : "")),
      h("td", {}, ageCell(r.started_at)));
  });
  const header = h("tr", {}, many ? h("th", {}, "CLUSTER") : null,
    ["NAMESPACE", "NAME", "PHASE", "STEP", "TRAFFIC", "CONTENDER", "DRIFT", "AGE"].map((t) => h("th", {}, t)));
  const problems = (view.problems || []).map((p) => h("li", {}, p));
  fill(main, 
    problems.length ? h("div", { class: "drift" }, h("ul", {}, problems)) : "",
    h("div", { class: "card" },
      h("h2", {}, "Rollouts"),
      rows.length
        ? h("table", { id: "rollouts" }, h("thead", {}, header), h("tbody", {}, rows))
        : h("div", { class: "empty", id: "rollouts-empty" }, `No rollouts in ${config.scope}.`)));
}

function capacityBar(label, which, replicas) {
  const share = replicas.desired > 0 ? Math.min(100, (100 * replicas.ready) / replicas.desired) : 0;
  return h("div", {},
    h("div", { class: "label" }, h("span", {}, h("span", { class: "dot " + which }), label),
      h("span", { class: "capacity-" + which }, `${replicas.ready}/${replicas.desired} ready`)),
    h("div", { class: "bar " + which }, h("div", { style: { width: share + "%" } })));
}

function trafficBar(label, which, value) {
  return h("div", {},
    h("div", { class: "label" }, h("span", {}, h("span", { class: "dot " + which }), label),
      h("span", { class: "traffic-" + which }, percent(value))),
    h("div", { class: "bar " + which }, h("div", { style: { width: value + "%" } })));
}

function drawRollout(view) {
  const main = document.getElementById("main");
  if (view.missing) {
    fill(main, h("div", { class: "card empty" }, `No rollout of ${shown.namespace}/${shown.name} here (yet). `, h("a", { href: "#" }, "All rollouts")));
    return;
  }
  const images = (list) => list.length ? list.map((c) => `${c.container}=${c.image}`).join(", ") : "-";
  const ended = ["Succeeded", "Aborted", "Idle"].includes(view.phase);
  const steps = view.steps.map((step, i) => {
    const n = i + 1;
    const state = n < view.step.index ? "done" : n === view.step.index ? "current" : "next";
    const moving = view.phase === "Progressing" && n === view.target && n !== view.step.index;
    return h("li", { class: state + (moving ? " target" : ""), "data-step": n, title: `capacity: contender ${step.capacity.contender}%, incumbent ${step.capacity.incumbent}%` },
      h("div", { class: "name" }, `${n}. ${step.name}`),
      h("div", {}, `traffic ${step.traffic.contender}/${step.traffic.incumbent}`));
  });
  const actions = config.read_only ? null : h("div", { class: "actions" },
    actionButton("step", "Step", view, ended),
    actionButton("promote", "Promote", view, ended),
    actionButton("pause", "Pause", view, ended || !view.analysis),
    actionButton("abort", "Abort", view, ended, "danger"));
  const drift = view.drift.length
    ? h("div", { class: "drift", id: "drift" }, h("b", {}, "Changed by someone else since ramp's last write:"), h("ul", {}, view.drift.map((d) => h("li", {}, d))))
    : null;
  const routes = view.routes.length ? h("div", { class: "card" }, h("h2", {}, "Routes"),
    h("table", {}, h("thead", {}, h("tr", {}, ["ROUTE", "DESTINATION", "WEIGHT"].map((t) => h("th", {}, t)))),
      h("tbody", {}, view.routes.flatMap((r) => r.backends.map((b, i) =>
        h("tr", {}, h("td", {}, i === 0 ? `${r.kind}/${r.object} ${r.route}` : ""), h("td", {}, b.destination), h("td", {}, `${b.weight} (${percent(b.percent)})`))))))) : null;
  const history = h("div", { class: "card" }, h("h2", {}, "Recent events"),
    h("table", { id: "events" }, h("thead", {}, h("tr", {}, ["AGE", "EVENT", "MESSAGE", "BY"].map((t) => h("th", {}, t)))),
      h("tbody", {}, view.history.slice().reverse().map((t) =>
        h("tr", {}, h("td", {}, ageCell(t.at)), h("td", {}, t.event), h("td", {}, t.message), h("td", { class: "muted" }, t.by))))));
  fill(main, 
    h("div", {}, h("a", { href: "#" }, "All rollouts")),
    h("h1", { id: "title" }, view.deployment, " ", phaseBadge(view.phase)),
    h("div", { class: "meta" },
      h("span", {}, "namespace ", h("b", {}, view.namespace)),
      view.cluster ? h("span", {}, "cluster ", h("b", {}, view.cluster)) : null,
      h("span", {}, "step ", h("b", { id: "step" }, `${view.step.index}/${view.step.total}`), view.step.name ? ` (${view.step.name})` : ""),
      h("span", {}, "age ", h("b", {}, ageCell(view.started_at))),
      h("span", {}, "router ", h("b", {}, view.router)),
      h("span", {}, "service ", h("b", {}, view.service || "-")),
      view.paused_by ? h("span", {}, "automation paused by ", h("b", {}, view.paused_by)) : null),
    actions,
    view.held ? h("div", { class: "drift", id: "held" }, h("b", {}, "Held at its step: "), `its checks passed, and ${view.held}`) : null,
    drift,
    h("div", { class: "card" }, h("h2", {}, "Steps"), h("ol", { class: "steps", id: "steps" }, steps)),
    h("div", { class: "grid" },
      h("div", { class: "card", id: "traffic" }, h("h2", {}, "Traffic"),
        trafficBar("incumbent " + view.deployment, "incumbent", view.traffic.incumbent),
        trafficBar("contender " + (view.contender || "-"), "contender", view.traffic.contender),
        view.traffic.other > 0 ? h("div", { class: "muted" }, `other backends: ${percent(view.traffic.other)}`) : null),
      h("div", { class: "card", id: "capacity" }, h("h2", {}, "Capacity"),
        capacityBar("incumbent " + view.deployment, "incumbent", view.capacity.incumbent),
        capacityBar("contender " + (view.contender || "-"), "contender", view.capacity.contender))),
    h("div", { class: "card" }, h("h2", {}, "Images"),
      h("table", {}, h("tbody", {},
        h("tr", {}, h("td", {}, h("span", { class: "dot incumbent" }), "incumbent"), h("td", {}, view.deployment), h("td", { id: "images-incumbent" }, images(view.images.incumbent))),
        h("tr", {}, h("td", {}, h("span", { class: "dot contender" }), "contender"), h("td", {}, view.contender || "-"), h("td", { id: "images-contender" }, images(view.images.contender)))))),
    routes,
    view.analysis ? analysis(view.analysis, view.history) : null,
    history);
}

function actionButton(verb, label, view, disabled, style) {
  return h("button", {
    type: "button", "data-action": verb, class: style, disabled: disabled ? "disabled" : null,
    onclick: () => ask(verb, view),
  }, label);
}

function ask(verb, view) {
  const name = view.deployment;
  const next = view.steps[view.step.index];
  const what = {
    step: next
      ? `Step ${name} to ${view.step.index + 1}/${view.step.total} (${next.name}): contender traffic ${next.traffic.contender}%, capacity ${next.capacity.contender}%?`
      : `${name} is at its last step: stepping promotes it. Go ahead?`,
    promote: `Promote ${name}: the Deployment takes the new version and the contender goes?`,
    abort: `Abort the rollout of ${name}: all traffic back to the incumbent, the contender removed?`,
    pause: `Pause the automation of ${name} at step ${view.step.index}/${view.step.total}?`,
  }[verb];
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = what;
  const yes = document.getElementById("confirm-yes");
  const no = document.getElementById("confirm-no");
  const close = () => { dialog.hidden = true; yes.onclick = null; no.onclick = null; };
  yes.onclick = () => { close(); act(verb, view); };
  no.onclick = close;
  dialog.hidden = false;
  yes.focus();
}

async function act(verb, view) {
  const buttons = document.querySelectorAll("button[data-action]");
  buttons.forEach((b) => { b.disabled = true; });
  say(`${verb} ${view.deployment}: working (it waits for pods, as the command does)`, false);
  const path = `/api/rollouts/${keyOf(view.cluster, view.namespace, view.deployment)}/${verb}`;
  try {
    const response = await fetch(api(path), { method: "POST" });
    const outcome = await response.json();
    if (outcome.error) say(outcome.error, true);
    else say(outcome.ok ? outcome.message : `${outcome.message} (exit code ${outcome.exit_code})`, !outcome.ok);
  } catch (e) {
    say(`${verb} failed: ${e}`, true);
  }
  buttons.forEach((b) => { if (b.isConnected) b.disabled = false; });
}

function say(text, error) {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = error ? "error" : "";
  box.hidden = false;
  clearTimeout(say.timer);
  if (!error) say.timer = setTimeout(() => { box.hidden = true; }, 8000);
}

// The analysis transcript: a chart per metric (each check's value against
// its threshold band; the incumbent beside the contender for a relative
// metric; inconclusive checks marked as such), then every check.
function analysis(a, history) {
  // A round with too little traffic judged no metric: it is an
  // inconclusive point on every chart.
  const judged = (m) => a.checks
    .filter((c) => c.name === m.name || c.name === "min-samples")
    .map((c) => c.name === m.name ? c : { ...c, value: null, incumbent: null, verdict: "inconclusive" })
    .map((c) => ({ ...c, step: stepAt(history, c.at) }));
  const charts = a.metrics.map((m) => chart(m, judged(m)));
  const rows = a.checks.slice().reverse().map((c) => h("tr", {},
    h("td", {}, ageCell(c.at)), h("td", {}, c.name),
    h("td", {}, h("span", { class: "verdict " + c.verdict }, c.verdict)),
    h("td", {}, c.value === undefined || c.value === null ? "-" : round(c.value)),
    h("td", {}, c.threshold), h("td", { class: "muted" }, c.message)));
  return h("div", { class: "card", id: "analysis" }, h("h2", {}, "Analysis"),
    h("div", { class: "muted" }, `failed checks at this step: ${a.failures} of ${a.failure_limit} allowed; inconclusive in a row: ${a.inconclusive} of ${a.inconclusive_limit}`),
    h("div", { class: "charts" }, charts),
    rows.length ? h("table", {}, h("thead", {}, h("tr", {}, ["AGE", "CHECK", "VERDICT", "VALUE", "THRESHOLD", "MESSAGE"].map((t) => h("th", {}, t)))), h("tbody", {}, rows)) : h("div", { class: "empty" }, "No checks yet."));
}

function round(v) { return Math.round(v * 100) / 100; }

// The step a rollout stood at when: the last one reached before.
function stepAt(history, at) {
  let step = null;
  for (const t of history) {
    if (Date.parse(t.at) > Date.parse(at)) break;
    const reached = t.event === "StepReached" && t.message.match(/step (\d+)\//);
    if (reached) step = Number(reached[1]);
  }
  return step;
}

function chart(metric, checks) {
  const W = 640, H = 190, L = 52, R = 12, T = 12, B = 28;
  const band = (c) => {
    const base = metric.relative ? c.incumbent : 0;
    if (metric.relative && (base === undefined || base === null)) return null;
    return [metric.min === null ? null : base + metric.min, metric.max === null ? null : base + metric.max];
  };
  const values = [];
  for (const c of checks) {
    for (const v of [c.value, c.incumbent, ...(band(c) || [])]) if (typeof v === "number" && isFinite(v)) values.push(v);
  }
  if (!metric.relative) for (const v of [metric.min, metric.max]) if (typeof v === "number") values.push(v);
  let lo = values.length ? Math.min(...values) : 0, hi = values.length ? Math.max(...values) : 1;
  if (hi === lo) { hi += 1; lo -= 1; }
  const pad = (hi - lo) * 0.15; lo -= pad; hi += pad;
  const n = Math.max(checks.length, 1);
  const x = (i) => L + ((W - L - R) * (i + 0.5)) / n;
  const y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  const slot = (W - L - R) / n;
  const parts = [s("rect", { x: L, y: T, width: W - L - R, height: H - T - B, fill: "#fafbfc", stroke: "#e3e6ec" })];
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    parts.push(s("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#eef0f4" }));
    parts.push(s("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 10, fill: "#6b7385" }, round(v)));
  }
  checks.forEach((c, i) => {
    const b = band(c);
    if (!b) return;
    const top = b[1] === null ? hi : Math.min(hi, b[1]);
    const bottom = b[0] === null ? lo : Math.max(lo, b[0]);
    if (top > bottom) parts.push(s("rect", { class: "band", x: x(i) - slot / 2, width: slot, y: y(top), height: y(bottom) - y(top), fill: "rgba(47,158,91,0.13)" }));
  });
  const line = (key, color) => {
    const pts = checks.map((c, i) => [i, c[key]]).filter(([, v]) => typeof v === "number");
    if (pts.length > 1) parts.push(s("polyline", { points: pts.map(([i, v]) => `${x(i)},${y(v)}`).join(" "), fill: "none", stroke: color, "stroke-width": 1.5, "stroke-opacity": 0.6 }));
  };
  if (metric.relative) line("incumbent", "#4a78c2");
  line("value", "#e08a2c");
  checks.forEach((c, i) => {
    const colour = { pass: "#2f9e5b", fail: "#d64545", inconclusive: "#9aa1ad" }[c.verdict];
    const time = new Date(c.at).toLocaleTimeString();
    const label = c.step ? `step ${c.step}, ${time}` : time;
    parts.push(s("text", { x: x(i), y: H - 10, "text-anchor": "middle", "font-size": 10, fill: "#6b7385" }, label));
    const shift = metric.relative ? Math.min(8, slot / 5) : 0;
    if (metric.relative && typeof c.incumbent === "number") {
      parts.push(s("rect", { class: "incumbent-point", x: x(i) - shift - 4, y: y(c.incumbent) - 4, width: 8, height: 8, fill: "#4a78c2" }, s("title", {}, `incumbent ${round(c.incumbent)}`)));
    }
    if (c.verdict === "inconclusive" || typeof c.value !== "number") {
      const at = typeof c.value === "number" ? y(c.value) : T + (H - T - B) / 2;
      parts.push(s("g", { class: "inconclusive" },
        s("circle", { cx: x(i) + shift, cy: at, r: 7, fill: "#fff", stroke: colour, "stroke-width": 2, "stroke-dasharray": "3 2" }),
        s("text", { x: x(i) + shift, y: at + 4, "text-anchor": "middle", "font-size": 10, fill: colour, "font-weight": 700 }, "?"),
        s("title", {}, `inconclusive: ${c.message}`)));
    } else {
      parts.push(s("circle", { class: "point " + c.verdict, cx: x(i) + shift, cy: y(c.value), r: 5, fill: colour, stroke: "#e08a2c", "stroke-width": 2 },
        s("title", {}, `${c.verdict}: ${c.message}`)));
    }
  });
  const legend = h("div", { class: "legend" },
    h("span", {}, h("span", { class: "dot contender" }), "contender"),
    metric.relative ? h("span", {}, h("span", { class: "dot incumbent" }), "incumbent") : null,
    h("span", {}, "shaded: within the threshold", metric.relative ? " (relative to the incumbent)" : ""),
    h("span", {}, "? inconclusive"));
  const bounds = [metric.min !== null ? `>= ${metric.relative ? "incumbent " + (metric.min >= 0 ? "+ " : "- ") + Math.abs(metric.min) : metric.min}` : null,
    metric.max !== null ? `<= ${metric.relative ? "incumbent " + (metric.max >= 0 ? "+ " : "- ") + Math.abs(metric.max) : metric.max}` : null].filter(Boolean).join(" and ");
  return h("div", { class: "chart", "data-metric": metric.name },
    h("div", {}, h("span", { class: "title" }, metric.name), h("span", { class: "muted" }, `  ${bounds || "no threshold"}`)),
    checks.length ? s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": metric.name }, parts) : h("div", { class: "muted" }, "no checks of it yet"),
    legend);
}

setInterval(() => {
  for (const el of document.querySelectorAll(".age[data-at]")) el.textContent = age(el.getAttribute("data-at"));
}, 1000);

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", async () => {
  try {
    const response = await fetch(api("/api/config"));
    config = await response.json();
  } catch (e) {
    say(`cannot reach the dashboard: ${e}`, true);
  }
  document.getElementById("scope").textContent = config.scope + (config.read_only ? " (read-only)" : "");
  route();
});
