// Meter bars on a canvas over the SVG diagram, drawn in requestAnimationFrame. Per meter channel:
// the peak bar (true peak, falling between frames), the RMS bar inside it, the server's peak-hold
// tick and the clip latch; per tap, its number (the server's reading). Only bars whose pixels
// changed and numbers whose text or colour changed are repainted (a still signal costs nothing);
// a view change, resize or stale toggle repaints everything.
//
// The numbers are here and not SVG text because every changed SVG text is a layout of the page:
// 264 of them at 5 Hz took a 64-channel wall 20-40 ms per update (docs/DASHBOARD.md, Benchmark).

import { METER_FLOOR_DB } from './meterStore.js';

const METER_TOP_DB = 6;

/** Fraction of the bar for a level in dB (METER_FLOOR_DB..+6 dB, linear in dB). @param {number} db */
export function meterFraction(db) {
  if (!(db > METER_FLOOR_DB)) return 0;
  if (db >= METER_TOP_DB) return 1;
  return (db - METER_FLOOR_DB) / (METER_TOP_DB - METER_FLOOR_DB);
}

/**
 * @typedef {Object} MeterColours
 * @property {string} background
 * @property {string} band   target average range
 * @property {string} scale  -18 and 0 dBFS marks
 * @property {string} peak
 * @property {string} peakHot
 * @property {string} rms
 * @property {string} hold
 * @property {string} clip
 * @property {string} clipOff
 * @property {string} noData
 * @property {string} text       a tap's number, in range or quiet
 * @property {string} textHot
 * @property {string} textClipping
 * @property {string} textMuted  no data or silence
 * @property {string} fontFamily
 */

export class MeterCanvas {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {import('./layout.js').Topology} topology
   * @param {import('./layout.js').DiagramLayout} layout
   * @param {import('./meterStore.js').MeterStore} store
   * @param {MeterColours} colours
   */
  constructor(canvas, topology, layout, store, colours) {
    this.canvas = canvas;
    const ctx = canvas.getContext('2d', { alpha: true });
    if (!ctx) throw new Error('no 2D canvas');
    this.ctx = ctx;
    this.store = store;
    this.colours = colours;
    this.view = { scale: 1, x: 0, y: 0 };
    this.dpr = 1;
    this.stale = false;
    // One bar per meter channel of every laid-out tap: its rectangle in layout units.
    /** @type {Array<{channel: number, x: number, y: number, w: number, h: number, band: [number, number]|null}>} */
    const bars = [];
    // One number per tap box tall enough for it, right of its bars: its rectangle and baseline.
    /** @type {Array<{tap: number, x: number, y: number, w: number, h: number, baseline: number, text: string, state: string}>} */
    const readings = [];
    for (const box of layout.taps) {
      const tap = topology.taps[box.tap];
      if (!tap) continue;
      const hasReading = box.h >= layout.rowHeight * 0.6;
      const barW = hasReading ? box.w - layout.fontSize * 3.3 : box.w - 4;
      if (hasReading) {
        const x = box.x + 3 + barW + 2;
        readings.push({ tap: box.tap, x, y: box.y + 2, w: box.x + box.w - 3 - x, h: box.h - 4,
          baseline: box.y + box.h / 2 + layout.fontSize * 0.36, text: '\u2014', state: 'nodata' });
      }
      const inner = box.h - 6;
      const each = inner / tap.channels;
      const t = tap.target;
      const band = t && typeof t.average_min_dbfs === 'number' && typeof t.average_max_dbfs === 'number'
        ? /** @type {[number, number]} */ ([t.average_min_dbfs, t.average_max_dbfs]) : null;
      for (let c = 0; c < tap.channels; c++) {
        bars.push({ channel: tap.first_channel + c, x: box.x + 3, y: box.y + 3 + c * each, w: barW, h: Math.max(1, each - (tap.channels > 1 ? 1 : 0)), band });
      }
    }
    this.bars = bars;
    /** Last painted state per bar: peak px, rms px, hold px, clip, no data. */
    this.painted = new Int32Array(bars.length * 5).fill(-2);
    this.readings = readings;
    /** @type {Map<number, number>} tap -> index in readings */
    this.readingIndex = new Map(readings.map((r, i) => [r.tap, i]));
    this.readingDirty = new Uint8Array(readings.length).fill(1);
    this.anyReadingDirty = true;
    this.readingFontSize = layout.fontSize * 1.05;
  }

  /**
   * A tap's number and the state that colours it; painted at the next draw() if it changed.
   * @param {number} tap @param {string} text @param {import('./format.js').LevelState} state
   */
  setReading(tap, text, state) {
    const i = this.readingIndex.get(tap);
    if (i === undefined) return;
    const r = this.readings[i];
    if (r.text === text && r.state === state) return;
    r.text = text;
    r.state = state;
    this.readingDirty[i] = 1;
    this.anyReadingDirty = true;
  }

  /** The numbers' type size in CSS pixels at the current zoom (the wall's legibility test). */
  readingFontCssPx() {
    return this.readingFontSize * this.view.scale;
  }

  /**
   * A number's rectangle in device pixels (for the tests' ink check).
   * @param {number} tap @returns {{x: number, y: number, w: number, h: number}|null}
   */
  readingRectPx(tap) {
    const i = this.readingIndex.get(tap);
    if (i === undefined) return null;
    return this.devicePixels(this.readings[i]);
  }

  /**
   * A rectangle in layout units to snapped device pixels at the current view (the numbers only:
   * drawBars does the same inline, without an object per bar per frame).
   * @param {{x: number, y: number, w: number, h: number}} r
   */
  devicePixels(r) {
    const s = this.view.scale * this.dpr;
    const x = Math.round(r.x * s + this.view.x * this.dpr);
    const y = Math.round(r.y * s + this.view.y * this.dpr);
    return { x, y, w: Math.round((r.x + r.w) * s + this.view.x * this.dpr) - x, h: Math.round((r.y + r.h) * s + this.view.y * this.dpr) - y };
  }

  /** Matches the canvas to its CSS size; returns true when it changed. */
  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    const w = Math.max(1, Math.round(rect.width * dpr));
    const h = Math.max(1, Math.round(rect.height * dpr));
    if (w === this.canvas.width && h === this.canvas.height && dpr === this.dpr) return false;
    this.canvas.width = w;
    this.canvas.height = h;
    this.dpr = dpr;
    this.invalidate();
    return true;
  }

  /** @param {{scale: number, x: number, y: number}} view */
  setView(view) {
    this.view = { ...view };
    this.invalidate();
  }

  /** @param {boolean} stale */
  setStale(stale) {
    if (stale === this.stale) return;
    this.stale = stale;
    this.invalidate();
  }

  invalidate() {
    this.painted.fill(-2);
    this.readingDirty.fill(1);
    this.anyReadingDirty = true;
    this.ctx.setTransform(1, 0, 0, 1, 0, 0);
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  /**
   * Paints the bars and numbers that changed. Call once per animation frame after store.tick().
   * @returns {number} bars repainted
   */
  draw() {
    if (this.anyReadingDirty) this.drawReadings();
    return this.drawBars();
  }

  drawReadings() {
    const { ctx, colours, readings, readingDirty } = this;
    const s = this.view.scale * this.dpr;
    ctx.font = `700 ${(this.readingFontSize * s).toFixed(2)}px ${colours.fontFamily}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'alphabetic';
    for (let i = 0; i < readings.length; i++) {
      if (!readingDirty[i]) continue;
      readingDirty[i] = 0;
      const r = readings[i];
      const { x, y, w, h } = this.devicePixels(r);
      if (x + w <= 0 || y + h <= 0 || x >= this.canvas.width || y >= this.canvas.height) continue;
      ctx.clearRect(x, y, w, h);
      ctx.fillStyle = r.state === 'hot' ? colours.textHot : r.state === 'clipping' ? colours.textClipping
        : r.state === 'nodata' || r.state === 'silent' ? colours.textMuted : colours.text;
      ctx.fillText(r.text, x + w, Math.round(r.baseline * s + this.view.y * this.dpr), w);
    }
    this.anyReadingDirty = false;
  }

  drawBars() {
    const { ctx, store, colours, bars, painted } = this;
    const s = this.view.scale * this.dpr;
    const ox = this.view.x * this.dpr;
    const oy = this.view.y * this.dpr;
    const cw = this.canvas.width;
    const ch = this.canvas.height;
    let repainted = 0;
    for (let i = 0; i < bars.length; i++) {
      const b = bars[i];
      // Device-pixel rectangle, snapped so neighbouring repaints never leave seams.
      const x0 = Math.round(b.x * s + ox);
      const y0 = Math.round(b.y * s + oy);
      const x1 = Math.round((b.x + b.w) * s + ox);
      const y1 = Math.round((b.y + b.h) * s + oy);
      if (x1 <= 0 || y1 <= 0 || x0 >= cw || y0 >= ch) continue;
      const w = x1 - x0;
      const h = Math.max(1, y1 - y0);
      const clipW = Math.max(2, Math.round(h * 0.8));
      const barW = Math.max(1, w - clipW - 1);
      const c = b.channel;
      const noData = Number.isNaN(store.rms[c]) && Number.isNaN(store.peak[c]) ? 1 : 0;
      const peakPx = noData ? 0 : Math.round(meterFraction(store.shownPeak[c]) * barW);
      const rmsPx = noData ? 0 : Math.round(meterFraction(store.shownRms[c]) * barW);
      const hold = store.hold[c];
      const holdPx = Number.isFinite(hold) && hold > METER_FLOOR_DB ? Math.round(meterFraction(hold) * barW) : -1;
      const clip = store.clipLatched[c];
      const k = i * 5;
      if (painted[k] === peakPx && painted[k + 1] === rmsPx && painted[k + 2] === holdPx && painted[k + 3] === clip && painted[k + 4] === noData) continue;
      painted[k] = peakPx;
      painted[k + 1] = rmsPx;
      painted[k + 2] = holdPx;
      painted[k + 3] = clip;
      painted[k + 4] = noData;
      repainted++;

      ctx.fillStyle = noData ? colours.noData : colours.background;
      ctx.fillRect(x0, y0, barW, h);
      if (b.band && !noData) {
        const a = Math.round(meterFraction(b.band[0]) * barW);
        const z = Math.round(meterFraction(b.band[1]) * barW);
        ctx.fillStyle = colours.band;
        ctx.fillRect(x0 + a, y0, Math.max(1, z - a), h);
      }
      if (peakPx > 0) {
        ctx.fillStyle = store.shownPeak[c] > -0.05 ? colours.peakHot : colours.peak;
        ctx.fillRect(x0, y0, peakPx, h);
      }
      if (rmsPx > 0) {
        const inset = h > 6 ? Math.round(h * 0.2) : 0;
        ctx.fillStyle = colours.rms;
        ctx.fillRect(x0, y0 + inset, rmsPx, h - 2 * inset);
      }
      // 0 VU (-18 dBFS) and full scale marks.
      ctx.fillStyle = colours.scale;
      ctx.fillRect(x0 + Math.round(meterFraction(-18) * barW), y0, 1, h);
      ctx.fillRect(x0 + Math.round(meterFraction(0) * barW), y0, 1, h);
      if (holdPx >= 0) {
        ctx.fillStyle = colours.hold;
        ctx.fillRect(x0 + Math.min(holdPx, barW - 2), y0, 2, h);
      }
      ctx.fillStyle = clip ? colours.clip : colours.clipOff;
      ctx.fillRect(x0 + barW + 1, y0, clipW, h);
    }
    return repainted;
  }
}
