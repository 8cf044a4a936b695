// The run page: poll progress while the run is queued or running, then draw its results.
"use strict";

const LABELS = {
  lost_sales_units: "Lost sales, units", lost_sales_revenue: "Lost sales, revenue", lost_margin: "Lost margin",
  stockout_store_days: "Store-days with empty shelves", closed_store_days: "Store-days closed",
  worst_store_stockout_days: "Days without stock, worst store", fill_rate: "Fill rate",
  backlog_peak_units: "Peak DC backlog, units", backlog_clear_day: "Backlog cleared (day)",
  service_restored_day: "Standard service back (day)", customers_lost: "Demand lost to churn, units", surge_cost: "Surge cost",
};

function fmt(value, unit) {
  if (value === null || value === undefined) return "—";
  if (unit === "share") return (100 * value).toFixed(1) + "%";
  if (unit === "day") return value.toFixed(1);
  return Math.round(value).toLocaleString("en");
}

function band(x, series, name, color) {
  return [
    { x, y: series.p95, line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
    { x, y: series.p5, fill: "tonexty", line: { width: 0 }, fillcolor: color + "33", name: name + ", 90% band" },
    { x, y: series.mean, line: { color }, name: name + ", mean" },
  ];
}

async function drawResults(runId) {
  const run = (await api("/api/runs/" + runId)).body;
  const tbody = document.querySelector("#headline tbody");
  tbody.replaceChildren();
  for (const [name, label] of Object.entries(LABELS)) {
    const m = run.summary.metrics[name];
    if (!m) continue;
    const tr = document.createElement("tr");
    for (const text of [label, fmt(m.mean, m.unit), fmt(m.p5, m.unit) + " – " + fmt(m.p95, m.unit)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  const daily = (await api("/api/runs/" + runId + "/daily")).body;
  const x = daily.day;
  const layout = { margin: { t: 10 }, xaxis: { title: "day" }, template: "plotly_white" };
  Plotly.newPlot("chart-backlog", band(x, daily.backlog_units, "backlog (units)", "#d62728"), layout, { responsive: true });
  Plotly.newPlot("chart-stores",
    band(x, daily.stores_stocked_out, "stores out of stock", "#ff7f0e").concat(band(x, daily.stores_closed, "stores closed", "#1f77b4")),
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
  if (box.dataset.status === "failed") return;
  const timer = setInterval(async () => {
    const r = await api("/api/runs/" + runId);
    if (!r.ok) return;
    document.getElementById("progress").value = r.body.progress;
    document.getElementById("status-text").textContent = r.body.status + " " + Math.round(100 * r.body.progress) + "%";
    if (r.body.status === "done") {
      clearInterval(timer);
      document.getElementById("progress-box").hidden = true;
      drawResults(runId);
    } else if (r.body.status === "failed") {
      clearInterval(timer);
      window.location.reload();
    }
  }, 700);
});
