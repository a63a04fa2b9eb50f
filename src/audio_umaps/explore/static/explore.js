/* audio-umaps explorer: the callbacks of the Bokeh pages that audio_umaps.explore writes.
 *
 * Bokeh draws; this file only decodes each map's data (window.AudioUmapsData, written by
 * data/<map>.js), sets the layer filters and colours from the widgets, formats hover text,
 * plays a clicked window and carries a selection to the scope's other maps.
 */
(function () {
  "use strict";
  const AU = { maps: {}, page: null, linking: false };
  // Every colour comes from the page (audio_umaps.explore.colours.explorer_colours): category,
  // fixed, continuous, none, errors, paler.
  const colourSet = () => AU.page.config.colours;
  const FIELDS = ["split", "label", "device", "section", "domain", "dataset"];
  const OVERLAP = 1e-4;  // seconds two windows must share to be the same sound

  function decode(column) {
    const bytes = Uint8Array.fromBase64 ? Uint8Array.fromBase64(column.b64)
      : Uint8Array.from(atob(column.b64), (c) => c.charCodeAt(0));
    const T = { float32: Float32Array, uint32: Uint32Array, uint8: Uint8Array }[column.dtype];
    return new T(bytes.buffer, bytes.byteOffset, bytes.byteLength / T.BYTES_PER_ELEMENT);
  }

  /* A map's arrays, each window's file-level categories, and an index from file to windows. */
  function prepare(payload) {
    const map = { payload, n: payload.n, ws: payload.window_seconds, files: payload.files };
    for (const name of ["x", "y", "file", "t", "energy"]) map[name] = decode(payload.columns[name]);
    map.ids = payload.files.map((f) => f.dataset + "\u0000" + f.path);
    for (const field of FIELDS) map[field] = payload.files.map((f) => f[field]);
    map.byFile = null;
    return map;
  }

  function windowsByFile(map) {
    if (map.byFile === null) {
      map.byFile = new Map();
      for (let i = 0; i < map.n; i++) {
        const id = map.ids[map.file[i]];
        let list = map.byFile.get(id);
        if (list === undefined) map.byFile.set(id, (list = []));
        list.push(i);
      }
    }
    return map.byFile;
  }

  function setData(entry) {
    const m = entry.map;
    entry.source.data = { x: m.x, y: m.y, c: new Float32Array(m.n), file: m.file, t: m.t, energy: m.energy };
  }

  function state() {
    const w = AU.page.models;
    const chosen = (widget) => new Set(widget.active.map((i) => widget.labels[i]));
    return {
      dual: w.view.active === 0,
      colour: w.colour.value,
      system: w.system.value === "none" ? null : w.system.value,
      split: chosen(w.toggles.split), label: chosen(w.toggles.label),
      section: chosen(w.toggles.section), domain: chosen(w.toggles.domain),
    };
  }

  function quantile(values, q) {
    const v = Array.from(values).filter(Number.isFinite).sort((a, b) => a - b);
    return v.length ? v[Math.min(v.length - 1, Math.floor(q * (v.length - 1)))] : NaN;
  }

  /* The colour value of each window, and the palette, limits and legend that go with it. */
  function colours(map, option, cats) {
    const values = new Float32Array(map.n).fill(NaN);
    const categorical = ["device", "dataset", "section", "domain", "label", "split"].includes(option);
    const C = colourSet();
    if (categorical) {
      const names = cats[option] || [];
      const palette = names.map((name, i) => (C.fixed[option] && C.fixed[option][name]) || C.category[i % C.category.length]);
      const code = new Map(names.map((name, i) => [name, i]));
      const perFile = map[option].map((name) => (code.has(name) ? code.get(name) : NaN));
      for (let i = 0; i < map.n; i++) values[i] = perFile[map.file[i]];
      return { values, palette: palette.length ? palette : [C.category[0]], low: -0.5,
               high: Math.max(names.length, 1) - 0.5,
               legend: names.map((name, i) => [palette[i], option === "section"
                 ? sectionName({ section: name, domain: (cats.domain || []).join() === "none" ? "none" : "" }) : name]) };
    }
    let perFile = null, title = option;
    if (option === "knn") {
      perFile = map.files.map((f) => (f.knn === null ? NaN : f.knn));
      title = "kNN score of the file (original space)";
    } else if (option.startsWith("system:")) {
      const s = option.slice(7);
      perFile = map.files.map((f) => (f.systems[s] && f.systems[s][0] !== null ? f.systems[s][0] : NaN));
      title = s + " anomaly score of the file";
    }
    if (perFile === null) {
      for (let i = 0; i < map.n; i++) values[i] = map.energy[i] > 0 ? Math.log10(map.energy[i]) : NaN;
      title = "log10 energy of the window";
    } else {
      for (let i = 0; i < map.n; i++) values[i] = perFile[map.file[i]];
    }
    const low = quantile(values, 0.02), high = quantile(values, 0.98);
    return { values, palette: C.continuous, low: Number.isFinite(low) ? low : 0,
             high: Number.isFinite(high) && high > low ? high : (Number.isFinite(low) ? low + 1 : 1),
             continuous: title };
  }

  /* A colour mixed with white: shadows are paler than the test windows of the same group. */
  function paler(colour, amount) {
    const v = parseInt(colour.slice(1), 16), mix = (c) => Math.round(c + (255 - c) * amount);
    const rgb = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map(mix);
    return "#" + rgb.map((c) => c.toString(16).padStart(2, "0")).join("");
  }

  const SWATCH = "display:inline-block;width:.8em;height:.8em;border-radius:50%;margin:0 .25em 0 .6em;vertical-align:middle;";

  function legendHtml(c, st) {
    const C = colourSet();
    let html;
    if (c.continuous) {
      const stops = C.continuous.map((col, i) => `${col} ${(100 * i) / (C.continuous.length - 1)}%`).join(",");
      html = `<span>${escape(c.continuous)}: ${c.low.toPrecision(3)}</span><span style="display:inline-block;width:9em;height:.8em;margin:0 .4em;vertical-align:middle;background:linear-gradient(to right,${stops})"></span><span>${c.high.toPrecision(3)}</span><span style="${SWATCH}background:${C.none}"></span>no value`;
    } else {
      html = c.legend.map(([col, name]) => `<span style="${SWATCH}background:${col}"></span>${escape(name)}`).join(" ")
        + `<span style="${SWATCH}background:${C.none}"></span>none`;
    }
    html += ` · <span style="${SWATCH}width:1.1em;height:1.1em;background:${paler(c.palette[0], C.paler)};opacity:.6"></span>larger, paler dots: training and external windows (shadows)`;
    if (st.system) html += ` · <span style="${SWATCH}background:none;border:1.5px solid ${C.errors}"></span>${escape(st.system)}'s errors: false positives (left), false negatives (right)`;
    return html;
  }

  /* Layer filters, colours and panels from the widgets' state. */
  AU.update = function (key) {
    const page = AU.page;
    if (!page || !AU.maps[key] || !AU.maps[key].map) return;
    const w = page.models, st = state(), map = AU.maps[key].map;
    const n = map.n, layers = {};
    for (const name of Object.keys(w.filters)) layers[name] = new Array(n).fill(false);
    const keepFile = map.files.map((f) => st.split.has(f.split) && (f.split !== "test" || st.label.has(f.label))
      && (!f.section || st.section.has(f.section)) && (!f.domain || st.domain.has(f.domain)));
    const error = map.files.map((f) => {
      if (!st.system || f.split !== "test" || !f.systems[st.system]) return null;
      const d = f.systems[st.system][1];
      if (d === 1 && f.label === "normal") return "fp";
      if (d === 0 && f.label === "anomaly") return "fn";
      return null;
    });
    for (let i = 0; i < n; i++) {
      const fi = map.file[i];
      if (!keepFile[fi]) continue;
      const f = map.files[fi];
      if (f.split !== "test") { layers.shadow[i] = true; continue; }
      // combined: every test window in the left panel, every error ringed there
      const label = st.dual ? (f.label in { normal: 1, anomaly: 1 } ? f.label : "unknown") : "normal";
      layers[label][i] = true;
      if (error[fi]) layers[st.dual ? error[fi] : "fp"][i] = true;
    }
    for (const name in layers) w.filters[name].booleans = layers[name];
    const cats = page.config.own.scope_categories || page.config.own.categories;
    const c = colours(map, st.colour, cats);
    for (const [mapper, palette] of [[w.mapper, c.palette], [w.shadow_mapper, c.palette.map((col) => paler(col, colourSet().paler))]]) {
      mapper.palette = palette;
      mapper.low = c.low;
      mapper.high = c.high;
    }
    const entries = [AU.maps[key]].concat(Object.values(AU.maps).filter((e) => e !== AU.maps[key] && e.map));
    for (const entry of entries) {
      const values = entry === AU.maps[key] ? c.values : colours(entry.map, st.colour, cats).values;
      entry.source.data = Object.assign({}, entry.source.data, { c: values });
    }
    w.panels.normal.title.text = st.dual ? "normal test windows" : "all test windows";
    for (const name of ["anomaly", "unknown"]) if (w.panels[name]) w.panels[name].visible = st.dual;
    w.legend.text = legendHtml(c, st);
  };

  AU.init = function (models, config) {
    const key = config.own.key;
    AU.page = { models, config };
    const payload = (window.AudioUmapsData || {})[key];
    AU.maps[key] = { source: models.source, map: payload ? prepare(payload) : null };
    for (const m of config.linked) AU.maps[m.key] = { source: models.linked[m.key], map: null, summary: m };
    if (!payload) {
      document.getElementById("au-now").textContent = `The data of this map (${config.own.data}) did not load: keep the page in its folder.`;
      return;
    }
    setData(AU.maps[key]);
    AU.update(key);
    window.AudioUmapsReady = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => { window.AudioUmapsDrawn = performance.now(); }));
    if (config.autoload) AU.loadLinked(key);
  };

  AU.loadLinked = function (key) {
    const page = AU.page;
    page.models.load.visible = false;
    for (const m of page.config.linked) {
      const entry = AU.maps[m.key];
      if (entry.map || entry.loading || m.skipped || m.n === 0) continue;
      entry.loading = true;
      const tag = document.createElement("script");
      tag.src = m.data;
      tag.onload = () => {
        entry.map = prepare(window.AudioUmapsData[m.key]);
        setData(entry);
        AU.update(key);
        window.AudioUmapsLinkedLoaded = (window.AudioUmapsLinkedLoaded || 0) + 1;
        AU.linkFrom(key);
      };
      tag.onerror = () => console.warn(`linked map ${m.key}: ${m.data} did not load`);
      document.head.appendChild(tag);
    }
  };

  /* DCASE 2020 has machine ids and no domains (domain "none"): "id 02", not "section 02". */
  function sectionName(f) {
    return f.section ? (f.domain === "none" ? "id " : "section ") + f.section : "";
  }

  function escape(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }

  /* What a window's card says: its file, metadata, time, energy and scores. */
  AU.describe = function (key, i) {
    const map = AU.maps[key].map, f = map.files[map.file[i]];
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
    const energy = Number.isFinite(map.energy[i]) ? map.energy[i].toPrecision(4) : "–";
    return `<b>${escape(f.path.split("/").pop())}</b><br>`
      + escape([f.dataset, f.device, sectionName(f), f.domain !== "none" && f.domain].filter(Boolean).join(" · ")) + "<br>"
      + escape([f.split, f.label, f.attributes].filter(Boolean).join(" · ")) + "<br>"
      + `window ${Math.max(0, map.t[i]).toFixed(3)}–${(map.t[i] + map.ws).toFixed(3)} s · energy ${energy}`
      + (f.knn !== null ? `<br>kNN score ${f.knn.toPrecision(4)}` : "")
      + (systems.length ? "<br>" + escape(systems.join(", ")) : "");
  };

  /* Hover: a card for the drawn window nearest the cursor (within 6 px), shadows included.
   * Bokeh hands every renderer of a panel the hits of the last one, so the nearest window is
   * found here, among the windows the panel's layers (filters) draw. */
  AU.hover = function (key, cbData, figure, layers) {
    const tip = document.getElementById("au-tip"), entry = AU.maps[key];
    const g = cbData && cbData.geometry;
    if (!entry || !entry.map || !g || !Number.isFinite(g.x)) { tip.hidden = true; return; }
    const stamp = `${key} ${g.sx} ${g.sy}`;
    if (AU.hovered === stamp) return;  // called once per renderer of the panel
    AU.hovered = stamp;
    const view = Bokeh.index.find_one(figure), xs = view.frame.x_scale, ys = view.frame.y_scale;
    const dx = Math.abs(xs.invert(g.sx + 6) - xs.invert(g.sx)), dy = Math.abs(ys.invert(g.sy + 6) - ys.invert(g.sy));
    const masks = layers ? layers.map((l) => AU.page.models.filters[l].booleans) : null;
    const m = entry.map;
    let best = -1, bestD = 1;
    for (let i = 0; i < m.n; i++) {
      const u = (m.x[i] - g.x) / dx, v = (m.y[i] - g.y) / dy, d = u * u + v * v;
      if (d < bestD && (!masks || masks.some((b) => b[i]))) { bestD = d; best = i; }
    }
    if (best < 0) { tip.hidden = true; return; }
    tip.innerHTML = AU.describe(key, best);
    const rect = view.canvas_view.el.getBoundingClientRect();
    tip.style.left = `${rect.left + g.sx + 14}px`;
    tip.style.top = `${rect.top + g.sy + 14}px`;
    tip.hidden = false;
  };

  /* A click: play the window nearest to it. */
  AU.tap = function (key, cbData) {
    const entry = AU.maps[key];
    if (!entry || !entry.map) return;
    const hit = entry.source.selected.indices;
    if (!hit.length) return;
    const g = cbData && cbData.geometries ? cbData.geometries : null;
    let best = hit[0];
    if (g && Number.isFinite(g.x)) {
      let bestD = Infinity;
      for (const i of hit) {
        const d = (entry.map.x[i] - g.x) ** 2 + (entry.map.y[i] - g.y) ** 2;
        if (d < bestD) { bestD = d; best = i; }
      }
    }
    AU.play(key, best);
  };

  AU.play = function (key, i) {
    const map = AU.maps[key].map, f = map.files[map.file[i]];
    const player = document.getElementById("au-player"), now = document.getElementById("au-now");
    const start = map.t[i], end = start + map.ws, margin = AU.page.config.margin;
    const name = f.path.split("/").pop();
    if (!f.clip) {
      now.textContent = `${name}: no audio (${f.problem || "no clip"})`;
      return;
    }
    const from = Math.max(0, start - margin - f.offset), to = end + margin - f.offset;
    // each part of the clip's path encoded: '#', '?' or '%' in a file name would break the URL
    player.src = `${f.clip.split("/").map(encodeURIComponent).join("/")}#t=${from.toFixed(3)},${to.toFixed(3)}`;
    player.dataset.file = f.path;
    player.dataset.window = `${start.toFixed(3)},${end.toFixed(3)}`;
    player.dataset.offset = String(f.offset);
    clearTimeout(AU.stopTimer);
    player.onplaying = () => {  // stop at the span's end (the fragment's own end is coarser), once
      player.onplaying = null;
      AU.stopTimer = setTimeout(() => player.pause(), Math.max(0, to - player.currentTime) * 1000 / player.playbackRate);
    };
    player.onerror = () => { now.textContent = `${name}: its clip ${f.clip} did not load`; };
    const played = player.play();
    if (played && played.catch) played.catch(() => {});
    now.textContent = `${name} (${[f.dataset, f.split, f.label, sectionName(f), f.domain !== "none" && f.domain].filter(Boolean).join(", ")}): `
      + `window ${Math.max(0, start).toFixed(2)}–${end.toFixed(2)} s of the file, `
      + `playing ${(from + f.offset).toFixed(2)}–${(to + f.offset).toFixed(2)} s`;
  };

  /* A selection in one map highlights the windows of the same files at overlapping times in
   * every other loaded map. */
  AU.linkFrom = function (key) {
    // A selection this file set (in linkNow) is not carried further: Bokeh may report it after
    // linkNow has returned, and carrying it back would shrink the user's own selection.
    const entry = AU.maps[key];
    if (AU.linking || !entry) return;
    const now = entry.source.selected.indices, set = entry.setByLink;
    entry.setByLink = undefined;
    if (set !== undefined && set.length === now.length && set.every((v, j) => v === now[j])) return;
    // after the selection event that called it has finished (setting other sources' selection
    // inside a tool's selection event crashes Chromium's renderer)
    setTimeout(() => AU.linkNow(key), 0);
  };

  AU.linkNow = function (key) {
    if (AU.linking) return;
    const entry = AU.maps[key];
    if (!entry || !entry.map) return;
    const map = entry.map, selected = entry.source.selected.indices;
    const spans = new Map();
    for (const i of selected) {
      const id = map.ids[map.file[i]];
      let list = spans.get(id);
      if (list === undefined) spans.set(id, (list = []));
      list.push([map.t[i], map.t[i] + map.ws]);
    }
    const counts = {};
    AU.linking = true;
    try {
      for (const [other, e] of Object.entries(AU.maps)) {
        if (other === key || !e.map) continue;
        const hits = [];
        if (spans.size) {
          const byFile = windowsByFile(e.map);
          for (const [id, list] of spans) {
            for (const p of byFile.get(id) || []) {
              const a = e.map.t[p], b = a + e.map.ws;
              // overlapping by more than 0.1 ms: windows that only touch do not count
              if (list.some(([s, t]) => Math.min(b, t) - Math.max(a, s) > OVERLAP)) hits.push(p);
            }
          }
        }
        e.setByLink = hits;
        e.source.selected.indices = hits;
        counts[other] = hits.length;
      }
    } finally {
      AU.linking = false;
    }
    window.AudioUmapsLinked = { from: key, selected: selected.length, counts };
  };

  /* Where window i of a map lies on the screen in a figure (client coordinates; for tests and
   * the benchmark). */
  AU.screenPoint = function (figure, key, i) {
    const view = Bokeh.index.find_one(figure), map = AU.maps[key].map;
    const rect = view.canvas_view.el.getBoundingClientRect();
    return { x: rect.left + view.frame.x_scale.compute(map.x[i]), y: rect.top + view.frame.y_scale.compute(map.y[i]) };
  };

  window.AudioUmaps = AU;
})();
