// The graph behind one neuron: the scalar engine's Value objects for relu(fc1[neuron]) at the followed position,
// drawn left to right as micrograd's draw_dot does: a box per Value with its data and grad, the operation that made
// it in a bubble before it, an edge from each input to that bubble (its local derivative on hover). It draws the
// `graph` of a `trace` reply (trace.js lays it out); asking is the wiring's job (insight-control.js).

import { graphLayout, numberText } from "./trace.js";

const $ = (id) => document.getElementById(id);
const SVG = document.getElementById("graph-svg").namespaceURI;
const BOX = { width: 132, height: 38 };
const COLUMN = 196;                 // a box, its operation bubble and the edges between columns
const ROW = 50;
const MARGIN = 10;
const KIND_WORDS = { neuron: "the neuron", operation: "an operation's result", weight: "a weight", input: "an input",
  constant: "a constant" };

function svg(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

export class GraphView {
  // onDraw(): the learner asked for a graph (the layer or neuron field, or the Draw button).
  constructor({ onDraw }) {
    this.root = $("graph");
    this.map = $("graph-svg");
    this.caption = $("graph-caption");
    this.empty = this.caption.textContent;
    $("graph-draw").addEventListener("click", () => onDraw());
    $("graph-neuron").addEventListener("keydown", (event) => { if (event.key === "Enter") onDraw(); });
  }

  isOpen() {
    return this.root.open;
  }

  // The `graph` field of a trace request, or a one-line message about the neuron field.
  request() {
    const text = $("graph-neuron").value.trim();
    const layer = Number($("graph-layer").value);
    if (text === "") return { graph: { layer } };
    if (!/^\d+$/.test(text)) return { problem: `neuron: “${text}” is not a whole number; leave it empty for the most active` };
    return { graph: { layer, neuron: Number(text) } };
  }

  // The layers the model has (from the diagram's trace), for the layer field.
  setLayers(count, canDraw) {
    const select = $("graph-layer");
    if (select.options.length !== count) {
      const chosen = Math.min(Number(select.value) || 1, count);
      select.replaceChildren(...Array.from({ length: count }, (_, i) => {
        const option = document.createElement("option");
        option.value = option.textContent = String(i + 1);
        return option;
      }));
      select.value = String(chosen);
    }
    $("graph-draw").disabled = !canDraw;
  }

  error(message) {
    $("graph-message").textContent = message ?? "";
    $("graph-message").hidden = !message;
    $("graph-neuron").setAttribute("aria-invalid", message ? "true" : "false");
  }

  clear(message = this.empty) {
    this.map.replaceChildren();
    this.map.removeAttribute("width");
    this.caption.textContent = message;
    this.error(null);
  }

  // graph: {layer, neuron, engine, source, note, truncated, nodes, edges}; name, position: what was traced.
  update(graph, { name, position }) {
    this.error(null);
    const layout = graphLayout(graph);
    const width = MARGIN * 2 + layout.columns * COLUMN;
    const height = MARGIN * 2 + layout.rows * ROW;
    this.map.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.map.setAttribute("width", String(width));
    this.map.setAttribute("height", String(height));
    const at = layout.place.map(({ column, row }) => ({
      x: MARGIN + column * COLUMN + (COLUMN - BOX.width), y: MARGIN + row * ROW,
    }));
    const edges = svg("g", { class: "graph-edges" });
    for (const edge of graph.edges) {
      const [from, to] = [at[edge.from], at[edge.to]];
      const node = graph.nodes[edge.to];
      const [x1, y1] = [from.x + BOX.width, from.y + BOX.height / 2];
      const [x2, y2] = [to.x - 26, to.y + BOX.height / 2];
      const path = svg("path", { d: `M${x1},${y1} C${x1 + 25},${y1} ${x2 - 25},${y2} ${x2},${y2}` });
      path.append(svg("title", {}, `into ${node.op}: local derivative ${numberText(edge.local_grad)}`));
      edges.append(path);
    }
    const nodes = svg("g", { class: "graph-nodes" });
    graph.nodes.forEach((node, i) => {
      const group = svg("g", { class: `graph-node ${node.kind}`, transform: `translate(${at[i].x} ${at[i].y})` });
      group.dataset.id = String(node.id);
      // An input's operation (the rmsnorm's) is left out with its inputs: only ops whose inputs are drawn get a bubble.
      if (node.op && node.kind !== "input") {
        group.append(svg("line", { class: "op-link", x1: -8, y1: BOX.height / 2, x2: 0, y2: BOX.height / 2 }));
        group.append(svg("ellipse", { class: "op", cx: -17, cy: BOX.height / 2, rx: 13, ry: 10 }));
        group.append(svg("text", { class: "op-text", x: -17, y: BOX.height / 2, "text-anchor": "middle",
          "dominant-baseline": "central" }, node.op === "*" ? "×" : node.op));
      }
      group.append(svg("rect", { width: BOX.width, height: BOX.height, rx: 4 }));
      group.append(svg("text", { class: "node-label", x: 6, y: 12 }, node.label));
      group.append(svg("text", { class: "node-data", x: 6, y: 24 }, `data ${numberText(node.data)}`));
      group.append(svg("text", { class: "node-grad", x: 6, y: 34 },
        node.grad === null ? "grad –" : `grad ${numberText(node.grad)}`));
      const more = node.hidden_children ? `; ${node.hidden_children} inputs not drawn` : "";
      group.append(svg("title", {}, `${node.label || KIND_WORDS[node.kind]}${node.op ? ` = ${node.op} of its inputs` : ""}: ` +
        `data ${numberText(node.data)}, grad ${node.grad === null ? "not computed (Step once on this name)" : numberText(node.grad)}${more}`));
      nodes.append(group);
    });
    this.map.replaceChildren(edges, nodes);
    const grads = graph.nodes[0].grad === null ? "no gradients yet: Step once on this name fills them in"
      : "with the gradients of one step on this name";
    const source = graph.source === "running" ? "the running scalar engine's own Values"
      : `a scalar copy: ${graph.note}`;
    this.caption.textContent = `relu(fc1[${graph.neuron}]) of layer ${graph.layer} at position ${position} of ` +
      `“${name}”: ${graph.nodes.length} Values, ${graph.edges.length} edges, ${grads}. Drawn from ${source}.` +
      (graph.truncated ? " Some inputs are left out (the graph is cut at 300 Values)." : "");
  }
}
