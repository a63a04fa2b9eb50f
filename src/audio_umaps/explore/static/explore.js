/* audio-umaps explorer: a page of one map of a scope, and the scope's other maps below it.
 *
 * The page's config (a JSON script in the page, written by audio_umaps.explore.page) names the
 * map, its linked maps, colours and controls; each map's windows come from data/<map>.js
 * (window.AudioUmapsData). This file decodes them, draws them with AudioUmapsScatter, plays a
 * clicked window with AudioUmapsPlayer and keeps the view: colouring, filters, search, the
 * selection and its table, the linked highlight, and the URL hash that restores all of it.
 *
 * Click = listen (the nearest window plays and is marked; the selection stays); drag = select
 * (box or lasso: shift adds, alt removes; Esc clears); wheel zooms, the middle button or the pan
 * tool pans, a double click resets the view.
 */
(function () {
  "use strict";

  const FIELDS = ["split", "label", "device", "section", "domain", "dataset"];
  const OVERLAP = 1e-4;  // seconds two windows must share to be the same sound
  const ROW_PX = 22;     // a table row's height (the table draws only the rows in view)
  const AU = { maps: {}, views: {}, sel: null, highlight: {}, mark: null, queue: null };
  window.AudioUmaps = AU;

  /* ---------- data ---------- */

  function decode(column) {
    const bytes = Uint8Array.fromBase64 ? Uint8Array.fromBase64(column.b64)
      : Uint8Array.from(atob(column.b64), (c) => c.charCodeAt(0));
    const T = { float32: Float32Array, uint32: Uint32Array, uint8: Uint8Array }[column.dtype];
    return new T(bytes.buffer, bytes.byteOffset, bytes.byteLength / T.BYTES_PER_ELEMENT);
  }

  /* A map's arrays; per file its id (dataset and path) and text to search; its windows by
   * file in time order (CSR: fileStart, byFile). */
  function prepare(payload) {
    const m = { key: payload.key, payload, n: payload.n, ws: payload.window_seconds, files: payload.files };
    for (const name of ["x", "y", "file", "t", "energy", "first_frame"]) m[name] = decode(payload.columns[name]);
    m.ids = m.files.map((f) => f.dataset + "\u0000" + f.path);
    m.fileOf = new Map(m.ids.map((id, k) => [id, k]));
    m.text = m.files.map((f) => [f.path, f.dataset, f.device, f.section, f.domain, f.split, f.label, f.attributes,
                                   ...Object.values(f.attrs || {})].join(" ").toLowerCase());
    const F = m.files.length, start = new Uint32Array(F + 1);
    for (let i = 0; i < m.n; i++) start[m.file[i] + 1]++;
    for (let f = 0; f < F; f++) start[f + 1] += start[f];
    const fill = start.slice(0, F), order = new Uint32Array(m.n);
    for (let i = 0; i < m.n; i++) order[fill[m.file[i]]++] = i;
    for (let f = 0; f < F; f++) {
      const part = order.subarray(start[f], start[f + 1]);
      if (part.length > 1) part.sort((a, b) => m.t[a] - m.t[b] || a - b);
    }
    m.fileStart = start;
    m.byFile = order;
    return m;
  }

  /* ---------- the view's state ---------- */

  function defaults(cfg) {
    return {
      view: "dual", colour: cfg.first_colour, system: cfg.own.systems[0] || "", tool: "box",
      off: {}, ranges: {}, search: "", zoom: null,
    };
  }

  /* Per file of map m: shown under the filters (1) or not (0). */
  function fileShown(m) {
    const st = AU.state;
    const ranges = Object.entries(st.ranges).filter(([, r]) => r && (Number.isFinite(r[0]) || Number.isFinite(r[1])));
    return m.files.map((f, k) => {
      for (const field of Object.keys(st.off)) {
        const off = st.off[field];
        if (!off.length) continue;
        const value = field.startsWith("attr:") ? (f.attrs || {})[field.slice(5)] : f[field];
        if (field === "label" && f.split !== "test") continue;
        if (off.includes(value === undefined || value === "" ? "(none)" : value)) return 0;
      }
      for (const [measure, [lo, hi]] of ranges) {
        if (measure === "energy") continue;  // a window's, not a file's
        const v = fileMeasure(f, measure);
        if (!Number.isFinite(v) || (Number.isFinite(lo) && v < lo) || (Number.isFinite(hi) && v > hi)) return 0;
      }
      return 1;
    });
  }

  function fileMeasure(f, measure) {
    if (measure === "knn") return f.knn === null ? NaN : f.knn;
    if (measure.startsWith("system:")) {
      const s = f.systems[measure.slice(7)];
      return s && s[0] !== null ? s[0] : NaN;
    }
    return NaN;
  }

  /* Per window of map m: 0 hidden, 1 a shadow (training or external), 2 a test window. */
  function classes(m) {
    const shown = fileShown(m), out = new Uint8Array(m.n), er = AU.state.ranges.energy;
    const [lo, hi] = er || [NaN, NaN];
    const test = m.files.map((f) => f.split === "test");
    for (let i = 0; i < m.n; i++) {
      const f = m.file[i];
      if (!shown[f]) continue;
      if (er && ((Number.isFinite(lo) && !(m.energy[i] >= lo)) || (Number.isFinite(hi) && !(m.energy[i] <= hi)))) continue;
      out[i] = test[f] ? 2 : 1;
    }
    return out;
  }

  /* ---------- colours ---------- */

  const C = () => AU.cfg.colours;

  function hexRgb(hex) {
    const v = parseInt(hex.slice(1), 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }

  function paler(hex, amount) {
    return "#" + hexRgb(hex).map((c) => Math.round(c + (255 - c) * amount).toString(16).padStart(2, "0")).join("");
  }

  function quantile(values, q) {
    const v = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
    return v.length ? v[Math.min(v.length - 1, Math.floor(q * (v.length - 1)))] : NaN;
  }

  const CATEGORICAL = ["device", "dataset", "section", "domain", "label", "split"];

  /* The option's colouring: a legend and, per map, test and shadow colours of every window. */
  function colouring(option) {
    const cats = AU.cfg.own.scope_categories || AU.cfg.own.categories;
    if (CATEGORICAL.includes(option)) {
      const names = cats[option] || [];
      const fixed = (C().fixed || {})[option] || {};
      const palette = names.map((name, k) => fixed[name] || C().category[k % C().category.length]);
      const index = new Map(names.map((name, k) => [name, k]));
      return {
        option, categorical: true, palette, names,
        legend: names.map((name, k) => [palette[k], displayName(option, name)]),
        value: (m) => { const per = m.files.map((f) => (index.has(f[option]) ? index.get(f[option]) : NaN)); return (i) => per[m.file[i]]; },
      };
    }
    let per = null, title = "log10 energy of the window";
    if (option === "knn") title = "kNN score of the file (original space)";
    if (option.startsWith("system:")) title = `${option.slice(7)} anomaly score of the file`;
    const value = (m) => {
      if (option === "energy") return (i) => (m.energy[i] > 0 ? Math.log10(m.energy[i]) : NaN);
      per = m.files.map((f) => fileMeasure(f, option));
      return (i) => per[m.file[i]];
    };
    const own = AU.maps[AU.cfg.own.key], v = value(own), all = new Float32Array(own.n);
    for (let i = 0; i < own.n; i++) all[i] = v(i);
    let low = quantile(all, 0.02), high = quantile(all, 0.98);
    if (!Number.isFinite(low)) low = 0;
    if (!(high > low)) high = low + 1;
    return { option, categorical: false, title, low, high, value };
  }

  function ramp(t) {
    const stops = C().continuous, x = Math.max(0, Math.min(1, t)) * (stops.length - 1), k = Math.min(stops.length - 2, Math.floor(x));
    const a = hexRgb(stops[k]), b = hexRgb(stops[k + 1]), u = x - k;
    return [0, 1, 2].map((j) => Math.round(a[j] + (b[j] - a[j]) * u));
  }

  /* Test and shadow colours (Uint8Array, 3 per window) of map m under a colouring. */
  function windowColours(m, c) {
    const test = new Uint8Array(3 * m.n), shadow = new Uint8Array(3 * m.n), v = c.value(m);
    const none = hexRgb(C().none), shadowNone = hexRgb(C().shadow_none), amount = C().paler;
    const pal = c.categorical ? c.palette.map(hexRgb) : null, palePal = c.categorical ? c.palette.map((p) => hexRgb(paler(p, amount))) : null;
    for (let i = 0; i < m.n; i++) {
      const x = v(i);
      let a, b;
      if (!Number.isFinite(x)) { a = none; b = shadowNone; }
      else if (pal) { a = pal[x]; b = palePal[x]; }
      else { a = ramp((x - c.low) / (c.high - c.low)); b = a.map((q) => Math.round(q + (255 - q) * amount)); }
      test.set(a, 3 * i);
      shadow.set(b, 3 * i);
    }
    return { test, shadow };
  }

  function displayName(field, name) {
    if (field === "section") return sectionName({ section: name, domain: "" });
    return name;
  }

  /* DCASE 2020 has machine ids and no domains (domain "none"): "id 02", not "section 02". */
  function sectionName(f) {
    if (!f.section) return "";
    const cats = AU.cfg.own.scope_categories || AU.cfg.own.categories;
    const noDomains = f.domain === "none" || (!f.domain && (cats.domain || []).join() === "none");
    return (noDomains ? "id " : "section ") + f.section;
  }

  function escape(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }

  /* ---------- drawing ---------- */

  /* Every map's windows as layers: shadows, then test windows (in the own map's dual view, the
   * panel's label only), a system's errors ringed, the selection on top with an outline, and
   * the window playing marked. */
  AU.redraw = function () {
    const st = AU.state;
    // the colouring, each map's colours and its windows' classes are kept until what they
    // depend on changes: a selection or a click redraws without recomputing them
    const filters = JSON.stringify([st.off, st.ranges]);
    if (!AU.colouring || AU.colouring.option !== st.colour) AU.colouring = colouring(st.colour);
    const c = AU.colouring;
    for (const key of Object.keys(AU.maps)) {
      const m = AU.maps[key];
      if (!m) continue;
      if (m.colsFor !== c) { m.cols = windowColours(m, c); m.colsFor = c; }
      if (m.clsFor !== filters) { m.cls = classes(m); m.clsFor = filters; }
      const hl = AU.highlight[key] || null;
      for (const view of AU.viewsOf(key)) drawView(view, m, m.cls, m.cols, hl);
    }
    legend(c);
    AU.updateSelectionPanel();
    AU.saveHash();
  };

  AU.viewsOf = (key) => Object.values(AU.views).filter((v) => v.key === key);

  function drawView(view, m, cls, cols, hl) {
    const st = AU.state, style = view.style, panel = view.panel;
    const shadowPts = [], testPts = [], selShadow = [], selTest = [], rings = [];
    const errors = view.own && st.system ? errorsOf(m, st.system) : null;
    const pickable = new Uint8Array(m.n);
    for (let i = 0; i < m.n; i++) {
      const k = cls[i];
      if (!k) continue;
      if (k === 1) {
        (hl && hl[i] ? selShadow : shadowPts).push(i);
        pickable[i] = 1;
        continue;
      }
      if (panel && panel !== "all") {
        const f = m.files[m.file[i]], label = f.label === "normal" || f.label === "anomaly" ? f.label : "unknown";
        if (label !== panel) continue;
      }
      (hl && hl[i] ? selTest : testPts).push(i);
      pickable[i] = 2;
      if (errors) {
        const e = errors[m.file[i]];
        if (e && (panel === "all" || (panel === "normal" && e === "fp") || (panel === "anomaly" && e === "fn"))) rings.push(i);
      }
    }
    const fade = hl ? 0.25 : 1;
    const layers = [
      { points: Uint32Array.from(shadowPts), colours: cols.shadow, alpha: style.shadow_alpha * fade, radius: style.shadow_size / 2 },
      { points: Uint32Array.from(testPts), colours: cols.test, alpha: 0.85 * (hl ? 0.2 : 1), radius: style.dot / 2 },
      { points: Uint32Array.from(rings), colour: C().errors, alpha: hl ? 0.3 : 0.8, radius: style.dot / 2 + 2.5, ring: true },
    ];
    if (hl) {
      layers.push(
        { points: Uint32Array.from(selShadow), colours: cols.shadow, alpha: Math.min(1, style.shadow_alpha * 4), radius: style.shadow_size / 2 },
        { points: Uint32Array.from(selTest), colour: C().outline, alpha: 1, radius: style.dot / 2 + 2 },
        { points: Uint32Array.from(selTest), colours: cols.test, alpha: 1, radius: style.dot / 2 + 0.8 },
      );
    }
    const marked = AU.marked && AU.marked[m.key] ? AU.marked[m.key].filter((i) => pickable[i]) : null;
    if (marked && marked.length) {
      layers.push({ points: Uint32Array.from(marked), colour: C().halo, alpha: 1, radius: style.dot / 2 + 6, ring: true },
                  { points: Uint32Array.from(marked), colour: C().outline, alpha: 1, radius: style.dot / 2 + 5, ring: true });
    }
    view.scatter.setLayers(layers, pickable);
  }

  function errorsOf(m, system) {
    return m.files.map((f) => {
      if (f.split !== "test" || !f.systems[system]) return null;
      const d = f.systems[system][1];
      if (d === 1 && f.label === "normal") return "fp";
      if (d === 0 && f.label === "anomaly") return "fn";
      return null;
    });
  }

  const SWATCH = (colour, extra) => `<span class="au-swatch" style="background:${colour};${extra || ""}"></span>`;

  function legend(c) {
    let html;
    if (c.categorical) {
      html = `<b>${escape(c.option)}</b> ` + c.legend.map(([col, name]) => `${SWATCH(col)}${escape(name)}`).join(" ")
        + ` ${SWATCH(C().none)}no ${escape(c.option)}`;
    } else {
      const stops = C().continuous.map((col, k) => `${col} ${(100 * k) / (C().continuous.length - 1)}%`).join(",");
      html = `<b>${escape(c.title)}</b> ${c.low.toPrecision(3)}<span class="au-ramp" style="background:linear-gradient(to right,${stops})"></span>${c.high.toPrecision(3)} ${SWATCH(C().none)}no value`;
    }
    html += `<br>${SWATCH(C().none, "width:.5em;height:.5em")}small dots: test windows · ${SWATCH(paler(C().none, C().paler), "width:1.1em;height:1.1em;opacity:.6")}larger, paler dots: training and external windows (shadows)`;
    if (AU.state.system) html += ` · ${SWATCH("none", `border:1.5px solid ${C().errors}`)}${escape(AU.state.system)}'s errors: false positives (normal panel), false negatives (anomaly panel)`;
    if (AU.sel) html += ` · ${SWATCH(C().none, `border:1.5px solid ${C().outline}`)}selected (the rest faded)`;
    document.getElementById("au-legend").innerHTML = html;
  }

  /* ---------- selection and the linked highlight ---------- */

  /* Windows of map `to` that overlap in time a window of the same file selected in map `from`
   * (both sorted by time per file: one merge per file). */
  function overlapping(from, mask, to) {
    const out = new Uint8Array(to.n), spans = new Map();
    for (let f = 0; f < from.files.length; f++) {
      const list = [];
      for (let k = from.fileStart[f]; k < from.fileStart[f + 1]; k++) {
        const i = from.byFile[k];
        if (mask[i]) list.push(i);
      }
      if (list.length) spans.set(from.ids[f], list);
    }
    for (const [id, list] of spans) {
      const g = to.fileOf.get(id);
      if (g === undefined) continue;
      let a = 0;
      for (let k = to.fileStart[g]; k < to.fileStart[g + 1]; k++) {
        const j = to.byFile[k], s = to.t[j], e = s + to.ws;
        while (a < list.length && from.t[list[a]] + from.ws - OVERLAP <= s) a++;
        for (let b = a; b < list.length && from.t[list[b]] < e - OVERLAP; b++) {
          if (Math.min(e, from.t[list[b]] + from.ws) - Math.max(s, from.t[list[b]]) > OVERLAP) { out[j] = 1; break; }
        }
      }
    }
    return out;
  }

  /* The highlight of every loaded map from the selection. */
  function spread() {
    AU.highlight = {};
    if (!AU.sel) return;
    const from = AU.maps[AU.sel.key];
    for (const key of Object.keys(AU.maps)) {
      const m = AU.maps[key];
      if (!m) continue;
      AU.highlight[key] = key === AU.sel.key ? AU.sel.mask : overlapping(from, AU.sel.mask, m);
    }
    const counts = {};
    for (const [key, h] of Object.entries(AU.highlight)) counts[key] = h.reduce((s, v) => s + v, 0);
    window.AudioUmapsLinked = { from: AU.sel.key, selected: counts[AU.sel.key], counts, at: performance.now() };
  }

  /* A box or lasso in map `key` found `hits` (drawn windows): a new selection, or added to
   * or removed from the current one (carried over to this map first). */
  AU.select = function (key, hits, mode) {
    const m = AU.maps[key];
    let mask = new Uint8Array(m.n);
    if (mode !== "new" && AU.sel) mask = AU.sel.key === key ? AU.sel.mask.slice() : overlapping(AU.maps[AU.sel.key], AU.sel.mask, m);
    for (const i of hits) mask[i] = mode === "remove" ? 0 : 1;
    AU.setSelection(key, mask);
  };

  AU.setSelection = function (key, mask) {
    AU.sel = mask && mask.some((v) => v) ? { key, mask } : null;
    AU.rows = null;
    AU.cursor = -1;
    spread();
    AU.redraw();
  };

  AU.clear = function () { AU.setSelection(null, null); };

  /* ---------- playing ---------- */

  /* Play window i of map key: its span and the margin either side; mark it (and the windows of
   * the same file at the same time) in every map. The selection is left alone. */
  AU.play = function (key, i) {
    const m = AU.maps[key], f = m.files[m.file[i]], now = document.getElementById("au-now");
    const start = m.t[i], end = start + m.ws, margin = AU.cfg.margin, name = f.path.split("/").pop();
    const mask = new Uint8Array(m.n);
    mask[i] = 1;
    AU.marked = {};
    for (const k of Object.keys(AU.maps)) {
      if (!AU.maps[k]) continue;
      const h = k === key ? mask : overlapping(m, mask, AU.maps[k]);
      AU.marked[k] = [];
      for (let j = 0; j < h.length; j++) if (h[j]) AU.marked[k].push(j);
    }
    AU.current = { key, i };
    AU.redraw();
    if (!f.clip) {
      now.textContent = `${name}: no audio (${f.problem || "no clip"})`;
      return Promise.resolve(null);
    }
    const from = Math.max(0, start - margin - f.offset), to = end + margin - f.offset;
    const url = f.clip.split("/").map(encodeURIComponent).join("/");
    now.textContent = `${name} (${[f.dataset, f.split, f.label, sectionName(f), f.domain !== "none" && f.domain].filter(Boolean).join(", ")}): `
      + (m.payload.clip_level ? "one vector of the whole file, playing the file"
        : `window ${Math.max(0, start).toFixed(3)}–${end.toFixed(3)} s of the file, playing ${(from + f.offset).toFixed(3)}–${(to + f.offset).toFixed(3)} s`);
    return AU.player.play(url, from, to, [start - f.offset, end - f.offset]).catch((e) => {
      now.textContent = `${name}: its clip ${f.clip} did not play (${e.message})`;
      return null;
    });
  };

  /* ---------- the selection panel ---------- */

  function selectedRows() {
    if (!AU.sel) return [];
    if (AU.rows) return AU.rows;
    const m = AU.maps[AU.sel.key], rows = [];
    for (let i = 0; i < m.n; i++) if (AU.sel.mask[i]) rows.push(i);
    sortRows(m, rows);
    AU.rows = rows;
    return rows;
  }

  function columns(m) {
    const cols = [
      ["file", (i) => m.files[m.file[i]].path.split("/").pop()],
      ["section", (i) => m.files[m.file[i]].section],
      ["domain", (i) => m.files[m.file[i]].domain],
      ["split", (i) => m.files[m.file[i]].split],
      ["label", (i) => m.files[m.file[i]].label],
      ["start s", (i) => m.t[i]],
      ["end s", (i) => (m.payload.clip_level ? NaN : m.t[i] + m.ws)],
      ["energy", (i) => m.energy[i]],
    ];
    if ((m.payload.measures || []).includes("knn")) cols.push(["kNN", (i) => fileMeasure(m.files[m.file[i]], "knn")]);
    for (const s of m.payload.systems || []) cols.push([s, (i) => fileMeasure(m.files[m.file[i]], "system:" + s)]);
    return cols;
  }

  function sortRows(m, rows) {
    const sort = AU.sort || { column: "file", descending: false };
    const col = columns(m).find(([name]) => name === sort.column) || columns(m)[0], get = col[1], sign = sort.descending ? -1 : 1;
    const key = rows.map(get);
    const order = rows.map((_, k) => k).sort((a, b) => {
      const x = key[a], y = key[b];
      const c = typeof x === "number" ? (Number.isFinite(x) ? x : Infinity) - (Number.isFinite(y) ? y : Infinity) : String(x).localeCompare(String(y));
      return sign * c || m.file[rows[a]] - m.file[rows[b]] || m.t[rows[a]] - m.t[rows[b]];
    });
    const sorted = order.map((k) => rows[k]);
    rows.splice(0, rows.length, ...sorted);
  }

  function format(v) {
    if (typeof v !== "number") return escape(v || "");
    return Number.isFinite(v) ? (Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4)) : "–";
  }

  AU.updateSelectionPanel = function () {
    const box = document.getElementById("au-selection");
    if (!AU.sel) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    const m = AU.maps[AU.sel.key], rows = selectedRows();
    const files = new Set(rows.map((i) => m.file[i]));
    const title = m.key === AU.cfg.own.key ? "this map" : m.payload.title;
    let html = `<b>${rows.length.toLocaleString("en")} windows selected</b> in ${escape(title)}, from ${files.size.toLocaleString("en")} files. `;
    const counts = [];
    for (const field of ["label", "split", "section", "domain", "dataset"]) {
      const c = new Map();
      for (const i of rows) { const v = m.files[m.file[i]][field] || "(none)"; c.set(v, (c.get(v) || 0) + 1); }
      if (c.size) counts.push(`<span class="au-count"><i>${field}</i> ` + [...c].sort().map(([v, n]) => `${escape(displayName(field, v))}: ${n}`).join(", ") + "</span>");
    }
    const perFile = new Map();
    for (const i of rows) perFile.set(m.file[i], (perFile.get(m.file[i]) || 0) + 1);
    const largest = [...perFile].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 12);
    counts.push(`<span class="au-count"><i>file</i> ` + largest.map(([f, n]) => `${escape(m.files[f].path.split("/").pop())}: ${n}`).join(", ")
      + (perFile.size > largest.length ? `, and ${perFile.size - largest.length} more` : "") + "</span>");
    html += counts.join(" ");
    document.getElementById("au-counts").innerHTML = html;
    const head = document.getElementById("au-thead"), sort = AU.sort || { column: "file", descending: false };
    head.innerHTML = "<tr>" + columns(m).map(([name]) => `<th data-column="${escape(name)}" class="${name === sort.column ? (sort.descending ? "au-desc" : "au-asc") : ""}">${escape(name)}</th>`).join("") + "</tr>";
    const scroller = document.getElementById("au-table");
    document.getElementById("au-spacer").style.height = `${rows.length * ROW_PX}px`;
    scroller.style.height = `${Math.min(12, rows.length + 1) * ROW_PX + 6}px`;
    renderRows();
  };

  /* Only the rows in view are in the DOM (a selection may hold tens of thousands). */
  function renderRows() {
    if (!AU.sel) return;
    const m = AU.maps[AU.sel.key], rows = selectedRows(), scroller = document.getElementById("au-table");
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_PX) - 2), last = Math.min(rows.length, first + Math.ceil(scroller.clientHeight / ROW_PX) + 4);
    const cols = columns(m), body = document.getElementById("au-tbody");
    body.style.transform = `translateY(${first * ROW_PX}px)`;
    let html = "";
    for (let r = first; r < last; r++) {
      const i = rows[r];
      html += `<tr data-row="${r}" class="${r === AU.cursor ? "au-current" : ""}">` + cols.map(([, get]) => `<td>${format(get(i))}</td>`).join("") + "</tr>";
    }
    body.innerHTML = html;
  }

  /* The table's rows in order, each {column: value} (for tests and the benchmark). */
  AU.rowsOf = () => selectedRows().slice();
  AU.tableRows = function () {
    if (!AU.sel) return [];
    const cols = columns(AU.maps[AU.sel.key]);
    return selectedRows().map((i) => Object.fromEntries(cols.map(([name, get]) => [name, get(i)])));
  };

  /* Step to row r of the table (wrapping), play it and keep it in view. */
  AU.step = function (r) {
    const rows = selectedRows();
    if (!rows.length) return Promise.resolve(null);
    AU.cursor = ((r % rows.length) + rows.length) % rows.length;
    const scroller = document.getElementById("au-table"), top = AU.cursor * ROW_PX;
    if (top < scroller.scrollTop || top > scroller.scrollTop + scroller.clientHeight - ROW_PX) scroller.scrollTop = top - ROW_PX;
    renderRows();
    return AU.play(AU.sel.key, rows[AU.cursor]);
  };

  /* Play the selection's windows in table order from the current row, one after another. */
  AU.playSelection = function () {
    if (AU.queue) { AU.queue = null; AU.player.stop(); playButton(); return; }
    AU.queue = true;
    playButton();
    AU.step(AU.cursor < 0 ? 0 : AU.cursor);
  };

  function playButton() {
    document.getElementById("au-play-selection").textContent = AU.queue ? "■ stop" : "▶ play selection";
  }

  function ended() {
    if (!AU.queue) return;
    const rows = selectedRows();
    if (AU.cursor + 1 >= rows.length) { AU.queue = null; playButton(); return; }
    AU.step(AU.cursor + 1);
  }

  /* The selection as a table with the map table's columns (results/umap/...tsv), in table order. */
  AU.exportRows = function () {
    const m = AU.maps[AU.sel.key], p = m.payload, rows = selectedRows();
    const attrs = p.attribute_columns || [];
    const header = ["point", "dataset", "kind", "part", "path", "device", "section", "domain", "split", "label", "file_id",
      "attributes", "subfolder", "store", "file_index", "first_frame", "start_time", "stack", "energy", "random_weights",
      ...attrs, "x", "y", "umap_seed"];
    const lines = [header.join("\t")];
    for (const i of rows) {
      const f = m.files[m.file[i]];
      const values = [i, f.dataset, f.kind, f.part, f.path, f.device, f.section, f.domain, f.split, f.label, f.file_id,
        f.attributes, f.subfolder, f.store, f.file_index, m.first_frame[i], p.clip_level ? 0 : m.t[i] + p.frame_seconds / 2, p.stack,
        m.energy[i], f.random_weights ? "True" : "False", ...attrs.map((a) => (f.attrs || {})[a] || ""),
        m.x[i], m.y[i], p.umap_seed === null ? "" : p.umap_seed];
      lines.push(values.map((v) => (typeof v === "number" ? (Number.isFinite(v) ? String(Math.fround(v) === v ? +v.toPrecision(7) : v) : "") : String(v ?? ""))).join("\t"));
    }
    return lines.join("\n") + "\n";
  };

  function download() {
    const blob = new Blob([AU.exportRows()], { type: "text/tab-separated-values" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `selection_${AU.sel.key}.tsv`;
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  /* ---------- the URL hash: the view, restored on load ---------- */

  async function pack(text) {
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  async function unpack(b64) {
    const s = atob(b64.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(s, (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return new Response(stream).text();
  }

  /* The selection as file + time ids: [[dataset, path, [start ms, ...]], ...]. */
  function selectionIds() {
    const m = AU.maps[AU.sel.key], by = new Map();
    for (let i = 0; i < m.n; i++) {
      if (!AU.sel.mask[i]) continue;
      const f = m.files[m.file[i]], id = m.ids[m.file[i]];
      if (!by.has(id)) by.set(id, [f.dataset, f.path, []]);
      by.get(id)[2].push(Math.round(m.t[i] * 1000));
    }
    return [...by.values()];
  }

  AU.saveHash = function () {
    if (!AU.ready) return;
    clearTimeout(AU.hashTimer);
    AU.hashTimer = setTimeout(async () => {
      const st = AU.state, d = defaults(AU.cfg), h = new URLSearchParams();
      for (const k of ["view", "colour", "system", "tool", "search"]) if (st[k] !== d[k]) h.set(k, st[k]);
      const off = Object.entries(st.off).filter(([, v]) => v.length).map(([f, v]) => `${f}:${v.join("|")}`);
      if (off.length) h.set("off", off.join(";"));
      const ranges = Object.entries(st.ranges).filter(([, r]) => r && (Number.isFinite(r[0]) || Number.isFinite(r[1])))
        .map(([k, [lo, hi]]) => `${k}:${Number.isFinite(lo) ? lo : ""}:${Number.isFinite(hi) ? hi : ""}`);
      if (ranges.length) h.set("ranges", ranges.join(";"));
      const own = AU.views.normal || AU.views.all;
      if (own) {
        const v = own.scatter.view, home = own.scatter.home;
        if (["x0", "x1", "y0", "y1"].some((k) => Math.abs(v[k] - home[k]) > 1e-9)) h.set("zoom", [v.x0, v.x1, v.y0, v.y1].map((z) => z.toPrecision(6)).join(","));
      }
      if (AU.sel) {
        h.set("in", AU.sel.key);
        h.set("sel", await pack(JSON.stringify(selectionIds())));
      }
      const hash = h.toString();
      history.replaceState(null, "", hash ? `#${hash}` : location.pathname + location.search);
      window.AudioUmapsHash = hash;
    }, 250);
  };

  async function restoreHash() {
    const h = new URLSearchParams(location.hash.slice(1)), st = AU.state;
    for (const k of ["view", "colour", "system", "tool", "search"]) if (h.has(k)) st[k] = h.get(k);
    if (!AU.cfg.colour_options.some(([v]) => v === st.colour)) st.colour = AU.cfg.first_colour;
    for (const part of (h.get("off") || "").split(";").filter(Boolean)) {
      const at = part.indexOf(":");
      st.off[part.slice(0, at)] = part.slice(at + 1).split("|");
    }
    for (const part of (h.get("ranges") || "").split(";").filter(Boolean)) {
      const bits = part.split(":"), hi = bits.pop(), lo = bits.pop();
      st.ranges[bits.join(":")] = [lo === "" ? NaN : +lo, hi === "" ? NaN : +hi];
    }
    if (h.has("zoom")) {
      const [x0, x1, y0, y1] = h.get("zoom").split(",").map(Number);
      if ([x0, x1, y0, y1].every(Number.isFinite)) st.zoom = { x0, x1, y0, y1 };
    }
    return h.has("sel") ? { key: h.get("in") || AU.cfg.own.key, packed: h.get("sel") } : null;
  }

  /* The selection of the URL (file + time ids) on the map it was made in (a linked map's is
   * loaded first). */
  async function restoreSelection(saved) {
    if (saved) {
      const key = saved.key;
      if (key !== AU.cfg.own.key && AU.cfg.linked.some((s) => s.key === key)) await AU.loadLinked();
      const m = AU.maps[key];
      if (m) {
        const ids = JSON.parse(await unpack(saved.packed)), mask = new Uint8Array(m.n);
        for (const [dataset, path, times] of ids) {
          const g = m.fileOf.get(dataset + "\u0000" + path);
          if (g === undefined) continue;
          const want = new Set(times);
          for (let k = m.fileStart[g]; k < m.fileStart[g + 1]; k++) {
            const i = m.byFile[k], ms = Math.round(m.t[i] * 1000);
            if (want.has(ms) || want.has(ms - 1) || want.has(ms + 1)) mask[i] = 1;
          }
        }
        AU.sel = mask.some((v) => v) ? { key, mask } : null;
        spread();
      }
    }
  }

  /* ---------- controls ---------- */

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else if (v !== undefined && v !== null) e.setAttribute(k, v);
    }
    e.append(...children);
    return e;
  }

  function buildControls() {
    const st = AU.state, cfg = AU.cfg, bar = document.getElementById("au-controls");
    const radio = (name, options, value, onChange) => el("span", { class: "au-radio", role: "radiogroup", "aria-label": name },
      ...options.map(([v, label]) => el("button", { type: "button", "data-value": v, "aria-pressed": String(v === value),
        onclick: (e) => { for (const b of e.target.parentNode.children) b.setAttribute("aria-pressed", String(b === e.target)); onChange(v); } }, label)));
    const select = (id, label, options, value, onChange) => el("label", {}, label + " ",
      el("select", { id, onchange: (e) => onChange(e.target.value) }, ...options.map(([v, text]) => {
        const o = el("option", { value: v }, text);
        if (v === value) o.selected = true;
        return o;
      })));
    const hasUnknown = (cfg.own.categories.label || []).includes("unknown");
    bar.append(
      radio("view", [["dual", hasUnknown ? "normal | anomalous | unlabelled" : "normal | anomalous"], ["combined", "combined"]], st.view,
        (v) => { st.view = v; layoutPanels(); AU.redraw(); }),
      select("au-colour", "colour by", cfg.colour_options, st.colour, (v) => { st.colour = v; AU.redraw(); }),
    );
    if (cfg.own.systems.length) {
      bar.append(select("au-system", "ring a system's errors", [["", "none"], ...cfg.own.systems.map((s) => [s, s])], st.system,
        (v) => { st.system = v; AU.redraw(); }));
    }
    bar.append(
      radio("tool", [["box", "▭ box"], ["lasso", "◌ lasso"], ["pan", "✥ pan"]], st.tool, (v) => { st.tool = v; AU.saveHash(); }),
      el("button", { type: "button", onclick: () => { for (const v of Object.values(AU.views)) v.scatter.reset(); } }, "reset zoom"),
      el("input", { id: "au-search", type: "search", placeholder: "search files and attributes", value: st.search, "aria-label": "search",
        onkeydown: (e) => { if (e.key === "Enter") { e.preventDefault(); AU.search(e.target.value); } if (e.key === "Escape") e.target.blur(); } }),
    );
    document.getElementById("au-search").value = st.search;
    buildFilters();
  }

  /* Filters: a group of on/off chips per metadata column (attributes included) and min/max
   * boxes per score. */
  function buildFilters() {
    const st = AU.state, box = document.getElementById("au-filters");
    box.innerHTML = "";
    for (const [field, values] of AU.cfg.filters) {
      const off = st.off[field] || (st.off[field] = []);
      const name = field.startsWith("attr:") ? field.slice(5).replace(/^attr_/, "") : field;
      const group = el("fieldset", { class: "au-group" }, el("legend", {}, name));
      for (const v of values) {
        const chip = el("button", { type: "button", class: "au-chip", "aria-pressed": String(!off.includes(v)), "data-field": field, "data-value": v,
          onclick: (e) => {
            const on = e.target.getAttribute("aria-pressed") === "true", list = st.off[field];
            e.target.setAttribute("aria-pressed", String(!on));
            if (on) list.push(v); else list.splice(list.indexOf(v), 1);
            AU.redraw();
          } }, displayName(field, v));
        group.append(chip);
      }
      box.append(group);
    }
    for (const [measure, label] of AU.cfg.ranges) {
      const r = st.ranges[measure] || [NaN, NaN];
      const input = (k) => el("input", { type: "number", step: "any", class: "au-range", "data-measure": measure, "data-bound": k ? "max" : "min",
        placeholder: k ? "max" : "min", value: Number.isFinite(r[k]) ? String(r[k]) : "",
        onchange: (e) => {
          const cur = st.ranges[measure] || (st.ranges[measure] = [NaN, NaN]);
          cur[k] = e.target.value === "" ? NaN : +e.target.value;
          AU.redraw();
        } });
      box.append(el("fieldset", { class: "au-group" }, el("legend", {}, label), input(0), " – ", input(1)));
    }
  }

  /* Search: the windows of the files whose name or attributes contain the text, selected in
   * this map (the filters keep applying). */
  AU.search = function (text) {
    const m = AU.maps[AU.cfg.own.key], q = text.trim().toLowerCase();
    const cls = classes(m), mask = new Uint8Array(m.n);
    let hits = 0;
    if (q) for (let i = 0; i < m.n; i++) if (cls[i] && m.text[m.file[i]].includes(q)) { mask[i] = 1; hits++; }
    AU.state.search = text.trim();
    document.getElementById("au-search-note").textContent = q ? `${hits.toLocaleString("en")} windows match “${text.trim()}”` : "";
    AU.setSelection(AU.cfg.own.key, mask);
  };

  /* ---------- panels and linked maps ---------- */

  function makeView(name, parent, key, summary, size, title, panel, own) {
    const scatter = new window.AudioUmapsScatter(parent, {
      name, width: size[0], height: size[1], extent: summary.extent, title, dragColour: C().outline,
      tool: () => AU.state.tool,
      onClick: (i) => { if (i >= 0) { AU.queue = null; playButton(); AU.play(key, i); } },
      onSelect: (hits, mode) => AU.select(key, hits, mode),
      onHover: (i, x, y) => hover(key, i, x, y),
      onView: () => AU.saveHash(),
      onDrawn: () => { if (own && !window.AudioUmapsDrawn) window.AudioUmapsDrawn = performance.now(); },
    });
    AU.views[name] = { name, key, scatter, style: summary.style, panel, own };
    return AU.views[name];
  }

  function panelSize(count) {
    const width = Math.max(280, Math.min(560, Math.floor((document.getElementById("au-panels").clientWidth - 16 * count) / count)));
    return [width, Math.round(width * 0.88)];
  }

  function layoutPanels() {
    const box = document.getElementById("au-panels"), own = AU.cfg.own, m = AU.maps[own.key];
    for (const name of Object.keys(AU.views)) if (AU.views[name].own) delete AU.views[name];
    box.innerHTML = "";
    const hasUnknown = (own.categories.label || []).includes("unknown");
    const panels = AU.state.view === "dual"
      ? [["normal", "normal test windows"], ["anomaly", "anomalous test windows"], ...(hasUnknown ? [["unknown", "unlabelled test windows"]] : [])]
      : [["all", "all test windows"]];
    const size = panelSize(panels.length);
    for (const [panel, title] of panels) {
      const v = makeView(panel, box, own.key, own, size, title, panel, true);
      if (AU.state.zoom) v.scatter.view = Object.assign({}, AU.state.zoom);
      if (m) v.scatter.setData(m.x, m.y);
    }
    // the panels of the dual plot share their view: a zoom in one zooms all
    const views = Object.values(AU.views).filter((v) => v.own);
    for (const v of views) {
      v.scatter.o.onView = (view) => {
        for (const w of views) if (w !== v) w.scatter.setView(view);
        AU.state.zoom = Object.assign({}, view);
        AU.saveHash();
      };
    }
  }

  function linkedSize() {
    const width = document.getElementById("au-linked").clientWidth || 1000;
    const columns = Math.max(1, Math.floor(width / 380));
    const w = Math.min(460, Math.floor(width / columns) - 20);
    return [w, Math.round(w * 0.85)];
  }

  function buildLinked() {
    const box = document.getElementById("au-linked-maps"), size = linkedSize();
    for (const s of AU.cfg.linked) {
      const title = s.title + (s.skipped ? ` (no map: ${s.skipped})` : ` · ${s.n.toLocaleString("en")} windows`);
      const v = makeView(`linked ${s.key}`, box, s.key, s, size, title, "all", false);
      v.scatter.el.querySelector("figcaption").innerHTML = `<a href="${encodeURI(s.page)}">${escape(title)}</a>`;
      if (!s.skipped && s.n) v.scatter.showMessage(AU.cfg.autoload ? "loading…" : "not loaded: press the button above");
      else v.scatter.showMessage(s.skipped ? `no map: ${s.skipped}` : "no windows");
    }
    const button = document.getElementById("au-load");
    const loadable = AU.cfg.linked.filter((s) => !s.skipped && s.n);
    const total = loadable.reduce((a, s) => a + s.n, 0);
    button.textContent = `show the scope's other ${loadable.length === 1 ? "map" : `${loadable.length} maps`} (${total.toLocaleString("en")} windows)`;
    button.hidden = AU.cfg.autoload || !loadable.length;
    button.onclick = () => AU.loadLinked();
  }

  AU.loadLinked = function () {
    if (AU.linkedLoading) return AU.linkedLoading;
    document.getElementById("au-load").hidden = true;
    const jobs = AU.cfg.linked.filter((s) => !s.skipped && s.n).map((s) => new Promise((resolve) => {
      const view = AU.views[`linked ${s.key}`];
      view.scatter.showMessage("loading…");
      const tag = document.createElement("script");
      tag.src = s.data;
      tag.onload = () => {
        const m = (AU.maps[s.key] = prepare(window.AudioUmapsData[s.key]));
        view.scatter.setData(m.x, m.y);
        view.scatter.showMessage("");
        window.AudioUmapsLinkedLoaded = (window.AudioUmapsLinkedLoaded || 0) + 1;
        resolve();
      };
      tag.onerror = () => { view.scatter.showMessage(`${s.data} did not load: keep the page in its folder`); resolve(); };
      document.head.append(tag);
    }));
    AU.linkedLoading = Promise.all(jobs).then(() => { spread(); AU.redraw(); });
    return AU.linkedLoading;
  };

  /* ---------- hover card ---------- */

  AU.describe = function (key, i) {
    const m = AU.maps[key], f = m.files[m.file[i]];
    const systems = Object.entries(f.systems).map(([s, [score, decision]]) => {
      if (score === null) return `${s}: no score`;
      let text = `${s} ${score.toPrecision(4)}`;
      if (decision !== null) {
        text += decision === 1 ? " (anomalous" : " (normal";
        if (f.label === "normal" && decision === 1) text += ": false positive";
        if (f.label === "anomaly" && decision === 0) text += ": false negative";
        text += ")";
      }
      return text;
    });
    const energy = Number.isFinite(m.energy[i]) ? m.energy[i].toPrecision(4) : "–";
    return `<b>${escape(f.path.split("/").pop())}</b><br>`
      + escape([f.dataset, f.device, sectionName(f), f.domain !== "none" && f.domain].filter(Boolean).join(" · ")) + "<br>"
      + escape([f.split, f.label, f.attributes].filter(Boolean).join(" · ")) + "<br>"
      + `window ${Math.max(0, m.t[i]).toFixed(3)}–${(m.t[i] + m.ws).toFixed(3)} s · energy ${energy}`
      + (f.knn !== null ? `<br>kNN score ${f.knn.toPrecision(4)}` : "")
      + (systems.length ? "<br>" + escape(systems.join(", ")) : "");
  };

  function hover(key, i, x, y) {
    const tip = document.getElementById("au-tip");
    if (i < 0 || !AU.maps[key]) { tip.hidden = true; return; }
    tip.innerHTML = AU.describe(key, i);
    tip.hidden = false;
    // kept inside the viewport: left of and above the cursor where it would run off
    const w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = `${x + 14 + w > window.innerWidth ? Math.max(0, x - 14 - w) : x + 14}px`;
    tip.style.top = `${y + 14 + h > window.innerHeight ? Math.max(0, y - 14 - h) : y + 14}px`;
  }

  /* Where window i of a map lies on the page in a view (client px; for tests and benchmarks). */
  AU.screenPoint = function (view, i) { return AU.views[view].scatter.clientPoint(i); };
  AU.screenXY = function (view, x, y) { return AU.views[view].scatter.clientXY(x, y); };

  /* ---------- keyboard ---------- */

  function keys(e) {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test((e.target && e.target.tagName) || "");
    if (e.key === "Escape" && !typing) { AU.queue = null; playButton(); AU.clear(); return; }
    if (typing) return;
    if (e.key === "/") { e.preventDefault(); document.getElementById("au-search").focus(); return; }
    if (!AU.sel) return;
    if (e.key === " ") { e.preventDefault(); AU.playSelection(); }
    else if (e.key === "ArrowRight" || e.key === "ArrowDown") { e.preventDefault(); AU.step(AU.cursor + 1); }
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") { e.preventDefault(); AU.step(AU.cursor < 0 ? -1 : AU.cursor - 1); }
  }

  /* ---------- start ---------- */

  AU.init = async function () {
    const cfg = (AU.cfg = JSON.parse(document.getElementById("au-config").textContent));
    AU.state = defaults(cfg);
    const player = document.getElementById("au-wave");
    AU.player = new window.AudioUmapsPlayer({ canvas: player, time: document.getElementById("au-time") },
      C(), ended);
    const payload = (window.AudioUmapsData || {})[cfg.own.key];
    if (payload) AU.maps[cfg.own.key] = prepare(payload);
    if (cfg.own.skipped === null && !payload) {
      document.getElementById("au-now").textContent = `The data of this map (${cfg.own.data}) did not load: keep the page in its folder.`;
    }
    const saved = await restoreHash();
    buildControls();
    layoutPanels();
    buildLinked();
    try {
      await restoreSelection(saved);
    } catch (e) {
      document.getElementById("au-now").textContent = `The link's selection could not be read (${e.message}).`;
    }
    document.getElementById("au-play-selection").onclick = () => AU.playSelection();
    document.getElementById("au-prev").onclick = () => AU.step(AU.cursor < 0 ? -1 : AU.cursor - 1);
    document.getElementById("au-next").onclick = () => AU.step(AU.cursor + 1);
    document.getElementById("au-export").onclick = download;
    document.getElementById("au-clear").onclick = () => AU.clear();
    document.getElementById("au-table").addEventListener("scroll", renderRows);
    document.getElementById("au-thead").addEventListener("click", (e) => {
      const column = e.target.dataset && e.target.dataset.column;
      if (!column) return;
      const s = AU.sort || { column: "file", descending: false };
      AU.sort = { column, descending: s.column === column ? !s.descending : false };
      AU.rows = null;
      AU.cursor = -1;
      AU.updateSelectionPanel();
    });
    document.getElementById("au-tbody").addEventListener("click", (e) => {
      const tr = e.target.closest("tr");
      if (tr) { AU.queue = null; playButton(); AU.step(+tr.dataset.row); }
    });
    document.addEventListener("keydown", keys);
    let resizing;
    window.addEventListener("resize", () => { clearTimeout(resizing); resizing = setTimeout(() => {
      const views = Object.values(AU.views).filter((v) => v.own), size = panelSize(views.length), ls = linkedSize();
      for (const v of Object.values(AU.views)) v.scatter.resize(...(v.own ? size : ls));
      AU.redraw();
    }, 150); });
    AU.ready = true;
    AU.redraw();
    window.AudioUmapsReady = performance.now();
    if (cfg.autoload) AU.loadLinked();
  };

  /* The explorer's index beside this scope's folder (../scopes.js, written with it) names every
   * scope; a scope folder copied alone has none, and its page says so instead of linking to a
   * missing page. */
  function whenParsed(f) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", f); else f();
  }

  window.AudioUmapsScopesLoaded = () => whenParsed(function () {
    const here = document.getElementById("au-scopes"), scopes = window.AudioUmapsScopes || [];
    if (!here || !scopes.length) return;
    here.textContent = "other scopes: ";
    scopes.forEach((s, k) => {
      if (k) here.append(" · ");
      const a = document.createElement("a");
      a.href = `../${s.folder}/index.html`;
      a.textContent = s.name;
      here.append(a);
    });
    here.append(" · ");
    const index = document.createElement("a");
    index.href = "../index.html";
    index.textContent = "all scopes";
    here.append(index);
  });

  window.AudioUmapsScopesMissing = () => whenParsed(function () {
    const here = document.getElementById("au-scopes");
    if (here) here.textContent = "(this scope's folder is on its own: the explorer's other scopes are not beside it)";
  });

  document.addEventListener("DOMContentLoaded", () => AU.init());
})();
