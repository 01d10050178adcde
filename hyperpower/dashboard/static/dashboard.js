// HyperPower dashboard: polls the server's JSON views and draws them with Plotly.
// Every string from the store or a config reaches the page through textContent or as a Plotly
// figure the server escaped; no markup is ever built from data (no innerHTML anywhere).
"use strict";

const POLL_MS = 2000;
const state = {
  experiments: [], experiment: null, revision: null, data: null, jobId: null,
  sort: { key: "id", ascending: true }, filters: {}, plots: new Map(), timer: null,
};

// -- small DOM helpers ------------------------------------------------------------------------
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "text") node.textContent = value == null ? "" : String(value);
    else if (key === "className") node.className = value;
    else if (key === "onclick") node.addEventListener("click", value);
    else if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
function byId(id) { return document.getElementById(id); }

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "-";
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// -- routing: #exp=NAME&job=ID ----------------------------------------------------------------
function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  return { experiment: params.get("exp"), job: params.get("job") };
}
function link(experiment, jobId) {
  const params = new URLSearchParams();
  params.set("exp", experiment);
  if (jobId !== null && jobId !== undefined) params.set("job", String(jobId));
  return "#" + params.toString();
}
function openJob(jobId) { location.hash = link(state.experiment, jobId); }
function fileUrl(name) {
  return `/files/${encodeURIComponent(state.experiment)}/${encodeURIComponent(name)}`;
}

async function getJson(url) {
  const response = await fetch(url, { cache: "no-store" });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function setLive(text, ok) {
  const live = byId("live");
  live.textContent = text;
  live.className = ok ? "live" : "live lost";
}
function showMessage(text) {
  const message = byId("message");
  message.textContent = text || "";
  message.hidden = !text;
}

// -- start and poll ---------------------------------------------------------------------------
async function start() {
  try {
    const listing = await getJson("/api/experiments");
    state.experiments = listing.experiments;
    state.store = listing.store;
    const select = byId("experiment-select");
    clear(select);
    for (const name of listing.experiments) select.appendChild(el("option", { value: name, text: name }));
    byId("experiment-choice").hidden = listing.single || listing.experiments.length < 2;
    select.addEventListener("change", () => { location.hash = link(select.value, null); });
  } catch (error) {
    setLive(`cannot reach the dashboard: ${error.message}`, false);
  }
  window.addEventListener("hashchange", onRoute);
  onRoute();
}

function onRoute() {
  const wanted = route();
  const experiment = wanted.experiment || state.experiments[0] || null;
  if (!experiment) {
    showMessage(`no experiment in store ${state.store || ""} yet; this page updates when one appears`);
    schedule(start, POLL_MS);
    return;
  }
  if (experiment !== state.experiment) {
    state.experiment = experiment;
    state.revision = null;
    state.data = null;
    state.filters = {};
    for (const div of state.plots.values()) Plotly.purge(div);
    state.plots.clear();
    clear(byId("figures"));
  }
  byId("experiment-name").textContent = experiment;
  byId("experiment-select").value = experiment;
  document.title = `HyperPower: ${experiment}`;
  state.jobId = wanted.job !== null && wanted.job !== "" ? Number(wanted.job) : null;
  delete byId("job-view").dataset.loaded;
  byId("job-view").hidden = state.jobId === null;
  byId("experiment-view").hidden = state.jobId !== null;
  poll();
}

function schedule(action, delay) {
  if (state.timer) clearTimeout(state.timer);
  state.timer = setTimeout(action, delay);
}

async function poll() {
  const experiment = state.experiment;
  try {
    if (state.jobId !== null && !byId("job-view").dataset.loaded) await renderJob(state.jobId);
    const since = state.revision ? `&since=${encodeURIComponent(state.revision)}` : "";
    const answer = await getJson(`/api/state?experiment=${encodeURIComponent(experiment)}${since}`);
    if (experiment !== state.experiment) return;
    const changed = !answer.unchanged;
    if (changed) {
      state.revision = answer.revision;
      state.data = answer;
      showMessage(answer.overview.note);
      renderExperiment();
    }
    renderClock(answer.clock);
    if (state.jobId !== null && (changed || !byId("job-view").dataset.loaded)) await renderJob(state.jobId);
    setLive(`live · read ${new Date(answer.clock.read_at * 1000).toLocaleTimeString()}`, true);
  } catch (error) {
    setLive(`connection lost (${error.message}); retrying`, false);
  }
  schedule(poll, POLL_MS);
}

// -- the experiment view ----------------------------------------------------------------------
function renderExperiment() {
  renderOverview(state.data.overview);
  renderFigures(state.data.figures);
  renderTable(state.data.jobs);
}

function row(label, ...values) {
  return el("tr", {}, el("th", { text: label }), el("td", {}, ...values));
}

function renderOverview(overview) {
  const card = clear(byId("overview"));
  card.appendChild(el("h2", { text: "Overview" }));
  const table = el("table", { className: "facts" });
  table.appendChild(row("state", el("span", { id: "run-state", className: `state ${overview.state.replace(/ /g, "-")}`, text: overview.state })));
  table.appendChild(row("progress", el("span", { id: "progress-text" }), el("div", { className: "bar" }, el("div", { id: "progress-bar" }))));
  table.appendChild(row("time", el("span", { id: "time-text" })));
  if (overview.objectives) {
    table.appendChild(row("minimize", overview.objectives.map((o) => o.label).join(", ") + (overview.objectives.length > 1 ? " (Pareto front)" : "")));
    table.appendChild(row("method", `${overview.method} (${overview.aware ? "hardware-aware" : "unaware"})`));
    table.appendChild(row("budgets", budgetList(overview.budgets)));
    if (overview.scheduler) {
      const rungs = overview.scheduler.rungs.map((r) => `rung ${r.rung}: ${r.epochs} epoch(s), ${r.complete}/${r.jobs} complete`);
      table.appendChild(row("scheduler", `${overview.scheduler.name}, eta ${overview.scheduler.eta}`, el("ul", {}, ...rungs.map((t) => el("li", { text: t })))));
    }
    if (overview.devices.length) {
      const items = overview.devices.map((d) => el("li", { text: `${d.device}: ${d.complete}/${d.jobs} complete${d.price_per_hour !== null ? `, ${d.price_per_hour}/h` : ""}` }));
      table.appendChild(row("devices", el("ul", {}, ...items)));
    }
    table.appendChild(row(overview.best.kind === "front" ? "front" : "best", bestList(overview.best)));
  }
  table.appendChild(row("store", overview.store));
  if (overview.folder) table.appendChild(row("folder", overview.folder));
  card.appendChild(table);
  if (overview.status_lines) {
    const details = el("details", {}, el("summary", { text: "as `hyperpower status` prints it" }),
      el("pre", { text: overview.status_lines.join("\n") }));
    card.appendChild(details);
  }
}

function budgetList(budgets) {
  if (!budgets.length) return el("span", { text: "none" });
  return el("ul", {}, ...budgets.map((b) => el("li", {},
    el("strong", { text: `${b.metric} ${b.limit}` }),
    el("span", { text: b.model ? ` · model ${b.model.source}${b.model.cv_rmspe !== null ? ` (CV RMSPE ${(100 * b.model.cv_rmspe).toFixed(1)}%)` : ""}` : " · no a-priori model" }),
    el("div", { className: "detail", text: b.calibration }),
    b.honesty ? el("div", { className: "detail", text: b.honesty }) : null)));
}

function bestList(best) {
  if (!best.jobs.length) return el("span", { text: "no feasible complete job yet" });
  const items = best.jobs.map((job) => {
    const values = Object.entries(job.values).map(([k, v]) => `${k}=${v}`).join(" ");
    return el("li", {}, el("a", { href: link(state.experiment, job.id), text: `job ${job.id}` }), ` ${values} · ${job.params}`);
  });
  const list = el("ul", { id: "best-jobs" }, ...items);
  if (best.kind === "front") return el("div", {}, el("div", { text: `${best.jobs.length} job(s), hypervolume ${best.hypervolume.toPrecision(4)}` }), list);
  return list;
}

function renderClock(clock) {
  const progress = clock.progress;
  const text = byId("progress-text");
  if (!text) return;
  const target = progress.max_evals ? ` of ${progress.max_evals}` : "";
  const counts = Object.entries(progress.counts).filter(([, n]) => n > 0).map(([s, n]) => `${s} ${n}`).join(", ");
  text.textContent = `${progress.finished}${target} evaluations finished (${counts || "no jobs"})`;
  byId("progress-bar").style.width = progress.max_evals ? `${Math.min(100, 100 * progress.finished / progress.max_evals)}%` : "0";
  let time = `elapsed ${duration(progress.elapsed_s)}`;
  if (progress.remaining_s !== null && progress.remaining_s !== undefined) time += ` · remaining about ${duration(progress.remaining_s)} (${progress.remaining_basis})`;
  if (progress.max_time_s) time += ` · time limit ${duration(progress.max_time_s)} per run`;
  byId("time-text").textContent = time;
}

function renderFigures(figures) {
  const container = byId("figures");
  const wanted = new Set(figures.map((f) => f.key));
  for (const [key, div] of state.plots) {
    if (!wanted.has(key)) { Plotly.purge(div); div.parentNode.remove(); state.plots.delete(key); }
  }
  for (const entry of figures) {
    let div = state.plots.get(entry.key);
    if (!div) {
      div = el("div", { className: "plot", "data-key": entry.key, id: `figure-${entry.key}` });
      const card = el("div", { className: "card figure" }, div, el("p", { className: "note" }));
      container.appendChild(card);
      state.plots.set(entry.key, div);
    }
    div.parentNode.querySelector(".note").textContent = entry.note || "";
    Plotly.react(div, entry.figure.data, entry.figure.layout, { displaylogo: false, responsive: true });
    if (!div.dataset.clickable) {
      div.on("plotly_click", (event) => {
        const point = event.points && event.points[0];
        if (point && point.customdata !== undefined && point.customdata !== null) openJob(point.customdata);
      });
      div.dataset.clickable = "yes";
    }
  }
}

function renderTable(table) {
  const thead = clear(byId("job-table").querySelector("thead"));
  const tbody = clear(byId("job-table").querySelector("tbody"));
  const filters = clear(byId("job-filters"));
  if (!table) return;
  for (const [key, options] of Object.entries(table.filters)) {
    if (options.length < 2 && key !== "status") continue;
    const select = el("select", { "data-filter": key }, el("option", { value: "", text: "all" }),
      ...options.map((o) => el("option", { value: o, text: o })));
    select.value = state.filters[key] || "";
    select.addEventListener("change", () => { state.filters[key] = select.value; renderTable(state.data.jobs); });
    filters.appendChild(el("label", {}, `${key} `, select));
  }
  const header = el("tr");
  for (const column of table.columns) {
    const mark = state.sort.key === column.key ? (state.sort.ascending ? " ▲" : " ▼") : "";
    header.appendChild(el("th", { "data-key": column.key, text: column.key + mark, onclick: () => sortBy(column.key) }));
  }
  thead.appendChild(header);
  const rows = table.rows.filter((r) => Object.entries(state.filters).every(([k, v]) => !v || r.filters[k] === v));
  rows.sort(compareRows);
  for (const r of rows) {
    const tr = el("tr", { "data-job": r.id, className: `status-${r.filters.status}`, onclick: () => openJob(r.id) });
    for (const column of table.columns) tr.appendChild(el("td", { text: r.cells[column.key] }));
    tbody.appendChild(tr);
  }
  byId("job-filters").appendChild(el("span", { className: "count", id: "job-count", text: `${rows.length} of ${table.rows.length} job(s)` }));
}

function sortBy(key) {
  state.sort = { key, ascending: state.sort.key === key ? !state.sort.ascending : true };
  renderTable(state.data.jobs);
}

function compareRows(a, b) {
  const key = state.sort.key;
  const x = a.sort[key], y = b.sort[key];
  let order;
  if (x === y) order = 0;
  else if (x === null || x === undefined) order = 1;
  else if (y === null || y === undefined) order = -1;
  else order = (typeof x === "number" && typeof y === "number") ? x - y : String(x).localeCompare(String(y));
  if (!state.sort.ascending && x !== null && y !== null && x !== undefined && y !== undefined) order = -order;
  return order || a.id - b.id;
}

// -- the job view -----------------------------------------------------------------------------
async function renderJob(jobId) {
  const view = byId("job-view");
  let job;
  try {
    job = await getJson(`/api/job?experiment=${encodeURIComponent(state.experiment)}&id=${encodeURIComponent(jobId)}`);
  } catch (error) {
    clear(view).appendChild(el("p", { className: "message", text: error.message }));
    view.appendChild(el("a", { href: link(state.experiment, null), text: "← all jobs" }));
    return;
  }
  if (state.jobId !== jobId) return;
  clear(view);
  view.dataset.loaded = "yes";
  view.appendChild(el("a", { href: link(state.experiment, null), className: "back", text: "← all jobs" }));
  view.appendChild(el("h2", { id: "job-title", text: `job ${job.id}: ${job.status}` }));
  const facts = el("table", { className: "facts" });
  facts.appendChild(row("method", job.method));
  if (job.device) facts.appendChild(row("device", job.device));
  if (job.fidelity) facts.appendChild(row("epochs", job.fidelity));
  if (job.parent !== null) facts.appendChild(row("continues", el("a", { href: link(state.experiment, job.parent), text: `job ${job.parent}` })));
  if (job.children.length) facts.appendChild(row("promoted to", ...job.children.map((c) => el("a", { href: link(state.experiment, c), text: `job ${c} ` }))));
  if (job.feasible !== null) facts.appendChild(row("feasible", job.feasible));
  facts.appendChild(row("times", `submitted ${job.times.submitted || "-"}, started ${job.times.started || "-"}, ended ${job.times.ended || "-"} (${duration(job.times.duration_s)})`));
  if (job.worker) facts.appendChild(row("worker", `${job.worker} (attempt ${job.attempts})`));
  facts.appendChild(row("trained model", job.trained_model || "none kept on this machine"));
  view.appendChild(facts);
  view.appendChild(el("h3", { text: "Parameters" }));
  view.appendChild(simpleTable(["name", "value"], job.params.map((p) => [p.name, p.value]), "job-params"));
  if (job.raw_params.length) {
    view.appendChild(el("p", { className: "detail", text: "optimizer values before the template's transforms: " + job.raw_params.map((p) => `${p.name}=${p.value}`).join(" ") }));
  }
  view.appendChild(el("h3", { text: "Values" }));
  view.appendChild(simpleTable(["metric", "measured", "predicted", "budget", "kept"],
    job.metrics.map((m) => [m.metric, m.measured, m.predicted, m.budget || "-", m.kept === null ? "-" : (m.kept ? "yes" : "NO")]), "job-metrics"));
  if (job.reason) {
    view.appendChild(el("h3", { text: "Why it broke" }));
    view.appendChild(el("p", { id: "job-reason", className: "reason", text: job.reason }));
    if (job.error) view.appendChild(el("details", {}, el("summary", { text: "full error" }), el("pre", { text: job.error })));
  }
  fileSection(view, "Log (tail)", job.files.log, "job-log");
  fileSection(view, "Rendered network file", job.files.network, "job-network");
}

function fileSection(view, title, file, id) {
  view.appendChild(el("h3", {}, `${title} `, file.text !== null ? el("a", { href: fileUrl(file.name), target: "_blank", rel: "noopener", text: file.name }) : null));
  view.appendChild(file.text !== null ? el("pre", { id, className: "file", text: file.text }) : el("p", { className: "detail", text: file.note }));
}

function simpleTable(columns, rows, id) {
  const table = el("table", { id, className: "simple" });
  table.appendChild(el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", { text: c })))));
  table.appendChild(el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", { text: c }))))));
  return table;
}

document.addEventListener("DOMContentLoaded", start);
