// The dispatch-plan page: post the three tables, show the summary, offer the plan as CSV.
"use strict";

function cell(row, text, numeric) {
  const td = document.createElement("td");
  td.textContent = text;
  if (numeric) td.className = "num";
  row.appendChild(td);
}

function dayText(day, date) {
  if (day === null || day === undefined) return "not within the plan";
  return date ? "day " + day + " (" + date + ")" : "day " + day;
}

function csvOf(lines) {
  const quote = (v) => (/[",\n]/.test(String(v)) ? '"' + String(v).replace(/"/g, '""') + '"' : String(v));
  const rows = ["store,item,day,units"];
  for (const l of lines) rows.push([l.store, l.item, l.day, l.units].map(quote).join(","));
  return rows.join("\n") + "\n";
}

function showPlan(out, body) {
  const s = body.summary;
  out.replaceChildren();
  const head = document.createElement("div");
  head.className = "card";
  const facts = [
    "Backlog " + Math.round(s.backlog_units).toLocaleString() + " units; " +
      Math.round(s.planned_shipments_units).toLocaleString() + " units to ship; expected lost sales " +
      Math.round(s.expected_lost_units).toLocaleString() + " units.",
    "Backlog cleared: " + dayText(s.backlog_clear_day, s.backlog_clear_date) + ".",
    s.stores_not_back_in_horizon
      ? s.stores_not_back_in_horizon + " of " + s.stores + " stores are not back to target cover within the plan."
      : "Every store back to target cover by " + dayText(s.last_store_recovery_day, s.last_store_recovery_date) + ".",
  ];
  const shifts = s.extra_shifts.map((z, d) => [d, z]).filter(([, z]) => z > 0.005);
  facts.push(
    shifts.length
      ? "Extra shifts: " + shifts.map(([d, z]) => "day " + d + ": " + z.toFixed(2)).join(", ") +
        " (cost " + Math.round(s.extra_shift_cost).toLocaleString() + ")."
      : "Extra shifts: none needed."
  );
  for (const text of facts) {
    const p = document.createElement("p");
    p.textContent = text;
    head.appendChild(p);
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([csvOf(body.dispatch)], { type: "text/csv" }));
  link.download = "dispatch.csv";
  link.id = "dispatch-link";
  link.textContent = "Download the dispatch plan (" + body.dispatch.length + " lines, CSV)";
  head.appendChild(link);
  out.appendChild(head);

  const table = document.createElement("table");
  table.className = "list";
  table.id = "store-days";
  const caption = document.createElement("caption");
  caption.textContent = "Stores by the day they are back to target cover, latest first";
  table.appendChild(caption);
  const hr = document.createElement("tr");
  for (const h of ["store", "back to target cover"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    hr.appendChild(th);
  }
  table.appendChild(hr);
  const order = body.stores.slice().sort((a, b) => (b.recovery_day ?? 1e9) - (a.recovery_day ?? 1e9));
  for (const st of order) {
    const tr = document.createElement("tr");
    cell(tr, st.store, false);
    cell(tr, dayText(st.recovery_day, st.recovery_date), false);
    table.appendChild(tr);
  }
  out.appendChild(table);
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("plan-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = document.getElementById("plan-result");
    const data = new FormData();
    for (const [key, value] of new FormData(form).entries()) {
      if (value === "" || (value instanceof File && !value.name)) continue;
      data.append(key, value);
    }
    say(out, "Planning…");
    const r = await api("/api/plan", { method: "POST", body: data });
    if (r.ok) showPlan(out, r.body);
    else showProblem(out, r.body);
  });
});
