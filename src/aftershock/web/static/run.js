// The run page: poll progress while the run is queued or running, then draw its results.
// Metric labels, units and the daily bands come with the run's summary (sim/metrics.py).
"use strict";

function fmt(value, unit) {
  if (value === null || value === undefined) return "—";
  if (unit === "share") return (100 * value).toFixed(1) + "%";
  if (unit === "day") return value.toFixed(1);
  return Math.round(value).toLocaleString("en");
}

// A daily series of the summary (label, unit, mean, p5, p95 per day) as a mean line in its band.
function band(daily, key, color) {
  const series = daily[key];
  const x = series.mean.map((_, day) => day);
  const name = series.label || key;
  return [
    { x, y: series.p95, line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
    { x, y: series.p5, fill: "tonexty", line: { width: 0 }, fillcolor: color + "33", name: name + ", 90% band" },
    { x, y: series.mean, line: { color }, name: name + ", mean" },
  ];
}

// The scenario's warnings as a banner (the page renders it too when the run is done on load).
function showWarnings(warnings) {
  const box = document.getElementById("run-warnings");
  if (!box || !warnings.length || box.querySelector(".warning")) return;
  const div = document.createElement("div");
  div.className = "warning";
  div.setAttribute("role", "alert");
  const head = document.createElement("strong");
  head.textContent = warnings.length + (warnings.length === 1 ? " warning" : " warnings") + " about this scenario";
  div.appendChild(head);
  const ul = document.createElement("ul");
  for (const w of warnings) {
    const li = document.createElement("li");
    const where = w.source + (w.line ? ":" + w.line : "") + (w.field ? ": " + w.field : "");
    li.textContent = where + ": " + w.message;
    ul.appendChild(li);
  }
  div.appendChild(ul);
  box.appendChild(div);
}

async function drawResults(runId) {
  const run = (await api("/api/runs/" + runId)).body;
  showWarnings(run.summary.warnings || []);
  const tbody = document.querySelector("#headline tbody");
  tbody.replaceChildren();
  for (const [name, m] of Object.entries(run.summary.metrics)) {
    const tr = document.createElement("tr");
    for (const text of [m.label || name, fmt(m.mean, m.unit), fmt(m.p5, m.unit) + " – " + fmt(m.p95, m.unit)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  const daily = run.summary.daily;
  const layout = { margin: { t: 10 }, xaxis: { title: "day" }, template: "plotly_white" };
  Plotly.newPlot("chart-backlog", band(daily, "backlog_units", "#d62728"), layout, { responsive: true });
  Plotly.newPlot("chart-stores",
    band(daily, "stores_stocked_out", "#ff7f0e").concat(band(daily, "stores_closed", "#1f77b4")),
    layout, { responsive: true });
  const regions = (await api("/api/runs/" + runId + "/regions")).body || [];
  const rb = document.querySelector("#regions tbody");
  rb.replaceChildren();
  for (const r of regions) {
    const tr = document.createElement("tr");
    for (const text of [r.region, fmt(r.lost_revenue), fmt(r.lost_units), fmt(r.stockout_store_days)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    rb.appendChild(tr);
  }
  document.getElementById("results").hidden = false;
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
