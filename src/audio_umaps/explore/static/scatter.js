/* audio-umaps explorer: one map's scatter plot on a <canvas>.
 *
 * Why not a plotting library: the explorer's pages were Bokeh pages, and Bokeh's own cost (its
 * script, and a spatial index per renderer of every layer) set their load time at 0.77-0.80x
 * of Bokeh's standalone page of the same maps (docs/benchmarks.md, "Explorer"); WebGL plot
 * libraries need a GPU the pages cannot count on (headless and remote browsers draw without
 * one). Points are few kinds of disk and ring, so they are stamped into a pixel buffer here:
 * 300,000 windows draw in tens of milliseconds on one core, on any browser.
 *
 * A Scatter draws layers of points (disks or rings, a colour per point or one for all, an
 * alpha and a radius per layer) over a view (data limits) that wheel zooms and a drag pans or
 * selects; it reports clicks (the nearest drawn point), selections (box or lasso) and hover.
 */
(function () {
  "use strict";

  const CLICK_PX = 4;   // a press that moves less than this is a click
  const PICK_PX = 8;    // a click or hover finds the nearest drawn point within this distance
  const GRID = 128;     // cells per side of the index that finds points near the cursor

  /* Offsets and coverage of the pixels of a disk (or a ring of width 1.2) of radius r, with
   * anti-aliased edges; cached by radius. */
  const stamps = new Map();
  function stamp(r, ring) {
    const key = `${r.toFixed(2)} ${ring}`;
    let s = stamps.get(key);
    if (s) return s;
    const dx = [], dy = [], cover = [], R = Math.ceil(r + 1);
    for (let y = -R; y <= R; y++) {
      for (let x = -R; x <= R; x++) {
        const d = Math.hypot(x, y);
        const c = ring ? Math.max(0, Math.min(1, 1.1 - Math.abs(d - r))) : Math.max(0, Math.min(1, r + 0.5 - d));
        if (c > 0) { dx.push(x); dy.push(y); cover.push(c); }
      }
    }
    s = { dx: Int32Array.from(dx), dy: Int32Array.from(dy), cover: Float32Array.from(cover) };
    stamps.set(key, s);
    return s;
  }

  function rgb(hex) {
    const v = parseInt(hex.slice(1), 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }

  class Scatter {
    /* options: width, height (CSS px), extent [x0, x1, y0, y1], title, dragColour (of the
     * box or lasso being drawn), and the callbacks
     * onClick(i), onSelect(indices, mode), onHover(i, clientX, clientY) (i -1: none),
     * onView(view) after a zoom or pan; tool() returns "box", "lasso" or "pan". */
    constructor(parent, options) {
      this.o = options;
      this.el = document.createElement("figure");
      this.el.className = "au-scatter";
      if (options.name) this.el.dataset.name = options.name;
      this.caption = document.createElement("figcaption");
      this.caption.textContent = options.title || "";
      this.canvas = document.createElement("canvas");
      this.canvas.tabIndex = -1;
      this.overlay = document.createElement("canvas");  // the drag's box or lasso
      this.overlay.className = "au-overlay";
      const frame = document.createElement("div");
      frame.className = "au-frame";
      frame.append(this.canvas, this.overlay);
      this.message = document.createElement("div");
      this.message.className = "au-message";
      this.message.hidden = true;
      frame.append(this.message);
      this.el.append(this.caption, frame);
      parent.append(this.el);
      this.frame = frame;
      this.layers = [];
      this.x = this.y = null;
      this.n = 0;
      this.priority = null;
      this.home = this.fit(options.extent, options.width, options.height);
      this.view = Object.assign({}, this.home);
      this.resize(options.width, options.height);
      this.listen();
    }

    /* Data limits holding ``extent`` at the aspect of a width x height frame (equal units). */
    fit(extent, width, height) {
      const [x0, x1, y0, y1] = extent;
      const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      let hw = Math.max(x1 - x0, 1e-6) * 0.53, hh = Math.max(y1 - y0, 1e-6) * 0.53;
      if (hw / width < hh / height) hw = (hh * width) / height; else hh = (hw * height) / width;
      return { x0: cx - hw, x1: cx + hw, y0: cy - hh, y1: cy + hh };
    }

    resize(width, height) {
      const dpr = window.devicePixelRatio || 1;
      this.width = width;
      this.height = height;
      this.dpr = dpr;
      for (const c of [this.canvas, this.overlay]) {
        c.width = Math.round(width * dpr);
        c.height = Math.round(height * dpr);
        c.style.width = `${width}px`;
        c.style.height = `${height}px`;
      }
      this.frame.style.width = `${width}px`;
      this.frame.style.height = `${height}px`;
      // keep the view's centre and scale (units per pixel), widen or narrow it to the new frame
      const v = this.view, cx = (v.x0 + v.x1) / 2, cy = (v.y0 + v.y1) / 2;
      const ux = (v.x1 - v.x0) / (this.lastWidth || width), uy = (v.y1 - v.y0) / (this.lastHeight || height);
      this.view = { x0: cx - (ux * width) / 2, x1: cx + (ux * width) / 2, y0: cy - (uy * height) / 2, y1: cy + (uy * height) / 2 };
      this.home = this.fit(this.o.extent, width, height);
      this.lastWidth = width;
      this.lastHeight = height;
      this.buffer = new Float32Array(this.canvas.width * this.canvas.height * 3);
      this.image = null;
      this.draw();
    }

    setData(x, y) {
      this.x = x;
      this.y = y;
      this.n = x.length;
      this.grid = null;
      this.draw();
    }

    /* layers: [{points (indices), colours (Uint8Array, 3 per point of the map) or colour
     * ("#rrggbb"), alpha, radius (CSS px), ring (bool)}], drawn in turn; pickable: Uint8Array
     * per point (0 not drawn, else the priority with which a click takes it). */
    setLayers(layers, pickable) {
      this.layers = layers;
      this.priority = pickable;
      this.draw();
    }

    setView(view) {
      this.view = Object.assign({}, view);
      this.draw();
    }

    reset() {
      this.setView(this.home);
      if (this.o.onView) this.o.onView(this.view);
    }

    /* Canvas pixel (device px) of data coordinates. */
    sx(x) { return ((x - this.view.x0) / (this.view.x1 - this.view.x0)) * this.canvas.width; }
    sy(y) { return ((this.view.y1 - y) / (this.view.y1 - this.view.y0)) * this.canvas.height; }
    /* Data coordinates of a CSS pixel of the frame. */
    dataX(px) { return this.view.x0 + (px / this.width) * (this.view.x1 - this.view.x0); }
    dataY(py) { return this.view.y1 - (py / this.height) * (this.view.y1 - this.view.y0); }

    draw() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => { this.pending = false; this.drawNow(); });
    }

    drawNow() {
      const W = this.canvas.width, H = this.canvas.height, buf = this.buffer;
      buf.fill(255);
      if (this.x) {
        const kx = W / (this.view.x1 - this.view.x0), ky = H / (this.view.y1 - this.view.y0);
        const x0 = this.view.x0, y1 = this.view.y1;
        for (const layer of this.layers) {
          const s = stamp(layer.radius * this.dpr, !!layer.ring), m = s.dx.length;
          const fixed = layer.colour ? rgb(layer.colour) : null, cols = layer.colours;
          const pts = layer.points, alpha = layer.alpha, R = Math.ceil(layer.radius * this.dpr + 1);
          for (let j = 0; j < pts.length; j++) {
            const i = pts[j];
            const cx = Math.round((this.x[i] - x0) * kx), cy = Math.round((y1 - this.y[i]) * ky);
            if (cx < -R || cy < -R || cx >= W + R || cy >= H + R) continue;
            const r = fixed ? fixed[0] : cols[3 * i], g = fixed ? fixed[1] : cols[3 * i + 1], b = fixed ? fixed[2] : cols[3 * i + 2];
            const inside = cx >= R && cy >= R && cx < W - R && cy < H - R;
            for (let k = 0; k < m; k++) {
              const px = cx + s.dx[k], py = cy + s.dy[k];
              if (!inside && (px < 0 || py < 0 || px >= W || py >= H)) continue;
              const a = alpha * s.cover[k], o = 3 * (py * W + px);
              buf[o] += (r - buf[o]) * a;
              buf[o + 1] += (g - buf[o + 1]) * a;
              buf[o + 2] += (b - buf[o + 2]) * a;
            }
          }
        }
      }
      const ctx = this.canvas.getContext("2d");
      if (!this.image) this.image = ctx.createImageData(W, H);
      const px = this.image.data;
      for (let p = 0, q = 0; p < px.length; p += 4, q += 3) {
        px[p] = buf[q]; px[p + 1] = buf[q + 1]; px[p + 2] = buf[q + 2]; px[p + 3] = 255;
      }
      ctx.putImageData(this.image, 0, 0);
      this.drawn = performance.now();
      if (this.o.onDrawn) this.o.onDrawn(this);
    }

    showMessage(text) {
      this.message.textContent = text || "";
      this.message.hidden = !text;
    }

    /* The index of points by grid cell over the extent (built on first use). */
    index() {
      if (this.grid) return this.grid;
      const [x0, x1, y0, y1] = this.o.extent, n = this.n;
      const fx = GRID / Math.max(x1 - x0, 1e-9), fy = GRID / Math.max(y1 - y0, 1e-9);
      const cell = new Uint32Array(n), start = new Uint32Array(GRID * GRID + 1);
      for (let i = 0; i < n; i++) {
        const cx = Math.min(GRID - 1, Math.max(0, Math.floor((this.x[i] - x0) * fx)));
        const cy = Math.min(GRID - 1, Math.max(0, Math.floor((this.y[i] - y0) * fy)));
        cell[i] = cy * GRID + cx;
        start[cell[i] + 1]++;
      }
      for (let c = 0; c < GRID * GRID; c++) start[c + 1] += start[c];
      const order = new Uint32Array(n), fill = start.slice(0, GRID * GRID);
      for (let i = 0; i < n; i++) order[fill[cell[i]]++] = i;
      this.grid = { x0, y0, fx, fy, start, order };
      return this.grid;
    }

    /* The drawn point nearest a CSS pixel of the frame, within PICK_PX; of the highest
     * priority first (test windows over shadows); -1: none. */
    nearest(px, py) {
      if (!this.n || !this.priority) return -1;
      const g = this.index(), X = this.dataX(px), Y = this.dataY(py);
      const rx = (PICK_PX / this.width) * (this.view.x1 - this.view.x0), ry = (PICK_PX / this.height) * (this.view.y1 - this.view.y0);
      const cx0 = Math.max(0, Math.floor((X - rx - g.x0) * g.fx)), cx1 = Math.min(GRID - 1, Math.floor((X + rx - g.x0) * g.fx));
      const cy0 = Math.max(0, Math.floor((Y - ry - g.y0) * g.fy)), cy1 = Math.min(GRID - 1, Math.floor((Y + ry - g.y0) * g.fy));
      let best = -1, bestP = 0, bestD = 1;
      for (let cy = cy0; cy <= cy1; cy++) {
        for (let cx = cx0; cx <= cx1; cx++) {
          const c = cy * GRID + cx;
          for (let k = g.start[c]; k < g.start[c + 1]; k++) {
            const i = g.order[k], p = this.priority[i];
            if (!p || p < bestP) continue;
            const u = (this.x[i] - X) / rx, v = (this.y[i] - Y) / ry, d = u * u + v * v;
            if (d <= 1 && (p > bestP || d < bestD)) { best = i; bestP = p; bestD = d; }
          }
        }
      }
      return best;
    }

    /* Drawn points inside a polygon of CSS pixels (a box has four corners). */
    inside(polygon) {
      const poly = polygon.map(([px, py]) => [this.dataX(px), this.dataY(py)]);
      const xs = poly.map((p) => p[0]), ys = poly.map((p) => p[1]);
      const bx0 = Math.min(...xs), bx1 = Math.max(...xs), by0 = Math.min(...ys), by1 = Math.max(...ys);
      const box = poly.length === 4 && poly[0][0] === poly[3][0] && poly[0][1] === poly[1][1];
      const hits = [];
      for (let i = 0; i < this.n; i++) {
        if (!this.priority || !this.priority[i]) continue;
        const x = this.x[i], y = this.y[i];
        if (x < bx0 || x > bx1 || y < by0 || y > by1) continue;
        if (box || pointInPolygon(x, y, poly)) hits.push(i);
      }
      return Uint32Array.from(hits);
    }

    /* Where data coordinates (x, y) lie on the page (client px). */
    clientXY(x, y) {
      const rect = this.canvas.getBoundingClientRect();
      return { x: rect.left + ((x - this.view.x0) / (this.view.x1 - this.view.x0)) * this.width,
               y: rect.top + ((this.view.y1 - y) / (this.view.y1 - this.view.y0)) * this.height };
    }

    /* Where point i lies on the page (client px), or null outside the view. */
    clientPoint(i) {
      const p = this.clientXY(this.x[i], this.y[i]), rect = this.canvas.getBoundingClientRect();
      if (p.x < rect.left || p.y < rect.top || p.x > rect.left + this.width || p.y > rect.top + this.height) return null;
      return p;
    }

    zoom(px, py, factor) {
      const X = this.dataX(px), Y = this.dataY(py), v = this.view;
      this.view = { x0: X + (v.x0 - X) * factor, x1: X + (v.x1 - X) * factor, y0: Y + (v.y0 - Y) * factor, y1: Y + (v.y1 - Y) * factor };
      this.draw();
      if (this.o.onView) this.o.onView(this.view);
    }

    listen() {
      const el = this.overlay;
      const local = (e) => { const r = el.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
      el.addEventListener("wheel", (e) => {
        e.preventDefault();
        const [px, py] = local(e);
        this.zoom(px, py, Math.exp(Math.sign(e.deltaY) * Math.min(Math.abs(e.deltaY), 200) / 500));
      }, { passive: false });
      el.addEventListener("dblclick", (e) => { e.preventDefault(); this.reset(); });
      el.addEventListener("pointerdown", (e) => {
        if (e.button !== 0 && e.button !== 1) return;
        el.setPointerCapture(e.pointerId);
        const tool = e.button === 1 ? "pan" : this.o.tool();
        this.drag = { tool, start: local(e), path: [local(e)], view: Object.assign({}, this.view), moved: false,
                      mode: e.shiftKey ? "add" : e.altKey ? "remove" : "new" };
      });
      el.addEventListener("pointermove", (e) => {
        const p = local(e), d = this.drag;
        if (!d) {
          if (this.o.onHover) this.o.onHover(this.nearest(...p), e.clientX, e.clientY);
          return;
        }
        if (!d.moved && Math.hypot(p[0] - d.start[0], p[1] - d.start[1]) < CLICK_PX) return;
        d.moved = true;
        if (this.o.onHover) this.o.onHover(-1);
        if (d.tool === "pan") {
          const ux = (d.view.x1 - d.view.x0) / this.width, uy = (d.view.y1 - d.view.y0) / this.height;
          const ddx = (p[0] - d.start[0]) * ux, ddy = (p[1] - d.start[1]) * uy;
          this.setView({ x0: d.view.x0 - ddx, x1: d.view.x1 - ddx, y0: d.view.y0 + ddy, y1: d.view.y1 + ddy });
        } else {
          d.path.push(p);
          this.outline(d);
        }
      });
      const end = (e, cancelled) => {
        const d = this.drag;
        if (!d) return;
        this.drag = null;
        this.outline(null);
        if (cancelled) return;
        if (!d.moved) {
          const i = this.nearest(...local(e));
          if (this.o.onClick) this.o.onClick(i, e);
        } else if (d.tool === "pan") {
          if (this.o.onView) this.o.onView(this.view);
        } else if (this.o.onSelect) {
          this.o.onSelect(this.inside(this.polygon(d)), d.mode);
        }
      };
      el.addEventListener("pointerup", (e) => end(e, false));
      el.addEventListener("pointercancel", (e) => end(e, true));
      el.addEventListener("pointerleave", () => { if (!this.drag && this.o.onHover) this.o.onHover(-1); });
    }

    /* The selection's polygon (CSS px): the dragged box's corners, or the lasso's path. */
    polygon(d) {
      if (d.tool === "lasso") return d.path;
      const [ax, ay] = d.start, [bx, by] = d.path[d.path.length - 1];
      return [[ax, ay], [bx, ay], [bx, by], [ax, by]];
    }

    outline(d) {
      const ctx = this.overlay.getContext("2d");
      ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      ctx.clearRect(0, 0, this.width, this.height);
      if (!d || d.path.length < 2) return;
      const poly = this.polygon(d);
      ctx.beginPath();
      poly.forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.closePath();
      ctx.globalAlpha = 0.08;
      ctx.fillStyle = this.o.dragColour;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = this.o.dragColour;
      ctx.stroke();
    }
  }

  function pointInPolygon(x, y, poly) {
    let inside = false;
    for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
      const [xi, yi] = poly[i], [xj, yj] = poly[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  window.AudioUmapsScatter = Scatter;
})();
