// The dependency / attack-path graph (Cytoscape.js, served from the package).
// The style table comes with the graph (aftershock.web.graph_json.STYLE): Cytoscape draws with
// it and the legend is drawn from it, so the two cannot disagree.
"use strict";

const NARROW = 600;  // px: below this only services and DCs keep a label
const MIN_FONT = 12;  // px on screen at the default zoom
const LABEL_PRIORITY = { service: 0, dc: 1, channel: 2, store: 3, stores: 4 };

function line(parent, text, tag = "p") {
  const el = document.createElement(tag);
  el.textContent = text;
  parent.appendChild(el);
  return el;
}

const oneLine = (node) => node.data("label").replace(/\n/g, " ");

let shown = 0;  // the newest selection wins when answers arrive out of order

async function showNode(cy, ref, node) {
  const ticket = ++shown;
  const panel = document.getElementById("details");
  panel.replaceChildren();
  line(panel, oneLine(node), "h2");
  cy.elements().removeClass("dependent blast");
  const dependents = node.successors('edge[type = "requires"]').targets().union(node.successors("node"));
  node.successors('edge[type = "requires"]').addClass("dependent");
  node.successors('edge[type = "requires"]').targets().addClass("dependent");
  line(panel, dependents.length ? "Depends on it: " + dependents.map(oneLine).join("; ") : "Nothing depends on it.");
  if (node.data("type") !== "service") return;
  line(panel, "Blast radius if compromised:", "h3");
  const r = await api("/api/scenarios/" + encodeURIComponent(ref) + "/impact?service=" + encodeURIComponent(node.id()));
  if (ticket !== shown) return;
  if (!r.ok) return showProblem(panel, r.body);
  const impact = r.body;
  for (const c of impact.compromised) cy.getElementById(c.service).addClass("blast");
  line(panel, "Compromised: " + impact.compromised.map((c) => c.service + " (p=" + c.path_probability.toFixed(2) + ")").join(", "));
  line(panel, "Chain can still sell " + (100 * impact.sell_capacity_share).toFixed(1) + "% of normal demand.");
  const list = document.createElement("ul");
  for (const g of impact.store_groups) {
    const li = document.createElement("li");
    li.textContent = g.stores + " stores: " + g.capability + " " + g.status + " (" + Math.round(100 * g.capacity) + "%) — " + g.reason;
    list.appendChild(li);
  }
  if (impact.store_groups.length) panel.appendChild(list);
  else line(panel, "Every store keeps every capability.");
  const down = impact.services.filter((s) => s.capacity < 1).map((s) => s.node + ": " + s.reason);
  if (down.length) line(panel, "Services down or degraded: " + down.join("; "));
}

// --- legend: each row's sample element is styled by the same table, in a headless Cytoscape ---

const SVG = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function shapeOf(shape, cx, cy, w, h) {
  const x1 = cx - w / 2, x2 = cx + w / 2, y1 = cy - h / 2, y2 = cy + h / 2;
  const poly = (pts) => svgEl("polygon", { points: pts.map((p) => p.join(",")).join(" ") });
  switch (shape) {
    case "ellipse": return svgEl("ellipse", { cx, cy, rx: w / 2, ry: h / 2 });
    case "round-rectangle": return svgEl("rect", { x: x1, y: y1, width: w, height: h, rx: 4 });
    case "diamond": return poly([[cx, y1], [x2, cy], [cx, y2], [x1, cy]]);
    case "hexagon": return poly([[x1 + w / 4, y1], [x2 - w / 4, y1], [x2, cy], [x2 - w / 4, y2], [x1 + w / 4, y2], [x1, cy]]);
    case "triangle": return poly([[cx, y1], [x2, y2], [x1, y2]]);
    default: return svgEl("rect", { x: x1, y: y1, width: w, height: h });
  }
}

function swatch(ele) {
  const svg = svgEl("svg", { width: 44, height: 28, viewBox: "0 0 44 28", "aria-hidden": "true", focusable: "false" });
  if (ele.isNode()) {
    const px = (name) => parseFloat(ele.style(name)) || 0;
    const scale = Math.min(1, 24 / Math.max(px("width"), px("height"), 1));
    const shape = shapeOf(ele.style("shape"), 22, 14, px("width") * scale, px("height") * scale);
    shape.setAttribute("fill", ele.style("background-color"));
    const border = px("border-width");
    if (border > 0) {
      shape.setAttribute("stroke", ele.style("border-color"));
      shape.setAttribute("stroke-width", border);
    }
    svg.appendChild(shape);
    return svg;
  }
  const colour = ele.style("line-color");
  const dashed = ele.style("line-style") === "dashed";
  svg.appendChild(svgEl("line", { x1: 2, y1: 14, x2: 34, y2: 14, stroke: colour, "stroke-width": 2.5, "stroke-dasharray": dashed ? "6 4" : "none" }));
  const head = svgEl("polygon", { points: "32,8 42,14 32,20" });
  head.setAttribute("fill", ele.style("target-arrow-color"));
  svg.appendChild(head);
  return svg;
}

function drawLegend(cy, table) {
  const list = document.getElementById("legend-list");
  const rows = table.filter((rule) => rule.legend);
  // every sample as its own element; edges get two hidden end points
  const elements = [];
  rows.forEach((rule, i) => {
    const sample = rule.legend.sample;
    const isEdge = ["requires", "control"].includes(sample.type);
    if (isEdge) {
      elements.push({ data: { id: "a" + i, type: "service" } }, { data: { id: "b" + i, type: "service" } });
      elements.push({ data: { id: "s" + i, source: "a" + i, target: "b" + i, type: sample.type, label: "" }, classes: sample.classes || "" });
    } else {
      elements.push({ data: { id: "s" + i, type: sample.type, label: "x", short: "x" }, classes: sample.classes || "", selected: !!sample.selected });
    }
  });
  const samples = cytoscape({ headless: true, styleEnabled: true, elements, style: table.map(({ selector, style }) => ({ selector, style })) });
  list.replaceChildren();
  rows.forEach((rule, i) => {
    // a row for what this graph holds (and for the highlights a choice brings)
    if (!rule.legend.always && cy.$(rule.selector).length === 0) return;
    const li = document.createElement("li");
    li.dataset.selector = rule.selector;
    li.appendChild(swatch(samples.getElementById("s" + i)));
    line(li, rule.legend.text, "span");
    list.appendChild(li);
  });
  samples.destroy();
}

// --- labels: readable at the default zoom, hidden rather than overlapping ---

function overlaps(a, b) {
  return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
}

function arrange(cy, box, table) {
  const narrow = box.clientWidth < NARROW;
  cy.batch(() => {
    cy.nodes().removeClass("nolabel short");
    if (narrow) {
      cy.nodes('[type = "service"], [type = "dc"]').addClass("short");
      cy.nodes().not('[type = "service"], [type = "dc"]').addClass("nolabel");
    }
  });
  cy.resize();
  cy.nodes().data({ fontSize: table.fontSize, textWidth: 120 });
  // spacing that counts the labels, so fewer of them have to be hidden
  cy.layout({ name: "breadthfirst", directed: true, spacingFactor: 1.1, padding: 20, animate: false,
              nodeDimensionsIncludeLabels: true, roots: cy.nodes().roots().map((n) => n.id()) }).run();
  cy.fit(undefined, 20);
  if (!narrow && cy.zoom() * table.fontSize < MIN_FONT) {
    // too big to fit at a readable size: keep the labels readable, start at the top, pan for the rest
    const z = MIN_FONT / table.fontSize;
    const bb = cy.elements().boundingBox();
    cy.zoom(z);
    cy.pan({ x: box.clientWidth / 2 - z * (bb.x1 + bb.x2) / 2, y: 20 - z * bb.y1 });
  }
  // on a narrow screen the whole graph fits, so the few labels kept grow to stay readable
  const font = narrow ? Math.max(table.fontSize, MIN_FONT / cy.zoom()) : table.fontSize;
  cy.nodes(".short").data({ fontSize: font, textWidth: 120 / cy.zoom() });
  // greedy: services first, then DCs, channels and stores; a label overlapping a kept one goes
  const kept = [];
  cy.nodes().not(".nolabel").sort((a, b) => (LABEL_PRIORITY[a.data("type")] ?? 9) - (LABEL_PRIORITY[b.data("type")] ?? 9)).forEach((n) => {
    const bb = n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, useCache: false });
    if (bb.w > 0 && kept.some((k) => overlaps(k, bb))) n.addClass("nolabel");
    else kept.push(bb);
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  const box = document.getElementById("graph");
  const ref = box.dataset.ref;
  const r = await api("/api/scenarios/" + encodeURIComponent(ref) + "/graph");
  if (!r.ok) return showProblem(box, r.body);
  const table = r.body.style;
  table.fontSize = table.find((rule) => rule.selector === "node").style["font-size"];
  const cy = cytoscape({
    container: box,
    elements: { nodes: r.body.nodes, edges: r.body.edges },
    wheelSensitivity: 0.3,
    style: table.map(({ selector, style }) => ({ selector, style })),
    layout: { name: "preset" },  // arrange() lays it out for the screen's width
  });
  window.cy = cy;  // for tests and the curious
  arrange(cy, box, table);
  drawLegend(cy, table);
  let pending;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => { arrange(cy, box, table); drawLegend(cy, table); }, 200);
  });
  cy.on("tap", "node", (event) => showNode(cy, ref, event.target));
  const select = document.getElementById("node-list");
  cy.nodes().sort((a, b) => (LABEL_PRIORITY[a.data("type")] ?? 9) - (LABEL_PRIORITY[b.data("type")] ?? 9)).forEach((n) => {
    const option = document.createElement("option");
    option.value = n.id();
    option.textContent = oneLine(n);
    select.appendChild(option);
  });
  const choose = (node) => {
    cy.elements().unselect();
    node.select();
    cy.animate({ center: { eles: node } });
    showNode(cy, ref, node);
  };
  select.addEventListener("change", () => { if (select.value) choose(cy.getElementById(select.value)); });
  // keyboard on the graph itself: Enter shows the chosen node (or the list's), arrows move the choice
  box.addEventListener("keydown", (event) => {
    if (!["Enter", "ArrowDown", "ArrowUp"].includes(event.key)) return;
    event.preventDefault();
    const options = [...select.options].slice(1);
    let at = options.findIndex((o) => o.value === select.value);
    if (event.key === "ArrowDown") at = Math.min(options.length - 1, at + 1);
    else if (event.key === "ArrowUp") at = Math.max(0, at - 1);
    else if (at < 0) at = 0;
    select.value = options[at].value;
    choose(cy.getElementById(select.value));
  });
  box.dataset.ready = "true";
});
