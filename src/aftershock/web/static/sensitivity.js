// The sensitivity page: run the analysis in a worker, show the ranking and the tornado.
"use strict";

function num(value) {
  if (value === null || value === undefined) return "—";
  const v = Number(value);
  if (Math.abs(v) >= 100) return v.toLocaleString(undefined, { maximumFractionDigits: 0 });
  return String(Number(v.toPrecision(3)));
}

function plusMinus(value, conf) {
  return Number(value).toFixed(2) + " ± " + Number(conf).toFixed(2);
}

function showSensitivity(out, r) {
  out.replaceChildren();
  const banner = warningBanner(r.warnings);
  if (banner) out.appendChild(banner);
  const m = r.metric;
  const head = document.createElement("p");
  head.textContent =
    m.label + " at the scenario's values: " + num(r.baseline) + " " + m.unit + "; " +
    r.evaluations.distinct + " evaluations × " + r.replications + " replications in " +
    Number(r.elapsed_seconds).toFixed(0) + " s.";
  out.appendChild(head);
  const params = {};
  for (const p of r.parameters) params[p.path] = p;
  const sobol = !!r.samples;
  const morris = !!r.trajectories;
  const header = ["rank", "parameter", "range (scenario's value)"];
  if (sobol) header.push("ST ± 95%", "S1 ± 95%");
  if (morris) header.push("mu* ± 95%", "sigma");
  header.push("at low", "at high");
  const rows = r.ranking.map((row) => {
    const p = params[row.path];
    const cells = [String(row.rank), row.path, num(p.low) + " – " + num(p.high) + " (" + num(p.point) + ")"];
    if (sobol) cells.push(plusMinus(row.sobol.ST, row.sobol.ST_conf), plusMinus(row.sobol.S1, row.sobol.S1_conf));
    if (morris) cells.push(num(row.morris.mu_star) + " ± " + num(row.morris.mu_star_conf), num(row.morris.sigma));
    cells.push(num(row.tornado.low), num(row.tornado.high));
    return cells;
  });
  out.appendChild(
    listTable("ranking", "Inputs ranked by " + (sobol ? "total Sobol index ST" : "Morris mu*"), header, rows, 2)
  );
  const list = document.createElement("ul");
  for (const note of r.notes) {
    const li = document.createElement("li");
    li.textContent = note;
    list.appendChild(li);
  }
  out.appendChild(list);
  drawTornado(r);
}

function drawTornado(r) {
  const box = document.getElementById("tornado");
  if (typeof Plotly === "undefined" || !box) return;
  const rows = r.ranking.slice().sort((a, b) => a.tornado.swing - b.tornado.swing);
  const names = rows.map((row) => row.path);
  const base = r.baseline;
  const traces = [["low", "#1f77b4"], ["high", "#d62728"]].map(([end, color]) => ({
    type: "bar",
    orientation: "h",
    y: names,
    x: rows.map((row) => row.tornado[end] - base),
    base: base,
    name: "input at its " + end + " end",
    marker: { color: color },
  }));
  drawChart(
    box,
    traces,
    {
      barmode: "overlay",
      title: { text: "Tornado: " + r.metric.label + " with one input at each end" },
      xaxis: { title: { text: axisTitle(r.metric.label, r.metric.unit) } },
      yaxis: { automargin: true },
      height: Math.max(300, 60 + 40 * rows.length),
      shapes: [{ type: "line", x0: base, x1: base, yref: "paper", y0: 0, y1: 1, line: { color: "grey" } }],
    },
    { legend: "below" }
  );
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("sensitivity-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = document.getElementById("sensitivity-result");
    const box = document.getElementById("tornado");
    if (box) box.replaceChildren();
    const fields = new FormData(form);
    const params = String(fields.get("params") || "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
    const body = { params: params, metric: fields.get("metric"), method: fields.get("method") };
    for (const key of ["samples", "trajectories", "replications", "seed"]) body[key] = Number(fields.get(key));
    say(out, "Evaluating the samples in a worker… (about half a minute for ocs-2022 with the defaults)");
    const r = await api("/api/scenarios/" + encodeURIComponent(fields.get("scenario")) + "/sensitivity", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (r.ok) showSensitivity(out, r.body);
    else showProblem(out, r.body);
  });
});
