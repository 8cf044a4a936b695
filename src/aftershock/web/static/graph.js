// The dependency / attack-path graph (Cytoscape.js, served from the package).
"use strict";

function line(parent, text, tag = "p") {
  const el = document.createElement(tag);
  el.textContent = text;
  parent.appendChild(el);
  return el;
}

let shown = 0;  // the newest selection wins when answers arrive out of order

async function showNode(cy, ref, node) {
  const ticket = ++shown;
  const panel = document.getElementById("details");
  panel.replaceChildren();
  line(panel, node.data("label"), "h2");
  cy.elements().removeClass("dependent blast");
  const dependents = node.successors('edge[type = "requires"]').targets().union(node.successors("node"));
  node.successors('edge[type = "requires"]').addClass("dependent");
  node.successors('edge[type = "requires"]').targets().addClass("dependent");
  line(panel, dependents.length ? "Depends on it: " + dependents.map((n) => n.data("label").replace("\n", " ")).join("; ") : "Nothing depends on it.");
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

document.addEventListener("DOMContentLoaded", async () => {
  const box = document.getElementById("graph");
  const ref = box.dataset.ref;
  const r = await api("/api/scenarios/" + encodeURIComponent(ref) + "/graph");
  if (!r.ok) return showProblem(box, r.body);
  const cy = cytoscape({
    container: box,
    elements: { nodes: r.body.nodes, edges: r.body.edges },
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 9, "text-wrap": "wrap", "text-max-width": 140, "text-valign": "bottom", "background-color": "#0b5cad" } },
      { selector: 'node[type = "stores"]', style: { shape: "round-rectangle", "background-color": "#2e7d32", width: 36, height: 24 } },
      { selector: 'node[type = "dc"], node[type = "channel"]', style: { shape: "diamond", "background-color": "#6a1b9a" } },
      { selector: "edge", style: { width: 1.5, "curve-style": "bezier", "target-arrow-shape": "triangle", label: "data(label)", "font-size": 9, "line-color": "#8c959f", "target-arrow-color": "#8c959f" } },
      { selector: 'edge[type = "control"]', style: { "line-style": "dashed", "line-color": "#d62728", "target-arrow-color": "#d62728" } },
      { selector: ".dependent", style: { "line-color": "#f5a524", "target-arrow-color": "#f5a524", "background-color": "#f5a524" } },
      { selector: ".blast", style: { "background-color": "#d62728", "border-width": 3, "border-color": "#000" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#f5a524" } },
    ],
    layout: { name: "breadthfirst", directed: true, spacingFactor: 1.5, padding: 30,
              roots: r.body.nodes.filter((n) => !r.body.edges.some((e) => e.data.target === n.data.id)).map((n) => n.data.id) },
  });
  window.cy = cy;  // for tests and the curious
  cy.on("tap", "node", (event) => showNode(cy, ref, event.target));
  const select = document.getElementById("node-list");
  cy.nodes().forEach((n) => {
    const option = document.createElement("option");
    option.value = n.id();
    option.textContent = n.data("label").replace("\n", " ");
    select.appendChild(option);
  });
  select.addEventListener("change", () => {
    if (!select.value) return;
    const node = cy.getElementById(select.value);
    cy.elements().unselect();
    node.select();
    cy.animate({ center: { eles: node } });
    showNode(cy, ref, node);
  });
  box.dataset.ready = "true";
});
