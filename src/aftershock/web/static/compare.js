// The compare page: overlay the backlog curves of the selected runs.
"use strict";
document.addEventListener("DOMContentLoaded", async () => {
  const box = document.getElementById("chart-compare");
  const ids = box.dataset.ids.split(",").filter(Boolean);
  const query = ids.map((id) => "ids=" + encodeURIComponent(id)).join("&");
  const r = await api("/api/compare?" + query);
  if (!r.ok) return showProblem(box, r.body);
  const traces = r.body.runs.filter((run) => run.backlog_mean).map((run) => ({
    y: run.backlog_mean,
    name: run.id.slice(0, 8) + " " + run.scenario + (run.scenario_version ? " v" + run.scenario_version : ""),
    mode: "lines",
    text: run.backlog_mean.map((v) => fmt("units", v)),  // the shared number rules (app.js)
    hovertemplate: "day %{x}: %{text} units<extra>%{fullData.name}</extra>",
  }));
  Plotly.newPlot(box, traces, { margin: { t: 10 }, xaxis: { title: "day" }, yaxis: { title: "DC backlog (units)" } }, { responsive: true });
});
