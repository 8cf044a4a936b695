// The scenario page's incident day by day (issue 16): the impact summary, a timeline of the
// services (horizontal bars: a base and a length each, which the basic Plotly bundle draws) and
// a map of the stores as a plain scatter of their coordinates, recoloured for the day the
// slider picks. Everything comes from /api/scenarios/REF/insight; nothing from elsewhere.
"use strict";

// Okabe-Ito colours: told apart with the common colour-vision deficiencies.
const SERVICE_COLOURS = {
  compromised: "#D55E00",
  isolated: "#CC79A7",
  restoring: "#E69F00",
  restored: "#009E73",
  "fallback rolling out": "#56B4E9",
  "fallback in use": "#0072B2",
};
const SERVICE_WORDS = {
  compromised: "compromised: down, in the attacker's hands",
  isolated: "isolated: switched off or cut as a precaution",
  restoring: "restoring: coming back (ramp or crews on site)",
  restored: "restored: back in full",
  "fallback rolling out": "fallback rolling out: switched on at more sites each day",
  "fallback in use": "fallback in use: at every site it will reach",
};
const STORE_COLOURS = ["#009E73", "#E69F00", "#CC79A7", "#D55E00"];
const STORE_WORDS = [
  "open: sells and receives in full",
  "degraded: sells or receives at part of its capacity",
  "cannot receive: sells, but no deliveries reach it",
  "closed: cannot sell",
];
const DAY_MS = 86400000;
const AXIS = { date: "date", linear: "linear", category: "category" };

// "2021-07-02" for a day counted from the start date; null without one.
function dayDate(day, start) {
  if (!start) return null;
  const [y, m, d] = start.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + day)).toISOString().slice(0, 10);
}

// "day 9 (Sun 04 Jul 2021)", or "day 9" without a start date.
function dayWords(day, start) {
  const iso = dayDate(day, start);
  if (!iso) return "day " + day;
  const when = new Date(iso + "T00:00:00Z");
  const text = when.toLocaleDateString("en-GB", { weekday: "short", day: "2-digit", month: "short", year: "numeric", timeZone: "UTC" });
  return "day " + day + " (" + text.replace(/,/g, "") + ")";
}

function percent(share) {
  return (100 * share).toFixed(1) + "%";
}

function cell(row, text, tag = "td") {
  const el = document.createElement(tag);
  el.textContent = text;
  if (tag === "th") el.scope = row.parentElement && row.parentElement.tagName === "THEAD" ? "col" : "row";
  row.appendChild(el);
  return el;
}

function legend(list, colours, words) {
  list.replaceChildren();
  Object.assign(list.style, { listStyle: "none", paddingLeft: "0", display: "flex", flexWrap: "wrap", gap: ".3rem 1.2rem" });
  words.forEach((text, i) => {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    Object.assign(swatch.style, { display: "inline-block", width: ".9em", height: ".9em", marginRight: ".35em", verticalAlign: "-.1em", background: colours[i], borderRadius: "2px" });
    swatch.setAttribute("aria-hidden", "true");
    li.append(swatch, text);
    list.appendChild(li);
  });
}

function summaryTable(table, data) {
  const s = data.summary;
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  for (const h of ["", ...s.views.map((v) => v.label)]) cell(head, h, "th");
  const body = table.createTBody();
  const rows = [
    ["chain can sell (share of normal demand)", (v) => percent(v.sell_capacity_share)],
    ["stores selling in full", (v) => v.stores_selling.full.toLocaleString("en")],
    ["stores selling in part", (v) => v.stores_selling.partial.toLocaleString("en")],
    ["stores closed", (v) => v.stores_selling.closed.toLocaleString("en")],
  ];
  if (s.views.some((v) => v.stores_receiving)) {
    const got = (v, key) => (v.stores_receiving ? v.stores_receiving[key].toLocaleString("en") : "—");
    rows.push(
      ["stores getting every delivery", (v) => got(v, "full")],
      ["stores getting part of their deliveries", (v) => got(v, "partial")],
      ["stores getting no deliveries", (v) => got(v, "none")],
    );
  }
  for (const [label, value] of rows) {
    const tr = body.insertRow();
    cell(tr, label, "th");
    for (const v of s.views) cell(tr, value(v));
  }
  const foot = table.createTBody();
  const hit = foot.insertRow();
  cell(hit, "compromised", "th");
  cell(hit, s.compromised.map((c) => c.service + (c.delay_days ? " (+" + c.delay_days + " d)" : "")).join(", ") || "—").colSpan = s.views.length;
  const iso = foot.insertRow();
  cell(iso, "isolated", "th");
  cell(iso, s.isolated.join(", ") || "—").colSpan = s.views.length;
}

// The timeline's bars: services' intervals, then each fallback's roll-out as a row of its own.
function timelineBars(data) {
  const bars = [];
  const labels = [];
  for (const row of data.timeline.rows) {
    labels.push(row.id);
    for (const iv of row.intervals) bars.push({ label: row.id, state: iv.state, from: iv.from, to: iv.to, note: "" });
  }
  for (const fb of data.fallbacks) {
    const label = "fallback " + fb.service;
    labels.push(label);
    const first = fb.enabled.findIndex((n) => n > 0);
    if (first < 0) continue;
    let full = fb.enabled.findIndex((n) => n >= fb.reach);
    full = full < 0 ? fb.enabled.length : full;
    if (full > first) bars.push({ label, state: "fallback rolling out", from: first, to: full, note: fb.enabled[first] + " to " + fb.enabled[full - 1] + " of " + fb.sites + " sites" });
    if (full < fb.enabled.length) bars.push({ label, state: "fallback in use", from: full, to: fb.enabled.length, note: fb.reach + " of " + fb.sites + " sites" });
  }
  return { bars, labels };
}

function drawTimeline(el, data) {
  const start = data.start_date;
  const { bars, labels } = timelineBars(data);
  const traces = Object.keys(SERVICE_COLOURS).map((state) => {
    const mine = bars.filter((b) => b.state === state);
    return {
      type: "bar",
      orientation: "h",
      name: state,
      y: mine.map((b) => b.label),
      base: mine.map((b) => (start ? dayDate(b.from, start) : b.from)),
      x: mine.map((b) => (b.to - b.from) * (start ? DAY_MS : 1)),
      marker: { color: SERVICE_COLOURS[state] },
      customdata: mine.map((b) => b.label + ": " + state + " from " + dayWords(b.from, start) + " to " + dayWords(b.to - 1, start) + (b.note ? "; " + b.note : "")),
      hovertemplate: "%{customdata}<extra></extra>",
    };
  });
  el.style.height = Math.max(220, 90 + 30 * labels.length) + "px";
  const layout = {
    autosize: true,
    barmode: "overlay",
    bargap: 0.3,
    hovermode: "closest",
    // the colours are told in words under the chart (a legend in the plot would squeeze it at 400 px)
    showlegend: false,
    margin: { t: 10, r: 10, b: 45, l: 10 },
    // axis types written apart from trace types: tests/web/test_static_payload.py lists the trace types used
    xaxis: start
      ? { type: AXIS.date, title: { text: "date" }, tickformat: "%d %b", range: [dayDate(0, start), dayDate(data.horizon_days, start)] }
      : { type: AXIS.linear, title: { text: "day (from the scenario's start)" }, range: [0, data.horizon_days] },
    yaxis: { type: AXIS.category, categoryorder: "array", categoryarray: labels, range: [labels.length - 0.5, -0.5], automargin: true, tickfont: { size: 11 } },
    shapes: [dayLine(0, start)],
  };
  // every label, even of a service the incident never touches: the chart lists what stayed up too
  traces.push({ type: "scatter", mode: "markers", y: labels, x: labels.map(() => (start ? dayDate(0, start) : 0)), marker: { opacity: 0 }, hoverinfo: "skip", showlegend: false });
  el.dataset.bars = String(bars.length);
  return Plotly.newPlot(el, traces, layout, { responsive: true, displaylogo: false });
}

// The slider's day on the timeline: a line over the middle of that day.
function dayLine(day, start) {
  const x = start ? new Date(Date.parse(dayDate(day, start)) + DAY_MS / 2).toISOString() : day + 0.5;
  return { type: "line", xref: "x", x0: x, x1: x, yref: "paper", y0: 0, y1: 1, line: { color: "#1f2328", width: 1.5, dash: "dot" } };
}

// Points with coordinates: their positions in the store arrays, and the map's aspect (a
// degree of longitude is shorter than one of latitude by cos(latitude)).
function mapPoints(stores) {
  const at = [];
  let latSum = 0;
  stores.latitude.forEach((lat, i) => {
    const lon = stores.longitude[i];
    if (lat === null || lon === null) return;
    at.push(i);
    latSum += lat;
  });
  const meanLat = at.length ? latSum / at.length : 0;
  return { at, ratio: 1 / Math.max(0.1, Math.cos((meanLat * Math.PI) / 180)) };
}

function storeColours(stores, at, day) {
  const line = stores.states[day];
  return at.map((i) => STORE_COLOURS[line.charCodeAt(i) - 48]);
}

function drawMap(el, data, points, day) {
  const s = data.stores;
  const names = s.states_names;
  const trace = {
    type: "scatter",
    mode: "markers",
    x: points.at.map((i) => s.longitude[i]),
    y: points.at.map((i) => s.latitude[i]),
    customdata: points.at.map((i) => s.ids[i] + " (" + s.regions[i] + ")"),
    text: points.at.map((i) => names[s.states[day].charCodeAt(i) - 48]),
    hovertemplate: "%{customdata}: %{text}<extra></extra>",
    marker: { size: 7, color: storeColours(s, points.at, day), line: { width: 0.5, color: "#ffffff" } },
    showlegend: false,
  };
  const layout = {
    autosize: true,
    hovermode: "closest",
    margin: { t: 10, r: 10, b: 45, l: 55 },
    // equal distances in both directions; the plot shrinks to fit rather than widening the range
    xaxis: { title: { text: "longitude (°)" }, zeroline: false, constrain: "domain" },
    yaxis: { title: { text: "latitude (°)" }, zeroline: false, scaleanchor: "x", scaleratio: points.ratio, constrain: "domain" },
  };
  return Plotly.newPlot(el, [trace], layout, { responsive: true, displaylogo: false });
}

function showDay(data, points, day) {
  const s = data.stores;
  const counts = s.counts[day];
  document.getElementById("day-label").textContent = dayWords(day, data.start_date);
  document.getElementById("store-counts").textContent =
    "On " + dayWords(day, data.start_date) + ": " + s.states_names.map((n, k) => counts[k].toLocaleString("en") + " " + n).join(", ") + ".";
  const map = document.getElementById("store-map");
  if (points.at.length && map.data) {
    const names = s.states_names;
    Plotly.restyle(map, { "marker.color": [storeColours(s, points.at, day)], text: [points.at.map((i) => names[s.states[day].charCodeAt(i) - 48])] });
    map.dataset.day = String(day);
  }
  const chart = document.getElementById("timeline-chart");
  if (chart.data) Plotly.relayout(chart, { shapes: [dayLine(day, data.start_date)] });
}

// The day most stores are not open on (the first of them): where the slider starts.
function worstDay(stores) {
  let best = 0;
  stores.counts.forEach((c, day) => {
    if (c[0] < stores.counts[best][0]) best = day;
  });
  return best;
}

function timelineText(data) {
  const parts = [];
  for (const row of data.timeline.rows) {
    if (!row.intervals.length) continue;
    parts.push(row.id + ": " + row.intervals.map((iv) => iv.state + " from " + dayWords(iv.from, data.start_date) + " to " + dayWords(iv.to - 1, data.start_date)).join(", then "));
  }
  for (const fb of data.fallbacks) {
    const first = fb.enabled.findIndex((n) => n > 0);
    parts.push("fallback " + fb.service + ": " + (first < 0 ? "not switched on within the horizon" : fb.sites_per_day + " sites a day from " + dayWords(first, data.start_date) + ", " + fb.reach + " of its " + fb.sites + " sites in all"));
  }
  return parts.length ? parts.join(". ") + "." : "No service is touched within the horizon.";
}

async function initInsight() {
  const section = document.getElementById("insight");
  if (!section) return;
  const status = document.getElementById("insight-status");
  const r = await api("/api/scenarios/" + encodeURIComponent(section.dataset.ref) + "/insight");
  if (!r.ok) return showProblem(status, r.body);
  const data = r.body;
  status.textContent = "";
  status.hidden = true;
  document.getElementById("insight-body").hidden = false;
  summaryTable(document.getElementById("impact-summary"), data);
  document.getElementById("insight-notes").textContent = data.notes.join(" ");
  legend(document.getElementById("timeline-legend"), Object.values(SERVICE_COLOURS), Object.values(SERVICE_WORDS));
  legend(document.getElementById("map-legend"), STORE_COLOURS, STORE_WORDS);
  document.getElementById("timeline-text").textContent = timelineText(data);
  const points = mapPoints(data.stores);
  const day = worstDay(data.stores);
  const slider = document.getElementById("day-slider");
  slider.max = String(data.horizon_days - 1);
  slider.value = String(day);
  await drawTimeline(document.getElementById("timeline-chart"), data);
  const map = document.getElementById("store-map");
  if (points.at.length) {
    await drawMap(map, data, points, day);
    map.dataset.day = String(day);
  } else {
    map.hidden = true;
    const note = document.getElementById("map-note");
    note.hidden = false;
    note.textContent = "The store table has no latitude and longitude: no map. Add both columns to see one; the counts above still follow the slider.";
  }
  showDay(data, points, day);
  slider.addEventListener("input", () => showDay(data, points, Number(slider.value)));
  section.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", initInsight);
