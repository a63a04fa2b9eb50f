/* audio-umaps explorer: the player. It plays a window's span of its clip and shows what is
 * heard: the clip's waveform, the window's span on it, the margins played around it, and a
 * cursor that moves with the sound.
 *
 * Served over http(s), a clip is fetched whole and decoded in the browser (Web Audio's
 * decodeAudioData): the waveform is the decoded samples, the duration is the decoded length
 * (with or without HTTP Range support) and playback is scheduled on the audio clock, so it
 * ends at the announced end. Opened from disk (file://), a browser lets a page play a clip but
 * not read its bytes: the clip plays in an <audio> element, stopped by a timer, without a
 * waveform (the player says so).
 */
(function () {
  "use strict";

  const CACHE = 16;  // decoded clips kept

  class Player {
    /* els: {canvas, time}; colours: the page's (wave, wave_outside, span, span_edge, margin,
     * cursor, text). onEnd(): playback ended. */
    constructor(els, colours, onEnd) {
      this.els = els;
      this.colours = colours;
      this.onEnd = onEnd;
      this.decoded = new Map();
      this.element = new Audio();
      this.element.preload = "none";
      this.now = null;
      this.canFetch = location.protocol === "http:" || location.protocol === "https:";
    }

    context() {
      if (!this.ctx) this.ctx = new (window.AudioContext || window.webkitAudioContext)();
      if (this.ctx.state === "suspended") this.ctx.resume();
      return this.ctx;
    }

    load(url) {
      let p = this.decoded.get(url);
      if (!p) {
        p = fetch(url)
          .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.arrayBuffer(); })
          .then((bytes) => this.context().decodeAudioData(bytes));
        this.decoded.set(url, p);
        p.catch(() => this.decoded.delete(url));
        if (this.decoded.size > CACHE) this.decoded.delete(this.decoded.keys().next().value);
      }
      return p;
    }

    /* Play [from, to] (s of the clip) of the clip at ``url``; ``span``: the window's own
     * [start, end] in the clip's time, marked on the waveform. Resolves with what was
     * scheduled: {from, to, duration, mode}. */
    async play(url, from, to, span) {
      this.stop();
      const token = (this.token = {});
      if (this.canFetch) {
        const ctx = this.context();
        const buffer = await this.load(url);
        if (token !== this.token) return null;
        to = Math.min(to, buffer.duration);
        const source = ctx.createBufferSource();
        source.buffer = buffer;
        source.connect(ctx.destination);
        const started = ctx.currentTime + 0.02;
        source.start(started, from, to - from);
        this.now = { mode: "webaudio", url, from, to, span, duration: buffer.duration, buffer, source, started, ended: null };
        source.onended = () => {
          if (this.now && this.now.source === source) {
            this.now.ended = ctx.currentTime;
            this.record();
            this.stopCursor();
            if (this.onEnd) this.onEnd();
          }
        };
      } else {
        const el = this.element;
        el.src = url;
        this.now = { mode: "element", url, from, to, span, duration: NaN, started: null, ended: null };
        await new Promise((resolve, reject) => {
          el.onloadedmetadata = resolve;
          el.onerror = () => reject(new Error("the clip did not load"));
          el.load();
        });
        if (token !== this.token) return null;
        this.now.duration = Number.isFinite(el.duration) ? el.duration : NaN;
        el.currentTime = from;
        await el.play();
        this.now.started = performance.now() / 1000;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          el.pause();
          this.now.ended = performance.now() / 1000;
          this.record();
          this.stopCursor();
          if (this.onEnd) this.onEnd();
        }, ((to - el.currentTime) * 1000) / el.playbackRate);
      }
      this.record();
      this.startCursor();
      return { from, to, duration: this.now.duration, mode: this.now.mode };
    }

    /* What tests and the benchmark read: window.AudioUmapsPlayback. */
    record() {
      const n = this.now;
      window.AudioUmapsPlayback = n && { mode: n.mode, url: n.url, from: n.from, to: n.to, duration: n.duration,
                                         started: n.started, ended: n.ended };
    }

    stop() {
      this.token = null;
      clearTimeout(this.timer);
      if (this.now && this.now.source) { this.now.source.onended = null; try { this.now.source.stop(); } catch (e) { /* not started */ } }
      if (!this.element.paused) this.element.pause();
      this.stopCursor();
      this.now = null;
    }

    playing() { return !!this.now && this.now.ended === null; }

    /* Seconds of the clip at the cursor. */
    position() {
      const n = this.now;
      if (!n) return NaN;
      if (n.mode === "webaudio") return Math.min(n.to, n.from + Math.max(0, this.ctx.currentTime - n.started));
      return this.element.currentTime;
    }

    startCursor() {
      this.stopCursor();
      const step = () => { this.paint(); if (this.playing()) this.frame = requestAnimationFrame(step); };
      step();
    }

    stopCursor() {
      cancelAnimationFrame(this.frame);
      this.paint();
    }

    /* The waveform (min and max per pixel column), the played span, the window and the cursor. */
    paint() {
      const c = this.els.canvas, ctx = c.getContext("2d"), n = this.now, C = this.colours;
      const dpr = window.devicePixelRatio || 1, W = c.clientWidth || 600, H = c.clientHeight || 64;
      if (c.width !== Math.round(W * dpr)) { c.width = Math.round(W * dpr); c.height = Math.round(H * dpr); }
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, W, H);
      if (!n) { this.els.time.textContent = ""; return; }
      const dur = Number.isFinite(n.duration) ? n.duration : Math.max(n.to, 1);
      const X = (t) => (t / dur) * W;
      const a = X(Math.max(0, n.span[0])), b = Math.max(a + 1, X(n.span[1]));
      ctx.fillStyle = C.margin;  // what is played: the window and its margins
      ctx.fillRect(X(n.from), 0, X(n.to) - X(n.from), H);
      if (n.buffer) {
        const peaks = this.peaks(n.buffer, Math.round(W));
        for (let x = 0; x < peaks.length / 2; x++) {
          const lo = peaks[2 * x], hi = peaks[2 * x + 1];
          ctx.fillStyle = x >= X(n.from) && x <= X(n.to) ? C.wave : C.wave_outside;
          ctx.fillRect(x, H / 2 - (hi * H) / 2, 1, Math.max(1, ((hi - lo) * H) / 2));
        }
      } else {
        ctx.fillStyle = C.text;
        ctx.font = "12px sans-serif";
        ctx.fillText("waveform: serve the folder over http (python -m http.server)", 6, H / 2 + 4);
      }
      ctx.globalAlpha = 0.45;  // the window's own span, over the waveform
      ctx.fillStyle = C.span;
      ctx.fillRect(a, 0, b - a, H);
      ctx.globalAlpha = 1;
      ctx.strokeStyle = C.span_edge;
      ctx.strokeRect(a + 0.5, 0.5, b - a - 1, H - 1);
      const t = this.position();
      if (Number.isFinite(t)) {
        ctx.fillStyle = C.cursor;
        ctx.fillRect(X(t) - 0.5, 0, 1.5, H);
      }
      this.els.time.textContent = `${(Number.isFinite(t) ? t : n.from).toFixed(2)} / ${Number.isFinite(n.duration) ? n.duration.toFixed(2) : "?"} s`;
    }

    peaks(buffer, width) {
      if (buffer.peaks && buffer.peaks.length === 2 * width) return buffer.peaks;
      const data = buffer.getChannelData(0), per = data.length / width, out = new Float32Array(2 * width);
      let top = 1e-9;
      for (let x = 0; x < width; x++) {
        let lo = 0, hi = 0;
        for (let i = Math.floor(x * per), e = Math.min(data.length, Math.floor((x + 1) * per)); i < e; i++) {
          const v = data[i];
          if (v < lo) lo = v; else if (v > hi) hi = v;
        }
        out[2 * x] = lo; out[2 * x + 1] = hi;
        top = Math.max(top, -lo, hi);
      }
      for (let k = 0; k < out.length; k++) out[k] /= top;
      buffer.peaks = out;
      return out;
    }
  }

  window.AudioUmapsPlayer = Player;
})();
