// The compare page: overlay the backlog curves of the selected runs on one time axis (charts.js),
// with the incident / restart / backlog-cleared markers the runs share.
"use strict";

// The markers every run has on the same day (a marker's day is a mean: compared as the whole day
// its line is drawn on), and the labels of those left out because the runs differ.
function sharedMarkers(charts) {
  const at = (m) => m.key + "@" + Math.round(m.day);
  const [first, ...rest] = charts.map((c) => c.markers || []);
  const shared = (first || []).filter((m) => rest.every((ms) => ms.some((o) => at(o) === at(m))));
  const kept = new Set(shared.map(at));
  const left = new Set();
  for (const ms of rest.concat([first || []])) for (const m of ms) if (!kept.has(at(m))) left.add(m.label);
  return { shared, left: [...left] };
}

// A note under the chart on what it leaves out (none when it leaves nothing out).
function chartNote(box, text) {
  if (!text) return;
  const note = document.createElement("p");
  note.className = "hint";
  note.id = "compare-chart-note";
  note.textContent = text;
  box.after(note);
  box.setAttribute("aria-describedby", note.id);
}

document.addEventListener("DOMContentLoaded", async () => {
  const box = document.getElementById("chart-compare");
  const ids = box.dataset.ids.split(",").filter(Boolean);
  const query = ids.map((id) => "ids=" + encodeURIComponent(id)).join("&");
  const r = await api("/api/compare?" + query);
  if (!r.ok) return showProblem(box, r.body);
  const runs = r.body.runs.filter((run) => run.backlog_mean);
  if (!runs.length) return;
  // each run's start date and markers: the run API's chart fields (web/chart_data.py)
  const charts = (await Promise.all(runs.map((run) => api("/api/runs/" + encodeURIComponent(run.id)))))
    .map((res) => (res.ok && res.body.chart) || { start_date: null, markers: [] });
  // dates only when every run starts on the same date: otherwise one date axis would shift them
  const starts = new Set(charts.map((c) => c.start_date || ""));
  const start = starts.size === 1 ? charts[0].start_date : null;
  const { shared, left } = sharedMarkers(charts);
  const traces = runs.map((run) => ({
    x: chartDays(run.backlog_mean.length, start),
    y: run.backlog_mean,
    name: run.id.slice(0, 8) + " " + run.scenario + (run.scenario_version ? " v" + run.scenario_version : ""),
    mode: "lines",
    text: run.backlog_mean.map((v) => fmt("units", v)),  // the shared number rules (app.js)
    customdata: run.backlog_mean.map((_, day) => day),
    hovertemplate: (start ? "%{x} (day %{customdata})" : "day %{x}") + ": %{text} units<extra>%{fullData.name}</extra>",
  }));
  drawChart(box, traces, {}, { time: true, start, markers: shared, yTitle: axisTitle("DC backlog, mean", "units") });
  const notes = [];
  if (starts.size > 1) notes.push("The runs' scenarios start on different dates: the time axis counts days from each one's start.");
  if (left.length && runs.length > 1) {
    notes.push("Only the markers all runs share are drawn; the runs differ on: " + left.join(", ") +
      " (each run's own are on its page).");
  }
  chartNote(box, notes.join(" "));
});
