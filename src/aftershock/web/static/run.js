// The run page: poll progress while the run is queued or running, then draw its results.
// Metric labels, units and the daily bands come with the run's summary (sim/metrics.py).
"use strict";
// Numbers are written by app.js's fmt(unit or metric, value): the rules of aftershock.formatting,
// as the CLI and the report write them.

// A daily series of the summary (label, unit, mean, p5, p95 per day) as a mean line in its band;
// x as dates when the run's scenario has a start date (charts.js).
function band(daily, key, color, start) {
  const series = daily[key];
  const x = chartDays(series.mean.length, start);
  const name = series.label || key;
  return [
    { x, y: series.p95, line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
    { x, y: series.p5, fill: "tonexty", line: { width: 0 }, fillcolor: color + "33", name: name + ", 90% band" },
    { x, y: series.mean, line: { color }, name: name + ", mean" },
  ];
}

// The date of a (mean) day from the run's start date, as "Sun 12 Jan 2025" ("" without one);
// the page's date_of_day filter (web/pages.py) writes the same.
function dateOfDay(day, start) {
  if (day === null || day === undefined || !start) return "";
  const [y, m, d] = start.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d + Math.round(day)));
  const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return weekdays[date.getUTCDay()] + " " + String(date.getUTCDate()).padStart(2, "0") + " " +
    months[date.getUTCMonth()] + " " + date.getUTCFullYear();
}

function cell(tr, text, tag = "td", className = "num") {
  const el = document.createElement(tag);
  el.textContent = text;
  if (tag === "th") el.scope = "row";
  else if (className) el.className = className;
  tr.appendChild(el);
}

// The DC table (when the page did not render it: the run finished while open), as the page
// renders it: labels and units from the run's summary.
function fillDcTable(summary, dcs) {
  const table = document.getElementById("dcs");
  if (table.tBodies[0].rows.length) return;
  const head = table.tHead.rows[0];
  head.replaceChildren();
  for (const [name, m] of [["dc", { label: "DC" }], ["stores", { label: "Stores" }]].concat(Object.entries(dcs[0].metrics))) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = m.label;
    head.appendChild(th);
    if (name === "lost_sales_units") {
      const interval = document.createElement("th");
      interval.scope = "col";
      interval.textContent = "90% interval";
      head.appendChild(interval);
    }
  }
  const start = summary.start_date;
  for (const row of dcs) {
    const tr = document.createElement("tr");
    cell(tr, row.dc, "th");
    cell(tr, row.stores.toLocaleString("en"));
    for (const [name, m] of Object.entries(row.metrics)) {
      if (m.unit === "day") {
        let text = "not within the horizon";
        if (m.mean !== null) {
          const date = dateOfDay(m.mean, start);
          text = fmt(m.unit, m.mean) + (date ? " (" + date + ")" : "");
          if (m.not_reached_share) text += "; after the horizon in " + Math.round(100 * m.not_reached_share) + "% of runs";
        }
        cell(tr, text);
        continue;
      }
      cell(tr, fmt(m.unit, m.mean));
      if (name === "lost_sales_units") cell(tr, m.mean === null ? "—" : fmt(m.unit, m.p5) + " – " + fmt(m.unit, m.p95));
    }
    table.tBodies[0].appendChild(tr);
  }
}

// Colours of the DCs in the per-DC charts, by the DC's place in the DC table (as the report).
const DC_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

// A daily series of each DC that has it (summary.dcs[k].daily[key]): mean line in its band.
function dcTraces(dcs, key, start) {
  const traces = [];
  dcs.forEach((row, i) => {
    const series = (row.daily || {})[key];
    if (!series) return;
    const color = DC_COLOURS[i % DC_COLOURS.length];
    const x = chartDays(series.mean.length, start);
    const stores = row.stores.toLocaleString("en") + (row.stores === 1 ? " store" : " stores");
    traces.push(
      { x, y: series.p95, line: { width: 0 }, legendgroup: row.dc, showlegend: false, hoverinfo: "skip" },
      { x, y: series.p5, fill: "tonexty", line: { width: 0 }, fillcolor: color + "26", legendgroup: row.dc,
        showlegend: false, hoverinfo: "skip" },
      { x, y: series.mean, line: { color }, legendgroup: row.dc, name: row.dc + " (" + stores + "), mean" },
    );
  });
  const first = dcs.find((row) => (row.daily || {})[key]);
  return { traces, label: first ? first.daily[key].label : "", unit: first ? first.daily[key].unit : "" };
}

// The DC section: table, backlog per DC (with several DCs) and stock per DC (DCs with supply).
function drawDcs(summary, chart) {
  const dcs = summary.dcs || [];
  if (!dcs.length) return;
  fillDcTable(summary, dcs);
  document.getElementById("dc-section").hidden = false;
  const charts = [["backlog_units", "dc-backlog", dcs.length > 1], ["stock_units", "dc-stock", true]];
  for (const [key, id, wanted] of charts) {
    const { traces, label, unit } = dcTraces(dcs, key, chart.start_date);
    if (!wanted || !traces.length) continue;
    document.getElementById(id + "-box").hidden = false;  // before drawing: a hidden box has no width
    drawChart("chart-" + id, traces, {}, { time: true, start: chart.start_date, markers: chart.markers,
      yTitle: axisTitle(label, unit) });
  }
}

// The scenario's warnings as a banner (the page renders it too when the run is done on load).
function showWarnings(warnings) {
  const box = document.getElementById("run-warnings");
  if (!box || box.querySelector(".warning")) return;
  const banner = warningBanner(warnings);
  if (banner) box.appendChild(banner);
}

// The share of a metric's variance due to the uncertain parameters (90% confidence interval) and
// its 90% interval from the parameters alone (sim/draws.py split_variance); "—" where unknown.
function fromParameters(m) {
  const s = m.from_parameters || {};
  if (s.share === null || s.share === undefined) return "—";
  let text = Math.round(100 * s.share) + "%";
  if (s.share_high > s.share_low) text += " (" + Math.round(100 * s.share_low) + "–" + Math.round(100 * s.share_high) + "%)";
  if (s.p95 > s.p5) text += ": " + fmt(m.unit, s.p5) + " – " + fmt(m.unit, s.p95);
  return text;
}

// A run over drawn parameter sets (the scenario's uncertainty:): a "From parameters" column in
// the headline and the parameters with what was drawn.
function showParameters(drawn) {
  const head = document.querySelector("#headline thead tr");
  if (!head.querySelector(".from-parameters")) {
    const th = document.createElement("th");
    th.scope = "col";
    th.className = "from-parameters";
    th.textContent = "From parameters";
    th.title = "Share of the variance due to the uncertain parameters (90% confidence interval) and the 90% interval from them alone";
    head.appendChild(th);
  }
  const box = document.getElementById("parameters");
  const sizes = drawn.replications_per_draw;
  box.querySelector(".hint").textContent = "From parameters: the share of each metric's variance due to these " +
    "uncertain parameters (90% confidence interval; the rest is demand and other chance within a run), and its " +
    "90% interval from them alone. " + drawn.draws + " parameter sets, " +
    (sizes.min === sizes.max ? sizes.min : sizes.min + "–" + sizes.max) + " replications each.";
  const tbody = box.querySelector("tbody");
  tbody.replaceChildren();
  for (const p of drawn.parameters) {
    const tr = document.createElement("tr");
    for (const text of [p.path, p.describe, String(p.point), p.drawn.p5.toPrecision(3) + " – " + p.drawn.p95.toPrecision(3)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  box.hidden = false;
}

async function drawResults(runId) {
  // both at once; the regions are filled before the section shows (the page is whole when visible)
  const [run, regions] = (await Promise.all([api("/api/runs/" + runId), api("/api/runs/" + runId + "/regions")]))
    .map((r) => r.body);
  showWarnings(run.summary.warnings || []);
  const tbody = document.querySelector("#headline tbody");
  tbody.replaceChildren();
  const drawn = run.summary.uncertainty;
  if (drawn) showParameters(drawn);
  for (const [name, m] of Object.entries(run.summary.metrics)) {
    const tr = document.createElement("tr");
    const cells = [m.label || name, fmt(m.unit, m.mean), fmt(m.unit, m.p5) + " – " + fmt(m.unit, m.p95)];
    if (drawn) cells.push(fromParameters(m));
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    // what the metric means (sim/metrics.py), on hover: "demand lost to churn" needs it most
    if (m.description) tr.title = m.description;
    tbody.appendChild(tr);
  }
  const rb = document.querySelector("#regions tbody");
  rb.replaceChildren();
  for (const r of regions || []) {
    const tr = document.createElement("tr");
    for (const text of [r.region, fmt("lost_sales_revenue", r.lost_revenue), fmt("lost_sales_units", r.lost_units), fmt("stockout_store_days", r.stockout_store_days)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    rb.appendChild(tr);
  }
  const daily = run.summary.daily;
  // the chart fields of the run API (web/chart_data.py); from the summary for an older server
  const chart = run.chart || { start_date: run.summary.start_date, markers: [] };
  const start = chart.start_date;
  // shown before drawing: a chart drawn in a hidden section gets Plotly's fixed 700 px width
  document.getElementById("results").hidden = false;
  const time = { time: true, start, markers: chart.markers };
  drawChart("chart-backlog", band(daily, "backlog_units", "#d62728", start), {},
    Object.assign({ yTitle: axisTitle(daily.backlog_units.label, daily.backlog_units.unit) }, time));
  drawChart("chart-stores",
    band(daily, "stores_stocked_out", "#ff7f0e", start).concat(band(daily, "stores_closed", "#1f77b4", start)), {},
    Object.assign({ yTitle: daily.stores_stocked_out.unit + " (out of stock or closed)" }, time));
  drawDcs(run.summary, chart);
  resizeCharts();
}

document.addEventListener("DOMContentLoaded", async () => {
  const box = document.getElementById("run");
  const runId = box.dataset.run;
  if (box.dataset.status === "done") return drawResults(runId);
  if (box.dataset.status === "failed" || box.dataset.status === "cancelled") return;
  const cancel = document.getElementById("cancel-run");
  if (cancel) {
    cancel.addEventListener("click", async () => {
      cancel.disabled = true;
      const r = await api("/api/runs/" + runId + "/cancel", { method: "POST" });
      if (r.ok) window.location.reload();
      else {
        cancel.disabled = false;
        showProblem(document.getElementById("cancel-result"), r.body);
      }
    });
  }
  const timer = setInterval(async () => {
    const r = await api("/api/runs/" + runId);
    if (!r.ok) return;
    document.getElementById("progress").value = r.body.progress;
    document.getElementById("status-text").textContent = r.body.status + " " + Math.round(100 * r.body.progress) + "%";
    if (r.body.status === "done") {
      clearInterval(timer);
      document.getElementById("progress-box").hidden = true;
      drawResults(runId);
    } else if (r.body.status === "failed" || r.body.status === "cancelled") {
      clearInterval(timer);
      window.location.reload();
    }
  }, 700);
});
