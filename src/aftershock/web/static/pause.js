// The pause-decision page: run the study in a worker, show the table and the chart.
"use strict";

function money(value) {
  if (value === null || value === undefined) return "—";
  const v = Number(value);
  if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(2) + " M";
  return v.toLocaleString(undefined, { maximumFractionDigits: 0 });
}

function percent(value) {
  return (100 * Number(value)).toFixed(1) + "%";
}

function pauseTable(r) {
  const t = document.createElement("table");
  t.className = "list";
  t.id = "pause-table";
  const c = document.createElement("caption");
  c.textContent = r.scenario + ": " + r.replications + " replications per pause length";
  t.appendChild(c);
  const header = ["pause (days)", "expected loss", "95% interval", "p95 loss",
    "attack reaches isolated", "cost of the pause", "per day", "best in"];
  const hr = document.createElement("tr");
  for (const h of header) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    th.className = "num";
    hr.appendChild(th);
  }
  t.appendChild(hr);
  for (const row of r.rows) {
    const tr = document.createElement("tr");
    const cells = [
      String(row.pause_days) + (row.best ? " (best)" : ""),
      money(row.expected_loss),
      money(row.expected_loss_ci95[0]) + " – " + money(row.expected_loss_ci95[1]),
      money(row.p95_loss),
      percent(row.reach_probability),
      money(row.pause_cost),
      money(row.pause_cost_per_day),
      percent(row.best_share),
    ];
    for (const v of cells) {
      const td = document.createElement("td");
      td.textContent = v;
      td.className = "num";
      tr.appendChild(td);
    }
    t.appendChild(tr);
  }
  return t;
}

function showPause(out, r) {
  out.replaceChildren();
  const banner = warningBanner(r.warnings);
  if (banner) out.appendChild(banner);
  out.appendChild(pauseTable(r));
  const verdict = document.createElement("p");
  verdict.id = "pause-verdict";
  const tied = r.tied_with && r.tied_with.length ? ", tied with " + r.tied_with.join(", ") + " days" : "";
  let text = "Best: a pause of " + r.best_pause_days + " days (least expected loss" + tied + "; best in " +
    percent(r.best_share) + " of bootstrap resamples)";
  const other = r.versus_runner_up;
  if (other) {
    text += "; the next, " + other.pause_days + " days, loses " + money(other.extra_expected_loss) +
      " more on average (95% interval " + money(other.extra_expected_loss_ci95[0]) + " – " +
      money(other.extra_expected_loss_ci95[1]) + ", paired)";
  }
  verdict.textContent = text + ". Isolated systems: " + (r.guarded_services.join(", ") || "none") + ".";
  out.appendChild(verdict);
  drawPause(r);
}

function drawPause(r) {
  const box = document.getElementById("pause-chart");
  if (typeof Plotly === "undefined" || !box) return;
  const x = r.rows.map((row) => row.pause_days);
  // charts.js: fills the box, follows the window; legend below (the probability axis is on the right)
  drawChart(
    box,
    [
      {
        type: "scatter", mode: "lines+markers", name: "expected loss", x: x,
        y: r.rows.map((row) => row.expected_loss),
        error_y: {
          type: "data", symmetric: false,
          array: r.rows.map((row) => row.expected_loss_ci95[1] - row.expected_loss),
          arrayminus: r.rows.map((row) => row.expected_loss - row.expected_loss_ci95[0]),
        },
      },
      { type: "scatter", mode: "lines+markers", name: "p95 loss", x: x, y: r.rows.map((row) => row.p95_loss) },
      {
        type: "bar", name: "chance the attack reaches the isolated systems", x: x, yaxis: "y2", opacity: 0.3,
        y: r.rows.map((row) => row.reach_probability),
      },
    ],
    {
      title: { text: r.scenario + ": loss by length of the precautionary pause" },
      xaxis: { title: { text: "pause (days)" }, dtick: 1 },
      yaxis: { title: { text: "loss (scenario currency)" } },
      yaxis2: { title: { text: "probability" }, overlaying: "y", side: "right", range: [0, 1], tickformat: ".0%",
        tickmode: "array", tickvals: [0, 0.25, 0.5, 0.75, 1], showgrid: false },
    },
    { legend: "below" }
  );
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("pause-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = document.getElementById("pause-result");
    const box = document.getElementById("pause-chart");
    if (box) box.replaceChildren();
    const fields = new FormData(form);
    const days = String(fields.get("days") || "").split(",").map((d) => d.trim()).filter((d) => d !== "").map(Number);
    const body = { days: days, replications: Number(fields.get("replications")), seed: Number(fields.get("seed")) };
    say(out, "Pricing each pause length in a worker…");
    const r = await api("/api/scenarios/" + encodeURIComponent(fields.get("scenario")) + "/pause-study", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (r.ok) showPause(out, r.body);
    else showProblem(out, r.body);
  });
});
