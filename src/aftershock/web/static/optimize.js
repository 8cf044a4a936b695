// The optimiser page: ask for the plan, show the promise, the days and the comparison.
"use strict";

// Numbers are written by app.js's fmt(unit or metric, value), as the CLI and the report write
// them: whole units with separators, days and seconds to one decimal.

function showOptimised(out, r) {
  out.replaceChildren();
  const banner = warningBanner(r.warnings);
  if (banner) out.appendChild(banner);
  const head = document.createElement("div");
  head.className = "card";
  const total = r.extra_shifts.reduce((a, b) => a + b, 0);
  // whole shifts (the default) read as whole numbers; fractional ones (on request) to one decimal
  const shifts = (v) => fmt(r.whole_shifts ? "units" : "number", v);
  const diff = r.lost_units_vs_scenario_plan;
  const lines = [
    r.promised_recovery_date || r.promised_recovery_day !== null
      ? "Promise to stores: backlog back to its pre-incident level by " +
        (r.promised_recovery_date || "day " + Math.ceil(r.promised_recovery_day)) + " (95% of replications)."
      : "No promise: the backlog does not clear within the horizon in more than 5% of replications.",
    "Extra shifts in all: " + shifts(total) + " (LP " + r.lp_status + ", " + fmt("number", r.solve_seconds) + " s).",
    "Lost units against the scenario's own plan, paired on the same random numbers: " +
      (diff.mean >= 0 ? "+" : "") + fmt("units", diff.mean) + " ± " + fmt("units", diff.standard_error) + ".",
  ];
  for (const text of lines) {
    const p = document.createElement("p");
    p.textContent = text;
    head.appendChild(p);
  }
  // with several DCs each line names the DC that ships it
  const byDc = r.dispatch.length > 0 && r.dispatch[0].dc !== undefined;
  const columns = byDc ? ["dc", "store", "item", "day", "units"] : ["store", "item", "day", "units"];
  const csv = [columns.join(",")].concat(r.dispatch.map((l) => columns.map((c) => l[c]).join(",")));
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([csv.join("\n") + "\n"], { type: "text/csv" }));
  link.download = r.scenario + "-dispatch.csv";
  link.id = "dispatch-link";
  link.textContent =
    "Download the dispatch plan (" + fmt("units", r.dispatch.length) + " lines" + (r.whole_units ? " in whole units" : "") + ", CSV)";
  head.appendChild(link);
  out.appendChild(head);
  const estimates = estimatesCard(r.lost_units_estimates);
  if (estimates) out.appendChild(estimates);

  // labels come with the replayed metrics (sim/metrics.py); each written by its metric's rule
  const names = ["lost_sales_units", "lost_margin", "stockout_store_days", "backlog_clear_day", "service_restored_day", "surge_cost"];
  out.appendChild(
    listTable(
      "versus",
      "Optimised plan against the scenario's own plan (means of " + r.replications + " replications)",
      ["", "optimised plan", "scenario plan"],
      names.map((k) => {
        const m = r.replayed[k];
        return [m.label, fmt(k, m.mean), fmt(k, r.scenario_plan[k].mean)];
      })
    )
  );
  if ((r.dcs || []).length > 1) {
    out.appendChild(
      listTable(
        "by-dc",
        "The plan per DC",
        ["DC", "restart day", "extra shifts", "shipped, units", "shipped for other DCs, units", "shipped for it by backups, units"],
        r.dcs.map((d) => [
          d.dc,
          d.restart_day === null ? "—" : "day " + d.restart_day,
          shifts(d.extra_shifts),
          fmt("units", d.planned_shipments_units),
          fmt("units", d.shipped_for_other_dcs_units),
          fmt("units", d.shipped_by_backups_units),
        ])
      )
    );
  }
  const days = r.schedule.filter((d) => d.extra_shifts > 0.005 || d.day < r.restart_day + 7);
  out.appendChild(
    listTable(
      "schedule",
      "The plan per day (units)",
      ["day", "extra shifts", "shipped", "backlog", "lost"],
      days.map((d) => [
        d.date ? "day " + d.day + " (" + d.date + ")" : "day " + d.day,
        shifts(d.extra_shifts),
        fmt("units", d.planned_shipments_units),
        fmt("units", d.planned_backlog_units),
        fmt("units", d.planned_lost_units),
      ])
    )
  );
}

// The LP's lost units beside the replay's, each with what it means, and a warning when far apart.
function estimatesCard(e) {
  if (!e || e.lp_lost_units === undefined) return null;
  const card = document.createElement("div");
  card.className = "card";
  card.id = "estimates";
  const title = document.createElement("h2");
  title.textContent = "Lost units after the restart: the LP's estimate and the replay";
  card.appendChild(title);
  const rows = [
    ["LP estimate", e.lp_lost_units, e.lp_means],
    ["Replay", e.replay_lost_units, e.replay_means],
    ["Plan followed with expected demand", e.followed_lost_units, e.followed_means],
  ];
  for (const [name, units, means] of rows) {
    const p = document.createElement("p");
    const b = document.createElement("strong");
    b.textContent = name + ": " + fmt("units", units) + " units";
    p.append(b, " — " + means);
    card.appendChild(p);
  }
  if (e.warning) {
    // not the page's .warning banner (about the scenario): a note on these two numbers
    const w = document.createElement("p");
    w.className = "estimate-warning";
    w.setAttribute("role", "note");
    const head = document.createElement("strong");
    head.textContent = "Why they differ: ";
    w.append(head, e.warning);
    card.appendChild(w);
  }
  return card;
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("optimize-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = document.getElementById("optimize-result");
    const fields = new FormData(form);
    const body = { objective: fields.get("objective"), fractional_shifts: fields.get("fractional_shifts") === "on" };
    for (const key of ["budget_shifts", "replications", "seed"]) {
      if (fields.get(key) !== "") body[key] = Number(fields.get(key));
    }
    say(out, "Optimising and replaying… (about half a minute for ocs-2022)");
    const r = await api("/api/scenarios/" + encodeURIComponent(fields.get("scenario")) + "/optimize", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (r.ok) showOptimised(out, r.body);
    else showProblem(out, r.body);
  });
});
