// The master panel: momentary, short-term and integrated loudness, LRA, true peak, PLR and
// headroom of the master's delivered signal, and a plot of short-term loudness over the last
// minutes with the session's delivery targets drawn. Fed by `stats` (5-10 Hz); the plot is
// repainted at most twice a second.

import { formatDb } from './format.js';
import { setText } from './dom.js';

/** Minutes of short-term loudness the plot keeps. */
export const HISTORY_SECONDS = 300;
const PLOT_FLOOR_LUFS = -40;
const PLOT_TOP_LUFS = 0;

/**
 * @typedef {Object} MasterReadings
 * @property {number|null} momentary
 * @property {number|null} shortTerm
 * @property {number|null} integrated
 * @property {number|null} lra
 * @property {number|null} truePeak max true peak since reset, dBTP
 * @property {number|null} plr
 * @property {number|null} headroom
 */

export class MasterPanel {
  /**
   * @param {HTMLElement} root element holding [data-reading=...] cells and a canvas.history
   */
  constructor(root) {
    this.root = root;
    /** @type {Map<string, HTMLElement>} */
    this.cells = new Map();
    for (const el of root.querySelectorAll('[data-reading]')) {
      this.cells.set(/** @type {string} */ (/** @type {HTMLElement} */ (el).dataset.reading), /** @type {HTMLElement} */ (el));
    }
    this.canvas = /** @type {HTMLCanvasElement|null} */ (root.querySelector('canvas.history'));
    /** @type {Array<{t: number, lufs: number|null}>} seconds of the server clock */
    this.history = [];
    /** @type {{integratedMin: number, integratedMax: number, streaming: Array<{service: string, integrated_lufs: number}>}|null} */
    this.targets = null;
    this.lastPlotMs = 0;
    this.tapLabel = '';
  }

  /** @param {any} masterTargets hello topology master node's `master_targets` */
  setTargets(masterTargets) {
    const d = masterTargets?.delivery;
    this.targets = d ? { integratedMin: d.integrated_min_lufs, integratedMax: d.integrated_max_lufs, streaming: masterTargets.streaming ?? [] } : null;
    this.history = [];
  }

  /**
   * @param {MasterReadings} r
   * @param {number} serverTimeUs
   */
  update(r, serverTimeUs) {
    this.set('momentary', formatDb(r.momentary));
    this.set('short-term', formatDb(r.shortTerm));
    this.set('integrated', formatDb(r.integrated));
    this.set('lra', formatDb(r.lra));
    this.set('true-peak', formatDb(r.truePeak));
    this.set('plr', formatDb(r.plr));
    this.set('headroom', formatDb(r.headroom));
    const hot = r.truePeak !== null && r.truePeak > -1;
    this.cells.get('true-peak')?.classList.toggle('hot', hot);
    const t = serverTimeUs / 1e6;
    const last = this.history[this.history.length - 1];
    // One point per 0.5 s is plenty for a 5-minute plot.
    if (!last || t - last.t >= 0.5) this.history.push({ t, lufs: r.shortTerm });
    while (this.history.length > 0 && this.history[0].t < t - HISTORY_SECONDS) this.history.shift();
    const now = performance.now();
    if (now - this.lastPlotMs > 500) {
      this.lastPlotMs = now;
      this.plot();
    }
  }

  /** @param {string} key @param {string} text */
  set(key, text) {
    const el = this.cells.get(key);
    if (el) setText(el, text);
  }

  plot() {
    const canvas = this.canvas;
    if (!canvas) return;
    const rect = canvas.getBoundingClientRect();
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    const w = Math.max(1, Math.round(rect.width * dpr));
    const h = Math.max(1, Math.round(rect.height * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const style = getComputedStyle(canvas);
    const colour = (/** @type {string} */ name, /** @type {string} */ fallback) => style.getPropertyValue(name).trim() || fallback;
    ctx.clearRect(0, 0, w, h);
    const y = (/** @type {number} */ lufs) => h - ((Math.max(PLOT_FLOOR_LUFS, Math.min(PLOT_TOP_LUFS, lufs)) - PLOT_FLOOR_LUFS) / (PLOT_TOP_LUFS - PLOT_FLOOR_LUFS)) * h;
    const font = Math.round(11 * dpr);
    ctx.font = `${font}px sans-serif`;
    if (this.targets) {
      ctx.fillStyle = colour('--plot-band', 'rgba(80,200,120,0.18)');
      ctx.fillRect(0, y(this.targets.integratedMax), w, y(this.targets.integratedMin) - y(this.targets.integratedMax));
      ctx.fillStyle = colour('--plot-text', '#9ab');
      ctx.fillText(`delivery ${this.targets.integratedMin}\u2026${this.targets.integratedMax} LUFS`, 4, y(this.targets.integratedMax) - 3);
      ctx.strokeStyle = colour('--plot-line', '#678');
      ctx.setLineDash([4 * dpr, 4 * dpr]);
      const seen = new Set();
      for (const s of this.targets.streaming) {
        if (seen.has(s.integrated_lufs)) continue;
        seen.add(s.integrated_lufs);
        const names = this.targets.streaming.filter((x) => x.integrated_lufs === s.integrated_lufs).map((x) => x.service).join(', ');
        ctx.beginPath();
        ctx.moveTo(0, y(s.integrated_lufs));
        ctx.lineTo(w, y(s.integrated_lufs));
        ctx.stroke();
        ctx.fillText(`${s.integrated_lufs} ${names}`, w - ctx.measureText(`${s.integrated_lufs} ${names}`).width - 4, y(s.integrated_lufs) - 3);
      }
      ctx.setLineDash([]);
    }
    const points = this.history;
    if (points.length < 2) return;
    const tEnd = points[points.length - 1].t;
    const x = (/** @type {number} */ t) => w - ((tEnd - t) / HISTORY_SECONDS) * w;
    ctx.strokeStyle = colour('--plot-trace', '#e8f0ff');
    ctx.lineWidth = 2 * dpr;
    ctx.beginPath();
    let pen = false;
    for (const p of points) {
      if (p.lufs === null || !(p.lufs > PLOT_FLOOR_LUFS)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(x(p.t), y(p.lufs));
      else ctx.moveTo(x(p.t), y(p.lufs));
      pen = true;
    }
    ctx.stroke();
    ctx.fillStyle = colour('--plot-text', '#9ab');
    ctx.fillText(`short-term, last ${HISTORY_SECONDS / 60} min`, 4, h - 4);
  }
}
