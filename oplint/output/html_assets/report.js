/* oplint HTML report: draws the data embedded in #oplint-data.  No network, no libraries.
 *
 * Large graphs: the layout (row and slot of every op) comes precomputed; only the rows in view
 * are drawn (virtual scrolling), the ribbon summarizes every op of the graph, and finding lists
 * are shown in pages. */
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("oplint-data").textContent);
  const STATUS = { D: "delegated to the accelerator", C: "CPU fallback", R: "runs (target's kernels)", X: "removed by the converter", U: "unsupported" };
  const STATUS_ORDER = ["D", "C", "R", "X", "U"];
  const STATUS_COLOUR = { D: "#2f9e5a", C: "#f0a23a", R: "#7ea6d8", X: "#d9d9d9", U: "#d94848" };
  const NUMERIC_COLOUR = { float: "#9ecae1", hybrid: "#c6dbef", int8: "#a1d99b", int16: "#74c476", uint8: "#c7e9c0", convert: "#fdd0a2", other: "#e5e5e5" };
  const NODE_W = 150, NODE_H = 36, COL_W = 172, ROW_H = 58, PAD = 14, PAGE = 200, LARGE = 2000;

  const allCodes = [];
  for (const m of DATA.models) for (const f of m.findings) if (!allCodes.includes(f.code)) allCodes.push(f.code);
  allCodes.sort();
  const state = {
    targets: new Set(DATA.targets),
    rules: new Set(allCodes),
    colourBy: DATA.targets.length ? DATA.targets[0] : "numeric",
  };
  const views = [];

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  function el(tag, attrs, html) {
    const e = document.createElement(tag);
    if (attrs) for (const k of Object.keys(attrs)) e.setAttribute(k, attrs[k]);
    if (html !== undefined) e.innerHTML = html;
    return e;
  }
  function fmt(n) { return n === null || n === undefined ? "-" : Number(n).toLocaleString("en-US"); }
  function pct(x) { return x === null || x === undefined ? "-" : (100 * x).toFixed(x > 0 && x < 0.01 ? 2 : 0) + "%"; }
  function bytes(n) {
    if (n === null || n === undefined) return "-";
    if (n >= 1 << 20) return (n / (1 << 20)).toFixed(2) + " MiB (" + fmt(n) + " B)";
    if (n >= 1024) return (n / 1024).toFixed(1) + " KiB (" + fmt(n) + " B)";
    return fmt(n) + " B";
  }
  function parseSpan(span) {
    const out = [];
    if (!span) return out;
    for (const part of span.split(",")) {
      const [a, b] = part.split("-").map(Number);
      for (let i = a; i <= (b === undefined || isNaN(b) ? a : b); i++) out.push(i);
    }
    return out;
  }
  function shortSpan(span, most) {
    const parts = span.split(",");
    return parts.length > most ? parts.slice(0, most).join(",") + ",\u2026 (" + parts.length + " runs)" : span;
  }
  function visibleTarget(t) { return t === null || state.targets.has(t); }
  function findingVisible(f) { return state.rules.has(f.code) && (f.target === null ? state.targets.size > 0 : state.targets.has(f.target)); }

  /* ---------- controls ---------- */
  function buildControls() {
    const c = document.getElementById("controls");
    let h = '<fieldset id="f-targets"><legend>Targets</legend>';
    for (const t of DATA.targets) h += '<label><input type="checkbox" data-target="' + esc(t) + '" checked> ' + esc(t) + "</label>";
    h += "</fieldset>";
    if (allCodes.length) {
      h += '<fieldset id="f-rules"><legend>Rules</legend>';
      for (const code of allCodes) {
        const r = DATA.rules[code] || { name: "" };
        h += '<label title="' + esc(r.summary || "") + '"><input type="checkbox" data-rule="' + esc(code) + '" checked> ' + esc(code) + " <span class=\"hint\">" + esc(r.name) + "</span></label>";
      }
      h += "</fieldset>";
    }
    h += '<label>Colour ops by <select id="colour-by"></select></label>';
    h += '<span class="legend">' + STATUS_ORDER.map((s) => '<span><i class="sw s-' + s + '"></i>' + esc(STATUS[s]) + "</span>").join("") + "</span>";
    c.innerHTML = h;
    c.addEventListener("change", (ev) => {
      const t = ev.target;
      if (t.dataset.target !== undefined) { t.checked ? state.targets.add(t.dataset.target) : state.targets.delete(t.dataset.target); refreshColourBy(); applyFilters(); }
      else if (t.dataset.rule !== undefined) { t.checked ? state.rules.add(t.dataset.rule) : state.rules.delete(t.dataset.rule); applyFilters(); }
      else if (t.id === "colour-by") { state.colourBy = t.value; invalidate(false); }
    });
    refreshColourBy();
  }
  function refreshColourBy() {
    const sel = document.getElementById("colour-by");
    const opts = DATA.targets.filter((t) => state.targets.has(t));
    if (!opts.includes(state.colourBy) && state.colourBy !== "numeric") state.colourBy = opts.length ? opts[0] : "numeric";
    sel.innerHTML = opts.map((t) => '<option value="' + esc(t) + '">' + esc(t) + " (where it runs)</option>").join("") + '<option value="numeric">numeric type (quantization)</option>';
    sel.value = state.colourBy;
  }

  /* ---------- the matrix (ladder) ---------- */
  function verdictCell(m, t) {
    const v = m.verdicts[t];
    if (!v) return '<td class="v none" data-target="' + esc(t) + '">-</td>';
    let cls, text;
    if (!m.readable) { cls = "fail"; text = "unreadable"; }
    else if (!v.ok) { cls = "fail"; text = "fail \u00b7 " + v.errors + " error" + (v.errors === 1 ? "" : "s"); }
    else if (v.warnings) { cls = "warn"; text = "pass \u00b7 " + v.warnings + " warning" + (v.warnings === 1 ? "" : "s"); }
    else { cls = "pass"; text = "pass"; }
    return '<td class="v ' + cls + '" data-target="' + esc(t) + '" data-verdict="' + (v.ok ? "pass" : "fail") + '">' + esc(text) + "</td>";
  }
  function buildMatrix(app) {
    const sec = el("section", { class: "card", id: "matrix" });
    let h = "<h2>Models \u00d7 targets</h2>";
    if (!DATA.models.length) h += '<p class="note">No models were checked.</p>';
    else {
      h += '<div class="scrollx"><table class="matrix"><thead><tr><th>model</th>';
      for (const t of DATA.targets) h += '<th data-target="' + esc(t) + '">' + esc(t) + "</th>";
      h += "</tr></thead><tbody>";
      DATA.models.forEach((m, i) => {
        h += '<tr data-model="' + i + '"><td><a href="#m' + i + '" class="mono">' + esc(m.path) + "</a></td>";
        for (const t of DATA.targets) h += verdictCell(m, t);
        h += "</tr>";
      });
      h += "</tbody></table></div>";
      h += '<p class="note">A target fails when the model has an error-level finding for it (failure threshold: ' + esc(DATA.threshold) + "). Click a cell to see that model's ops coloured for that target.</p>";
    }
    for (const n of DATA.notes) h += '<p class="note">' + esc(n) + "</p>";
    if (DATA.meta.length) {
      h += "<h3>Configuration</h3><ul>";
      for (const f of DATA.meta) h += "<li><span class=\"sev " + esc(f.severity) + '">' + esc(f.severity) + "</span> <code>" + esc(f.code) + "</code> " + esc(f.location.path) + ": " + esc(f.message) + "</li>";
      h += "</ul>";
    }
    sec.innerHTML = h;
    sec.addEventListener("click", (ev) => {
      const td = ev.target.closest("td.v");
      if (!td) return;
      const i = Number(td.parentElement.dataset.model);
      slotOf(i);
      if (state.targets.has(td.dataset.target)) { state.colourBy = td.dataset.target; document.getElementById("colour-by").value = state.colourBy; invalidate(false); }
      document.getElementById("m" + i).scrollIntoView();
    });
    app.appendChild(sec);
  }

  /* ---------- per model ---------- */
  function buildModel(app, m, mi) {
    const sec = el("section", { class: "card model", id: "m" + mi });
    let h = "<h2>" + esc(m.path) + "</h2>";
    const bits = [];
    if (!m.readable) bits.push("could not be read");
    else {
      bits.push(esc(m.format) + ", " + fmt(m.ops) + " op" + (m.ops === 1 ? "" : "s") + " in " + fmt(m.graphs) + " graph" + (m.graphs === 1 ? "" : "s"));
      if (m.quantization && m.quantization.compute_ops) bits.push("quantization " + esc(m.quantization.scheme) + " (" + pct(m.quantization.integer_share) + " of compute ops integer)");
      if (m.min_runtime) bits.push("needs TFLite runtime \u2265 " + esc(m.min_runtime));
      if (m.suppressed) bits.push(m.suppressed + " accepted finding" + (m.suppressed === 1 ? "" : "s") + " (ignores, baseline) not shown");
    }
    h += '<div class="summary">' + bits.join("; ") + "</div>";
    sec.innerHTML = h;
    app.appendChild(sec);
    // until it is drawn, a model with a picture keeps about the height it will have, so that
    // only the models near the screen are drawn, not every placeholder that would fit
    if (m.graph) sec.style.minHeight = "700px";
    const slot = { m, mi, sec, built: false, visible: false, dirty: false };
    slots.push(slot);
    bySection.set(sec, slot);
    return slot;
  }

  /* ---------- models are drawn when they come near the screen ---------- */
  const slots = [];
  const bySection = new Map();
  const EAGER_OPS = 20000, EAGER_MODELS = 8;  // drawn at load; the rest as they scroll into view

  function materialize(slot) {
    if (slot.built) return;
    slot.built = true;
    slot.sec.style.minHeight = "";
    const m = slot.m;
    if (m.graph && m.graph.graphs.some((sg) => sg.ops.kind.length)) buildPicture(slot.sec, m, slot.mi);
    else if (m.graph) slot.sec.appendChild(el("p", { class: "note" }, "This model has no ops to draw."));
    buildFindings(slot.sec, m, slot.mi);
    slot.view = views.find((v) => v.mi === slot.mi) || null;
    if (slot.view) redraw(slot.view);
  }

  function refresh(slot) {
    if (!slot.built || !slot.dirty) return;
    slot.dirty = false;
    const v = slot.view;
    if (v) {
      redraw(v);
      if (v.sel !== null) showDetails(v, v.sel);
    }
  }

  /** The filters or the colouring changed: the finding lists of every model drawn so far follow
   * at once; the pictures on screen are redrawn now, the others when they come back into view. */
  function invalidate(filters) {
    for (const slot of slots) {
      if (!slot.built) continue;
      if (filters) {
        if (slot.m._box) renderFindings(slot.m, slot.mi);
        slot.sec.querySelectorAll("table.deleg tr[data-target]").forEach((x) => x.classList.toggle("hidden", !state.targets.has(x.dataset.target)));
      }
      slot.dirty = true;
      if (slot.visible) refresh(slot);
    }
  }

  function slotOf(mi) {
    const slot = slots[mi];
    materialize(slot);
    refresh(slot);
    return slot;
  }

  function figures(m) {
    const g = m.graph;
    let h = '<div class="figures">';
    const dl = Object.keys(m.delegation).filter((t) => state.targets.has(t));
    if (dl.length) {
      h += '<table class="grid deleg"><thead><tr><th>target</th><th>delegated ops</th><th>MAC share</th><th>partitions</th><th>note</th></tr></thead><tbody>';
      for (const t of dl) {
        const d = m.delegation[t];
        const note = d.compiled ? "already compiled for it" : d.whole_model_error ? "rejects the whole model" : d.backend ? esc(d.backend) : "";
        h += '<tr data-target="' + esc(t) + '"><td>' + esc(t) + '</td><td class="num">' + fmt(d.delegated_ops) + " / " + fmt(d.total_ops) + " (" + pct(d.op_share) + ')</td><td class="num">' + pct(d.mac_share) + '</td><td class="num">' + fmt(d.partitions) + (d.partition_limit ? " (limit " + d.partition_limit + ")" : "") + "</td><td>" + note + "</td></tr>";
      }
      h += "</tbody></table>";
    }
    const mem = g.memory;
    h += '<table class="grid memory"><thead><tr><th colspan="2">memory</th></tr></thead><tbody>';
    h += "<tr><td>file</td><td class=\"num\">" + bytes(mem.file_bytes) + "</td></tr>";
    h += "<tr><td>weights (constant tensors)</td><td class=\"num\">" + bytes(mem.weight_bytes) + "</td></tr>";
    h += "<tr><td>activations (all, unshared)</td><td class=\"num\">" + bytes(mem.activation_bytes) + "</td></tr>";
    if (mem.tflm_arena) {
      const a = mem.tflm_arena;
      h += "<tr><td>TFLM arena" + (a.exact ? "" : " (at least)") + "</td><td class=\"num\">" + bytes(a.total) + "</td></tr>";
      h += "<tr><td>&nbsp; head (planned activations)</td><td class=\"num\">" + bytes(a.head) + "</td></tr>";
      h += "<tr><td>&nbsp; tail (persistent)</td><td class=\"num\">" + bytes(a.tail) + "</td></tr>";
      if (a.largest) h += "<tr><td>&nbsp; largest buffer</td><td class=\"mono\">" + esc(a.largest.tensor) + " (" + fmt(a.largest.bytes) + " B)</td></tr>";
      if (a.estimated.length) h += "<tr><td>&nbsp; not modelled</td><td>" + esc(a.estimated.join(", ")) + "</td></tr>";
    }
    h += "</tbody></table>";
    const isl = g.islands;
    h += '<div class="islands"><table class="grid"><thead><tr><th>quantization island</th><th>graph</th><th>ops</th><th>where</th></tr></thead><tbody>';
    isl.slice(0, 50).forEach((x, k) => {
      h += '<tr><td><i class="sw n-' + esc(x[1]) + '"></i>' + esc(x[1]) + '</td><td class="num">sg' + x[0] + '</td><td class="num">' + fmt(x[2]) + '</td><td><a href="#" class="island mono" data-island="' + k + '">' + esc(shortSpan(x[3], 4)) + "</a></td></tr>";
    });
    if (!isl.length) h += '<tr><td colspan="4" class="note">no op computes in float or in a quantized type</td></tr>';
    h += "</tbody></table>";
    if (isl.length > 50) h += '<p class="note">' + fmt(isl.length) + " islands; the first 50 are listed.</p>";
    h += '<p class="note">An island is a connected run of ops computing in one type; QUANTIZE/DEQUANTIZE and index arithmetic separate them.</p></div>';
    return h + "</div>";
  }

  function buildPicture(sec, m, mi) {
    const g = m.graph;
    const wrap = el("div", { class: "pic" });
    wrap.innerHTML = figures(m);
    const bar = el("div", { class: "gbar" });
    let h = "";
    if (g.graphs.length > 1) {
      h += '<label>Graph <select class="gsel">';
      g.graphs.forEach((sg, k) => { h += '<option value="' + k + '">sg' + k + " " + esc(sg.name) + " (" + fmt(sg.ops.kind.length) + " ops)</option>"; });
      h += "</select></label> ";
    }
    h += '<span class="note gnote"></span>';
    bar.innerHTML = h;
    sec.appendChild(bar);
    const pic = el("div", { class: "picture" });
    pic.innerHTML = '<div class="gpane"><canvas class="ribbon" height="40" title="Every op in execution order, one row per target: click to go to an op"></canvas><div class="gview"><div class="gcanvas"><svg></svg><div class="nodes"></div></div></div></div><div class="details"><p class="note">Click an op (or a finding) for its tensors, where it runs on each target and its findings. Ops that depend on it are ringed in blue.</p></div>';
    sec.appendChild(pic);
    const parts = el("details", { class: "parts" });
    sec.appendChild(parts);
    sec.appendChild(wrap);  // the figures (delegation, memory, islands) below the picture
    const v = {
      m, mi, g, gi: 0, sec, bar, pic,
      ribbon: pic.querySelector(".ribbon"), scroller: pic.querySelector(".gview"), canvas: pic.querySelector(".gcanvas"),
      svg: pic.querySelector("svg"), nodes: pic.querySelector(".nodes"), details: pic.querySelector(".details"), parts,
      sel: null, hl: null, marked: new Set(), markClass: "", byRow: null, edges: null, findingsByOp: null,
    };
    views.push(v);
    const gsel = bar.querySelector(".gsel");
    if (gsel) gsel.addEventListener("change", () => { showGraph(v, Number(gsel.value)); });
    v.scroller.addEventListener("scroll", () => schedule(v), { passive: true });
    v.nodes.addEventListener("click", (ev) => {
      const n = ev.target.closest(".op");
      if (n) selectOp(v, v.gi, Number(n.dataset.op), false);
    });
    v.ribbon.addEventListener("click", (ev) => {
      const r = v.ribbon.getBoundingClientRect();
      const n = v.g.graphs[v.gi].ops.kind.length;
      if (!n) return;
      const i = Math.min(n - 1, Math.floor(((ev.clientX - r.left) / r.width) * n));
      selectOp(v, v.gi, i, true);
    });
    wrap.addEventListener("click", (ev) => {
      const a = ev.target.closest("a.island");
      if (!a) return;
      ev.preventDefault();
      const x = g.islands[Number(a.dataset.island)];
      if (v.gi !== x[0]) showGraph(v, x[0]);
      mark(v, new Set(parseSpan(x[3])), "isl");
      const first = parseSpan(x[3])[0];
      scrollToOp(v, first);
    });
    const fb = new Map();
    for (const f of m.findings) if (f.graph !== null && f.op !== null) {
      const key = f.graph + ":" + f.op;
      if (!fb.has(key)) fb.set(key, []);
      fb.get(key).push(f);
    }
    v.findingsByOp = fb;
    const first = g.graphs.findIndex((sg) => sg.ops.kind.length > 0);
    showGraph(v, first >= 0 ? first : 0);
  }

  function prepareGraph(v) {
    const sg = v.g.graphs[v.gi];
    const n = sg.ops.kind.length;
    const byRow = new Array(sg.rows);
    for (let r = 0; r < sg.rows; r++) byRow[r] = [];
    for (let i = 0; i < n; i++) byRow[sg.ops.row[i]].push(i);
    const producer = new Map();
    for (let i = 0; i < n; i++) for (const t of sg.ops.outs[i]) producer.set(t, i);
    const src = [], dst = [], succ = new Array(n);
    for (let i = 0; i < n; i++) succ[i] = [];
    for (let i = 0; i < n; i++) {
      const seen = new Set();
      for (const t of sg.ops.ins[i]) {
        const p = producer.get(t);
        if (p === undefined || p === i || seen.has(p)) continue;
        seen.add(p);
        src.push(p); dst.push(i); succ[p].push(i);
      }
    }
    v.byRow = byRow; v.edges = { src, dst }; v.succ = succ;
    let widest = 1;
    for (const r of byRow) if (r.length > widest) widest = r.length;
    const width = Math.min(8, widest);
    v.canvas.style.width = (PAD * 2 + width * COL_W) + "px";
    v.canvas.style.height = (PAD * 2 + sg.rows * ROW_H) + "px";
    v.scroller.style.height = Math.min(520, PAD * 2 + sg.rows * ROW_H + 18) + "px";
  }

  function showGraph(v, gi) {
    v.gi = gi; v.sel = null; v.hl = null; v.marked = new Set(); v.markClass = "";
    prepareGraph(v);
    const sg = v.g.graphs[gi];
    const n = sg.ops.kind.length;
    const gsel = v.bar.querySelector(".gsel");
    if (gsel) gsel.value = String(gi);
    let note = fmt(n) + " ops in " + fmt(sg.rows) + " rows (layers by longest path from the inputs; wide layers wrap at 8).";
    note += n > LARGE
      ? " A large graph: only the rows in view are drawn as you scroll, and the ribbon above shows every op (" + Math.max(1, Math.ceil(n / Math.max(1, v.ribbon.clientWidth))) + " ops per pixel column)."
      : " Only the rows in view are drawn; the ribbon above shows every op, one row per target.";
    v.bar.querySelector(".gnote").textContent = note;
    v.scroller.scrollTop = 0;
    buildPartitions(v);
    redraw(v);
  }

  function opStatus(v, t, i) {
    const tg = v.g.targets[t];
    return tg ? tg.status[v.gi][i] : "R";
  }

  function opClass(v, i) {
    const sg = v.g.graphs[v.gi];
    if (state.colourBy === "numeric" || !v.g.targets[state.colourBy]) return "n-" + sg.ops.numeric[i];
    return "s-" + opStatus(v, state.colourBy, i);
  }

  let pending = new Set();
  function schedule(v) {
    if (pending.has(v)) return;
    pending.add(v);
    requestAnimationFrame(() => { pending.delete(v); drawNodes(v); });
  }
  function redraw(v) { if (v.byRow) { drawRibbon(v); drawNodes(v); buildPartitions(v); } }

  function nodeX(sg, i) { return PAD + sg.ops.slot[i] * COL_W; }
  function nodeY(sg, i) { return PAD + sg.ops.row[i] * ROW_H; }

  function drawNodes(v) {
    const sg = v.g.graphs[v.gi];
    const top = v.scroller.scrollTop, h = v.scroller.clientHeight || 520;
    const r0 = Math.max(0, Math.floor((top - PAD) / ROW_H) - 3);
    const r1 = Math.min(sg.rows - 1, Math.ceil((top + h - PAD) / ROW_H) + 3);
    const targets = DATA.targets.filter((t) => state.targets.has(t) && v.g.targets[t]);
    let html = "";
    for (let r = r0; r <= r1; r++) {
      for (const i of v.byRow[r] || []) {
        const kind = sg.kinds[sg.ops.kind[i]];
        let cls = "op " + opClass(v, i);
        if (v.sel === i) cls += " sel";
        if (v.hl === i) cls += " hl";
        if (v.marked.has(i)) cls += " " + v.markClass;
        const fs = v.findingsByOp.get(v.gi + ":" + i) || [];
        if (fs.some((f) => f.severity !== "error" && findingVisible(f))) cls += " warn";
        let cells = "";
        for (const t of targets) { const s = opStatus(v, t, i); cells += '<i class="s-' + s + '" title="' + esc(t) + ": " + esc(STATUS[s]) + '"></i>'; }
        html += '<div class="' + cls + '" data-op="' + i + '" style="left:' + nodeX(sg, i) + "px;top:" + nodeY(sg, i) + 'px" title="' + esc(sg.ops.name[i]) + '"><span class="k">' + esc(kind) + '</span><span class="i">#' + i + '</span><span class="cells">' + cells + "</span></div>";
      }
    }
    v.nodes.innerHTML = html;
    // edges crossing the drawn band
    const y0 = PAD + r0 * ROW_H - ROW_H, y1 = PAD + (r1 + 1) * ROW_H + ROW_H;
    let paths = "";
    const { src, dst } = v.edges;
    const hot = v.sel;
    for (let k = 0; k < src.length; k++) {
      const a = src[k], b = dst[k];
      const ya = nodeY(sg, a) + NODE_H, yb = nodeY(sg, b);
      if (Math.max(ya, yb) < y0 || Math.min(ya, yb) > y1) continue;
      const xa = nodeX(sg, a) + NODE_W / 2, xb = nodeX(sg, b) + NODE_W / 2;
      const bend = Math.max(12, Math.min(40, (yb - ya) / 2));
      paths += '<path' + (hot === a || hot === b ? ' class="hot"' : "") + ' d="M' + xa + "," + (ya - y0) + " C" + xa + "," + (ya - y0 + bend) + " " + xb + "," + (yb - y0 - bend) + " " + xb + "," + (yb - y0) + '"/>';
    }
    v.svg.style.top = y0 + "px";
    v.svg.setAttribute("width", v.canvas.style.width.replace("px", ""));
    v.svg.setAttribute("height", String(Math.max(1, y1 - y0)));
    v.svg.innerHTML = paths;
  }

  function drawRibbon(v) {
    const sg = v.g.graphs[v.gi];
    const n = sg.ops.kind.length;
    const rows = DATA.targets.filter((t) => state.targets.has(t) && v.g.targets[t]);
    const c = v.ribbon;
    const rowH = 9;
    const cssW = c.clientWidth || 800, cssH = Math.max(12, rows.length * rowH + 10);
    const dpr = window.devicePixelRatio || 1;
    c.style.height = cssH + "px";
    c.width = Math.round(cssW * dpr); c.height = Math.round(cssH * dpr);
    const ctx = c.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    if (!n) return;
    const cols = Math.min(n, Math.floor(cssW));
    const colW = cssW / cols;
    // numeric row
    for (let x = 0; x < cols; x++) {
      const a = Math.floor((x * n) / cols);
      ctx.fillStyle = NUMERIC_COLOUR[sg.ops.numeric[a]] || "#ccc";
      ctx.fillRect(x * colW, 1, Math.ceil(colW), 6);
    }
    rows.forEach((t, r) => {
      const s = v.g.targets[t].status[v.gi];
      const y = 9 + r * rowH;
      for (let x = 0; x < cols; x++) {
        const a = Math.floor((x * n) / cols), b = Math.max(a + 1, Math.floor(((x + 1) * n) / cols));
        if (b - a === 1) { ctx.fillStyle = STATUS_COLOUR[s[a]]; ctx.fillRect(x * colW, y, Math.ceil(colW), rowH - 1); continue; }
        const counts = {};
        for (let i = a; i < b; i++) counts[s[i]] = (counts[s[i]] || 0) + 1;
        let yy = y;
        for (const k of ["U", "C", "D", "R", "X"]) {
          if (!counts[k]) continue;
          const hh = ((rowH - 1) * counts[k]) / (b - a);
          ctx.fillStyle = STATUS_COLOUR[k];
          ctx.fillRect(x * colW, yy, Math.ceil(colW), Math.max(1, hh));
          yy += hh;
        }
      }
    });
    if (v.sel !== null) {
      const x = ((v.sel + 0.5) / n) * cssW;
      ctx.fillStyle = "#2f6fdf";
      ctx.fillRect(Math.max(0, x - 1), 0, 2, cssH);
    }
  }

  function buildPartitions(v) {
    const t = state.colourBy;
    const tg = v.g.targets[t];
    if (!tg || !tg.partitions.length) { v.parts.classList.add("hidden"); v.parts.innerHTML = ""; return; }
    v.parts.classList.remove("hidden");
    const mine = tg.partitions.map((p, k) => [k, p]).filter(([, p]) => p[0] === v.gi);
    const total = tg.partitions.reduce((a, p) => a + p[3], 0);
    let h = "<summary>Partitions on " + esc(t) + " (" + mine.length + " in this graph, " + tg.partitions.filter((p) => p[1]).length + " delegated in all)</summary>";
    h += '<table class="grid"><thead><tr><th>#</th><th>runs on</th><th>ops</th><th>MACs</th><th>MAC share</th><th>where</th></tr></thead><tbody>';
    for (const [k, p] of mine.slice(0, 300)) {
      h += "<tr><td class=\"num\">" + k + '</td><td><i class="sw s-' + (p[1] ? "D" : "C") + '"></i>' + (p[1] ? "delegate" : "CPU") + '</td><td class="num">' + fmt(p[2]) + '</td><td class="num">' + fmt(p[3]) + '</td><td class="num">' + (total ? pct(p[3] / total) : "-") + '</td><td><a href="#" class="mono part" data-part="' + k + '">' + esc(shortSpan(p[4], 4)) + "</a></td></tr>";
    }
    h += "</tbody></table>";
    if (mine.length > 300) h += '<p class="note">' + fmt(mine.length) + " partitions; the first 300 are listed.</p>";
    v.parts.innerHTML = h;
    v.parts.onclick = (ev) => {
      const a = ev.target.closest("a.part");
      if (!a) return;
      ev.preventDefault();
      const p = tg.partitions[Number(a.dataset.part)];
      const ops = parseSpan(p[4]);
      mark(v, new Set(ops), "isl");
      scrollToOp(v, ops[0]);
    };
  }

  function mark(v, set, cls) { v.marked = set; v.markClass = cls; drawNodes(v); }

  function scrollToOp(v, i) {
    const sg = v.g.graphs[v.gi];
    if (i === undefined || i < 0 || i >= sg.ops.kind.length) return;
    const y = nodeY(sg, i) - v.scroller.clientHeight / 2 + NODE_H / 2;
    const x = nodeX(sg, i) - v.scroller.clientWidth / 2 + NODE_W / 2;
    v.scroller.scrollTop = Math.max(0, y);
    v.scroller.scrollLeft = Math.max(0, x);
    drawNodes(v);
  }

  function downstream(v, i) {
    const out = new Set();
    const stack = [i];
    while (stack.length) {
      const a = stack.pop();
      for (const b of v.succ[a]) if (!out.has(b)) { out.add(b); stack.push(b); }
    }
    return out;
  }

  function selectOp(v, gi, i, fromFinding) {
    if (gi !== v.gi) showGraph(v, gi);
    const sg = v.g.graphs[v.gi];
    if (i === null || i === undefined || i < 0 || i >= sg.ops.kind.length) return;
    v.sel = i;
    v.hl = fromFinding ? i : null;
    mark(v, downstream(v, i), "down");
    scrollToOp(v, i);
    drawRibbon(v);
    showDetails(v, i);
  }

  function tensorRow(sg, t) {
    if (t < 0) return "<tr><td>-</td><td class=\"note\">(optional input left out)</td></tr>";
    const T = sg.tensors;
    if (t >= T.name.length) return "<tr><td>#" + t + "</td><td>?</td></tr>";
    const shape = T.shape[t] === null ? "?" : "[" + T.shape[t].join("\u00d7") + "]";
    return "<tr><td class=\"mono\">" + esc(sg.dtypes[T.dtype[t]]) + shape + (T.const[t] ? " const" : "") + "</td><td class=\"mono\">" + esc(T.name[t] || "#" + t) + "</td></tr>";
  }

  function showDetails(v, i) {
    const sg = v.g.graphs[v.gi];
    const O = sg.ops;
    let h = "<h4>#" + i + " " + esc(sg.kinds[O.kind[i]]) + (O.version[i] > 1 ? " v" + O.version[i] : "") + "</h4>";
    h += '<div class="mono">' + esc(O.name[i]) + "</div>";
    if (O.layer && O.layer[i]) h += "<div>layer <span class=\"mono\">" + esc(O.layer[i]) + "</span></div>";
    if (O.becomes) h += "<div>converts to <b>" + (O.becomes[i] ? esc(O.becomes[i]) : "nothing (removed or folded)") + "</b></div>";
    h += "<div>computes in <b>" + esc(O.numeric[i]) + "</b>" + (O.macs[i] ? "; " + fmt(O.macs[i]) + " MACs" : "") + "</div>";
    const down = v.marked.size;
    h += "<div>" + fmt(down) + " op" + (down === 1 ? "" : "s") + " downstream (ringed in blue); " + fmt(O.dominates[i]) + " reached only through this op</div>";
    h += "<table><tr><th colspan=2>inputs</th></tr>" + O.ins[i].map((t) => tensorRow(sg, t)).join("") + "<tr><th colspan=2>outputs</th></tr>" + O.outs[i].map((t) => tensorRow(sg, t)).join("") + "</table>";
    const fs = v.findingsByOp.get(v.gi + ":" + i) || [];
    for (const t of DATA.targets) {
      if (!state.targets.has(t) || !v.g.targets[t]) continue;
      const tg = v.g.targets[t];
      const s = tg.status[v.gi][i];
      const part = tg.partition[v.gi][i];
      h += '<div class="tgt" data-target="' + esc(t) + '"><i class="sw s-' + s + '"></i><b>' + esc(t) + "</b>: " + esc(STATUS[s]) + (part >= 0 ? " (partition " + part + ")" : "");
      const why = tg.reasons[v.gi + ":" + i];
      if (why) h += '<div class="hint">' + esc(why) + "</div>";
      for (const f of fs) if (f.target === t && state.rules.has(f.code)) h += '<div><span class="sev ' + esc(f.severity) + '">' + esc(f.code) + "</span> " + esc(f.message) + "</div>";
      h += "</div>";
    }
    for (const f of fs) if (f.target === null && state.rules.has(f.code)) h += '<div class="tgt"><span class="sev ' + esc(f.severity) + '">' + esc(f.code) + "</span> every target: " + esc(f.message) + "</div>";
    v.details.innerHTML = h;
  }

  /* ---------- findings ---------- */
  function docHtml(doc) {
    const lines = String(doc || "").split("\n");
    let h = "", inCode = false, para = [];
    const flush = () => { if (para.length) { h += "<p>" + esc(para.join(" ")) + "</p>"; para = []; } };
    for (const line of lines.slice(1)) {
      if (line.startsWith("```")) { flush(); h += inCode ? "</pre>" : "<pre>"; inCode = !inCode; continue; }
      if (inCode) { h += esc(line) + "\n"; continue; }
      if (line.startsWith("## ")) { flush(); h += "<h5>" + esc(line.slice(3)) + "</h5>"; continue; }
      if (!line.trim()) { flush(); continue; }
      para.push(line.trim());
    }
    flush();
    if (inCode) h += "</pre>";
    return h;
  }

  function buildFindings(sec, m, mi) {
    const box = el("div", { class: "fbox" });
    sec.appendChild(box);
    m._shown = PAGE;
    m._box = box;
    renderFindings(m, mi);
    box.addEventListener("click", (ev) => {
      const more = ev.target.closest("button.more");
      if (more) { m._shown += PAGE * 5; renderFindings(m, mi); return; }
      const ex = ev.target.closest("button.explain");
      const row = ev.target.closest("tr.f");
      if (ex && row) {
        ev.stopPropagation();
        const next = row.nextElementSibling;
        if (next && next.classList.contains("docrow")) { next.remove(); return; }
        const f = m.findings[Number(row.dataset.f)];
        const r = DATA.rules[f.code] || { doc: "" };
        const tr = el("tr", { class: "docrow" }, '<td colspan="5"><div class="doc">' + docHtml(r.doc) + "</div></td>");
        row.after(tr);
        return;
      }
      if (row) {
        const f = m.findings[Number(row.dataset.f)];
        box.querySelectorAll("tr.f.cur").forEach((x) => x.classList.remove("cur"));
        row.classList.add("cur");
        const v = views.find((x) => x.mi === mi);
        if (v && f.graph !== null && f.op !== null) {
          if (f.target && v.g.targets[f.target] && state.targets.has(f.target) && state.colourBy !== "numeric" && state.colourBy !== f.target) {
            state.colourBy = f.target;
            document.getElementById("colour-by").value = f.target;
            invalidate(false);
            refresh(slots[mi]);
          }
          selectOp(v, f.graph, f.op, true);
          v.pic.scrollIntoView({ block: "nearest" });
        }
      }
    });
  }

  function renderFindings(m, mi) {
    const box = m._box;
    const shown = m.findings.map((f, k) => [f, k]).filter(([f]) => findingVisible(f));
    let h = "<h3>Findings (" + fmt(shown.length) + (shown.length !== m.findings.length ? " of " + fmt(m.findings.length) + ", filtered" : "") + ")</h3>";
    if (!shown.length) { box.innerHTML = h + '<p class="note">' + (m.findings.length ? "None with the selected targets and rules." : "No findings.") + "</p>"; return; }
    h += '<table class="findings"><colgroup><col class="c-sev"><col class="c-rule"><col class="c-tgt"><col class="c-where"><col></colgroup><thead><tr><th>severity</th><th>rule</th><th>target</th><th>where</th><th>message</th></tr></thead><tbody>';
    for (const [f, k] of shown.slice(0, m._shown)) {
      const r = DATA.rules[f.code] || { name: "", summary: "" };
      let where = f.op !== null ? "sg" + f.graph + ":op" + f.op + " " + (f.opname || "") : "model";
      if (f.source) where += " (" + f.source + ")";
      h += '<tr class="f" data-f="' + k + '" data-code="' + esc(f.code) + '" data-target="' + esc(f.target === null ? "" : f.target) + '"' + (f.op !== null ? ' data-op="' + f.graph + ":" + f.op + '"' : "") + ">";
      h += '<td><span class="sev ' + esc(f.severity) + '">' + esc(f.severity) + '</span></td><td><code title="' + esc(r.summary) + '">' + esc(f.code) + "</code> " + esc(r.name) + " <button class=\"explain\" title=\"the rule's documentation\">explain</button></td>";
      h += "<td>" + esc(f.target === null ? "all" : f.target) + '</td><td class="mono">' + (f.op !== null ? '<a href="#">' + esc(where) + "</a>" : esc(where)) + (f.node ? '<div class="hint">' + esc(f.node) + "</div>" : "") + "</td>";
      h += "<td>" + esc(f.message) + (f.hint ? '<div class="hint">help: ' + esc(f.hint) + "</div>" : "") + "</td></tr>";
    }
    h += "</tbody></table>";
    if (shown.length > m._shown) h += '<button class="more">Show more (' + fmt(shown.length - m._shown) + " not shown)</button>";
    box.innerHTML = h;
    box.querySelectorAll("a").forEach((a) => a.addEventListener("click", (ev) => ev.preventDefault()));
  }

  function applyFilters() {
    document.querySelectorAll("#matrix [data-target]").forEach((x) => x.classList.toggle("hidden", !state.targets.has(x.dataset.target)));
    invalidate(true);
  }

  function main() {
    buildControls();
    const app = document.getElementById("app");
    app.innerHTML = "";
    buildMatrix(app);
    DATA.models.forEach((m, mi) => buildModel(app, m, mi));
    const foot = el("p", { class: "note" }, "oplint " + esc(DATA.tool.version) + " \u00b7 this page is self-contained: it makes no network requests." + (slots.length > EAGER_MODELS ? " Models are drawn as they come into view." : ""));
    app.appendChild(foot);
    let ops = 0;
    for (const slot of slots) {
      if (slot.mi >= EAGER_MODELS || (slot.mi > 0 && ops + slot.m.ops > EAGER_OPS)) break;
      ops += slot.m.ops;
      materialize(slot);
    }
    const seen = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const slot = bySection.get(e.target);
        slot.visible = e.isIntersecting;
        if (e.isIntersecting) { materialize(slot); refresh(slot); }
      }
    }, { rootMargin: "600px 0px" });
    for (const slot of slots) seen.observe(slot.sec);
    const header = document.querySelector("header");
    const pad = () => { document.documentElement.style.scrollPaddingTop = header.offsetHeight + 8 + "px"; };
    pad();
    window.addEventListener("resize", () => { pad(); for (const v of views) { drawRibbon(v); schedule(v); } });
    document.body.dataset.ready = "1";
  }
  main();
})();
