// Shared helpers: authorised fetch, problem rendering, the upload and run forms.
"use strict";

function token() {
  const field = document.getElementById("token");
  if (field && field.value) sessionStorage.setItem("aftershock-token", field.value);
  return sessionStorage.getItem("aftershock-token") || "";
}

// The CSRF cookie the server sets on every page, echoed in a header on writes (double submit).
function csrfToken() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("aftershock_csrf="));
  return found ? found.slice("aftershock_csrf=".length) : "";
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const t = token();
  if (t) headers["Authorization"] = "Bearer " + t;
  if (options.method && options.method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  const response = await fetch(path, Object.assign({}, options, { headers }));
  let body = null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) body = await response.json();
  return { ok: response.ok, status: response.status, body };
}

// A problem body (RFC 9457) as a list the user can read; text only, never HTML.
function showProblem(target, body) {
  target.replaceChildren();
  const head = document.createElement("p");
  head.className = "error";
  head.textContent = (body && body.detail) || "Request failed";
  target.appendChild(head);
  const items = (body && body.problems) || [];
  if (items.length) {
    const list = document.createElement("ul");
    list.className = "problems";
    for (const p of items) {
      const li = document.createElement("li");
      const where = [p.source, p.line ? "line " + p.line : null, p.row ? "row " + p.row : null].filter(Boolean).join(" ");
      li.textContent = where + (p.field ? " · " + p.field : "") + ": " + p.message;
      list.appendChild(li);
    }
    target.appendChild(list);
  }
}

function say(target, text, cls) {
  target.replaceChildren();
  const p = document.createElement("p");
  if (cls) p.className = cls;
  p.textContent = text;
  target.appendChild(p);
}

document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("token");
  if (field) field.value = sessionStorage.getItem("aftershock-token") || "";

  const upload = document.getElementById("upload");
  if (upload) {
    upload.addEventListener("submit", async (event) => {
      event.preventDefault();
      const out = document.getElementById("upload-result");
      say(out, "Validating…");
      const data = new FormData();
      data.append("scenario", document.getElementById("scenario-file").files[0]);
      const stores = document.getElementById("stores-file").files[0];
      if (stores) data.append("stores", stores);
      const r = await api("/api/scenarios", { method: "POST", body: data });
      if (r.ok) {
        out.replaceChildren();
        const p = document.createElement("p");
        p.className = "ok";
        p.textContent = "Uploaded " + r.body.name + (r.body.version ? " as version " + r.body.version : "") + ". ";
        const a = document.createElement("a");
        a.href = r.body.page || "/scenarios/" + r.body.id;
        a.textContent = "Open it";
        p.appendChild(a);
        out.appendChild(p);
      } else {
        showProblem(out, r.body);
      }
    });
  }

  const form = document.getElementById("run-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const out = document.getElementById("run-result");
      const body = {};
      for (const [key, value] of new FormData(form).entries()) {
        if (value === "") continue;
        if (["replications", "seed", "horizon_days", "pause_days", "surge_shifts"].includes(key)) body[key] = Number(value);
        else if (key === "order_cap") body[key] = value === "none" ? "none" : Number(value);
        else body[key] = value;
      }
      say(out, "Starting…");
      const r = await api("/api/runs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      if (r.ok) window.location.href = r.body.page;
      else showProblem(out, r.body);
    });
  }
});

// A scenario's warnings ({source, line, field, message} each) as the banner of warnings.html;
// null when there are none. Shared by the run and optimise pages.
function warningBanner(warnings) {
  if (!warnings || !warnings.length) return null;
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
  return div;
}

// A table of results: a caption, a header row and rows of text; the columns from
// `textColumns` on are numbers (right-aligned). Shared by the optimise and sensitivity pages.
function listTable(id, caption, header, rows, textColumns = 1) {
  const t = document.createElement("table");
  t.className = "list";
  t.id = id;
  const c = document.createElement("caption");
  c.textContent = caption;
  t.appendChild(c);
  const hr = document.createElement("tr");
  header.forEach((h, i) => {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    if (i >= textColumns) th.className = "num";
    hr.appendChild(th);
  });
  t.appendChild(hr);
  for (const row of rows) {
    const tr = document.createElement("tr");
    row.forEach((v, i) => {
      const td = document.createElement("td");
      td.textContent = v;
      if (i >= textColumns) td.className = "num";
      tr.appendChild(td);
    });
    t.appendChild(tr);
  }
  return t;
}

// How numbers are written, the same everywhere: the rules of aftershock.formatting, embedded
// in every page (base.html; also served at /api/formats). Read once, on first use.
let formatRules = null;
function formats() {
  if (!formatRules) {
    const el = document.getElementById("formats");
    formatRules = el ? JSON.parse(el.textContent) : { kinds: {}, metrics: {}, missing: "—" };
  }
  return formatRules;
}

// A metric's name for people, with its unit in words (the raw name if unknown).
function metricLabel(metric) {
  const m = formats().metrics[metric];
  return m ? m.label : metric;
}

// `value` of `metric` (a metric name or a kind such as "units" or "share") written as the CLI
// and the report write it: whole units with thousands separators, shares as percentages with
// one decimal, days with one decimal; half away from zero, like Python's side.
function fmt(metric, value) {
  const rules = formats();
  if (value === null || value === undefined || Number.isNaN(Number(value))) return rules.missing;
  const m = rules.metrics[metric];
  const rule = rules.kinds[m ? m.kind : (rules.kinds[metric] ? metric : "units")];
  if (!rule) return String(value);
  const number = rule.percent ? Number(value) * 100 : Number(value);
  const text = new Intl.NumberFormat("en-US", {
    minimumFractionDigits: rule.decimals, maximumFractionDigits: rule.decimals, roundingMode: "halfExpand",
  }).format(number);
  return (/^-0(\.0+)?$/.test(text) ? text.slice(1) : text) + rule.suffix;
}

// Delete buttons of uploaded scenarios (list and scenario pages): ask first, naming how many
// runs go with the scenario; the server deletes only with confirm=true.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button.delete-scenario")) {
    button.addEventListener("click", async () => {
      const { id, name, version, runs } = button.dataset;
      const n = Number(runs);
      const question = "Delete scenario " + name + " v" + version + (n ? " and the " + n + (n === 1 ? " run" : " runs") + " that use it" : "") + "? This cannot be undone.";
      if (!window.confirm(question)) return;
      const out = document.getElementById("delete-result");
      const r = await api("/api/scenarios/" + encodeURIComponent(id) + "?confirm=true", { method: "DELETE" });
      if (r.ok) window.location.href = "/";
      else if (out) showProblem(out, r.body);
    });
  }
});
