// The signal-flow diagram in SVG, built once per topology from computeLayout() and then only
// touched where something changed (the state class of a tap and its wires, a chain gain). Meters
// and the tap numbers are not drawn here: MeterCanvas paints them on a canvas over the same
// coordinates (a changed SVG text is a layout of the page). Each tap group carries its number as
// data-reading for tests and tools.

import { formatDb, formatGainDb, STATE_NAMES, stageName } from './format.js';
import { setText } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

/** Hover titles quoting live figures are rewritten at most this often (nobody reads them faster). */
const TITLE_REFRESH_MS = 1000;

/**
 * @param {string} name @param {Record<string, string|number>} [attributes] @param {Element} [parent]
 * @returns {SVGElement}
 */
function svg(name, attributes = {}, parent) {
  const element = /** @type {SVGElement} */ (document.createElementNS(SVG, name));
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
  if (parent) parent.appendChild(element);
  return element;
}

/** Shortens an insert name to fit its chip ("1176-style compressor" -> "1176-sty…"). @param {string} name @param {number} chars */
function shorten(name, chars) {
  return name.length <= chars ? name : `${name.slice(0, Math.max(1, chars - 1))}\u2026`;
}

export class Diagram {
  /**
   * @param {SVGSVGElement} root
   * @param {import('./layout.js').Topology} topology
   * @param {import('./layout.js').DiagramLayout} layout
   */
  constructor(root, topology, layout) {
    this.root = root;
    this.topology = topology;
    this.layout = layout;
    root.replaceChildren();
    root.setAttribute('role', 'img');
    root.setAttribute('aria-label', 'Signal-flow diagram');
    this.world = /** @type {SVGGElement} */ (svg('g', { class: 'world' }, root));
    /** @type {Map<number, SVGElement>} tap box per tap */
    this.tapBoxes = new Map();
    /** @type {Map<number, SVGElement[]>} wires coloured by a tap */
    this.wiresByTap = new Map();
    /** @type {Map<string, SVGElement>} chain gain text per node */
    this.chainTexts = new Map();
    /** @type {Map<string, SVGGElement>} advisory badge per node */
    this.badges = new Map();
    /** @type {Map<string, SVGGElement>} node groups */
    this.nodeGroups = new Map();
    /**
     * @type {Map<string, {bar: {x: number, y: number, w: number, h: number}, group: SVGGElement, title: SVGElement,
     *   titledMs: number, segments: Array<{rect: SVGElement, title: SVGElement, x: string, w: string, text: string}>}>}
     */
    this.shareBars = new Map();
    /** @type {Map<number, string>} last state class per tap */
    this.tapState = new Map();
    /** @type {Map<number, string>} last reading text per tap */
    this.readingText = new Map();
    this.build();
  }

  build() {
    const { layout, topology, world } = this;
    const f = layout.fontSize;
    const titles = svg('g', { class: 'column-titles' }, world);
    for (const c of layout.columnTitles) {
      const t = svg('text', { x: c.x, y: c.y ?? f * 1.4, 'text-anchor': c.anchor ?? 'middle', 'font-size': f * 0.9 }, titles);
      t.textContent = c.label;
    }
    const wires = svg('g', { class: 'wires' }, world);
    for (const w of layout.wires) {
      const d = w.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`).join(' ');
      const path = svg('path', { d, class: 'wire state-nodata', 'stroke-width': Math.max(2, layout.rowHeight * 0.09) }, wires);
      const key = w.tap ?? -1;
      if (!this.wiresByTap.has(key)) this.wiresByTap.set(key, []);
      /** @type {SVGElement[]} */ (this.wiresByTap.get(key)).push(path);
    }
    const nodesGroup = svg('g', { class: 'nodes' }, world);
    for (const n of layout.nodes) {
      const node = topology.nodes.find((x) => x.id === n.id);
      const g = /** @type {SVGGElement} */ (svg('g', { class: `node kind-${n.kind}`, 'data-node': n.id }, nodesGroup));
      this.nodeGroups.set(n.id, g);
      if (n.kind !== 'channel') {
        svg('rect', { class: 'bus-frame', x: n.x, y: n.y, width: n.w, height: n.h, rx: f * 0.4 }, g);
      }
      const labelY = n.labelY;
      const label = svg('text', { class: 'node-label', x: n.x + 4, y: labelY + f, 'font-size': f }, g);
      label.textContent = shorten(n.label, layout.vertical ? 15 : 18);
      const title = svg('title', {}, g);
      title.textContent = `${n.label} (${n.kind}${node && node.channels > 1 ? `, ${node.layout.join(' ')}` : ''})`;
      const isVirtualBus = topology.buses.some((b) => b.node === n.id && b.measured_tap === null && b.summed_tap !== null);
      if (isVirtualBus) {
        g.classList.add('virtual');
        const v = svg('text', { class: 'virtual-label', x: n.x + 4, y: labelY + f * 2.05, 'font-size': f * 0.7 }, g);
        v.textContent = '\u03a3 virtual';
      }
    }
    const inserts = svg('g', { class: 'inserts' }, world);
    for (const ins of layout.inserts) {
      const g = svg('g', { class: `insert kind-${ins.kind}` }, inserts);
      svg('rect', { x: ins.x, y: ins.y, width: ins.w, height: ins.h, rx: 3 }, g);
      const t = svg('text', { x: ins.x + ins.w / 2, y: ins.y + ins.h / 2 + f * 0.28, 'text-anchor': 'middle', 'font-size': f * 0.7 }, g);
      t.textContent = shorten(ins.name, Math.max(2, Math.floor(ins.w / (f * 0.42))));
      svg('title', {}, g).textContent = `${ins.name} (${ins.kind})`;
    }
    for (const c of layout.chainLabels) {
      const t = svg('text', { class: 'chain-gain', x: c.x, y: c.y, 'text-anchor': 'middle', 'font-size': f * 0.8, 'data-chain': c.node }, world);
      t.textContent = '';
      this.chainTexts.set(c.node, t);
    }
    const tapsGroup = svg('g', { class: 'taps' }, world);
    for (const t of layout.taps) {
      const tap = topology.taps[t.tap];
      const g = svg('g', { class: `tap state-nodata${t.virtual ? ' virtual' : ''}`, 'data-tap': t.tap, 'data-node': t.node, 'data-stage': t.stage }, tapsGroup);
      const small = t.h < layout.rowHeight * 0.6;
      svg('rect', { class: 'tap-frame', x: t.x, y: t.y, width: t.w, height: t.h, rx: 2 }, g);
      if (!small) g.dataset.reading = '\u2014';
      g.dataset.name = `${this.nodeLabel(t.node)} ${stageName(t.stage)}`;
      svg('title', {}, g).textContent = `${g.dataset.name}${tap?.virtual ? ' (computed sum)' : ''}`;
      this.tapBoxes.set(t.tap, g);
    }
    for (const s of layout.shareBars) {
      const g = /** @type {SVGGElement} */ (svg('g', { class: 'shares', 'data-bus': s.node }, world));
      svg('rect', { class: 'share-track', x: s.x, y: s.y, width: s.w, height: s.h }, g);
      this.shareBars.set(s.node, { bar: s, group: g, title: svg('title', {}, g), titledMs: -Infinity, segments: [] });
    }
    for (const b of layout.badges) {
      const g = /** @type {SVGGElement} */ (svg('g', { class: 'badge', 'data-badge': b.node, visibility: 'hidden' }, world));
      const r = f * 0.62;
      svg('circle', { cx: b.x, cy: b.y, r }, g);
      const t = svg('text', { x: b.x, y: b.y + f * 0.3, 'text-anchor': 'middle', 'font-size': f * 0.8 }, g);
      t.textContent = '!';
      svg('title', {}, g);
      this.badges.set(b.node, g);
    }
  }

  /** @param {string} id */
  nodeLabel(id) {
    return this.topology.nodes.find((n) => n.id === id)?.label ?? id;
  }

  /** @param {{scale: number, x: number, y: number}} view */
  setView(view) {
    this.world.setAttribute('transform', `translate(${view.x.toFixed(2)} ${view.y.toFixed(2)}) scale(${view.scale.toFixed(5)})`);
  }

  /**
   * A tap's number (the server's latest reading) and its state against the target. Runs for every
   * tap at the readings rate, so it touches the DOM (and builds the spoken text) only on change.
   * @param {number} tap @param {string} text @param {import('./format.js').LevelState} state
   * @param {boolean} latched the clip latch (drawn on the meter canvas; kept here for tests and tools)
   */
  setTap(tap, text, state, latched) {
    const box = this.tapBoxes.get(tap);
    const clip = latched ? 'latched' : 'off';
    const clipChanged = box !== undefined && box.dataset.clip !== clip;
    if (clipChanged) box.dataset.clip = clip;
    const stateChanged = this.tapState.get(tap) !== state;
    if (!clipChanged && !stateChanged && this.readingText.get(tap) === text) return;
    this.readingText.set(tap, text);
    this.tapState.set(tap, state);
    if (box) {
      if (box.dataset.reading !== undefined) box.dataset.reading = text;
      box.setAttribute('aria-label', `${box.dataset.name}: ${text} dBFS, ${STATE_NAMES[state]}${latched ? ', clipped' : ''}`);
    }
    if (!stateChanged) return;
    const cls = `state-${state}`;
    if (box) {
      box.classList.remove(...[...box.classList].filter((c) => c.startsWith('state-')));
      box.classList.add(cls);
      box.setAttribute('data-state', STATE_NAMES[state]);
    }
    for (const w of this.wiresByTap.get(tap) ?? []) w.setAttribute('class', `wire ${cls}`);
  }

  /** @param {string} node @param {number|null} gainDb @param {number|null} maxDb */
  setChainGain(node, gainDb, maxDb) {
    const t = this.chainTexts.get(node);
    if (!t) return;
    const text = gainDb === null ? '' : `${formatGainDb(gainDb)} dB`;
    setText(t, text);
    const hot = gainDb !== null && maxDb !== null && Math.abs(gainDb) > maxDb;
    t.classList.toggle('hot', hot);
  }

  /**
   * Members' shares of a bus's energy as a stacked strip, and the summed level on the strip's title.
   * Runs at the stats rate: the segments are made once per member and then only moved, in whole
   * per cent of the strip (finer is below a pixel on any screen), never rebuilt; the hover titles
   * are rewritten at most once a second.
   * @param {string} bus @param {Array<{node: string, share: number|null, level_dbfs: number|null}>} members @param {number|null} summedDbfs
   */
  setBusShares(bus, members, summedDbfs) {
    const entry = this.shareBars.get(bus);
    if (!entry) return;
    const { bar, group, segments } = entry;
    const now = performance.now();
    const titles = now - entry.titledMs >= TITLE_REFRESH_MS;
    if (titles) entry.titledMs = now;
    let percent = 0;
    members.forEach((m, i) => {
      let seg = segments[i];
      if (!seg) {
        const rect = svg('rect', { class: `share share-${i % 8}`, x: bar.x, y: bar.y, width: 0, height: bar.h }, group);
        seg = { rect, title: svg('title', {}, rect), x: '', w: '', text: '' };
        segments.push(seg);
      }
      const share = Math.max(0, Math.min(100 - percent, Math.round((m.share ?? 0) * 100)));
      const xs = (bar.x + (percent / 100) * bar.w).toFixed(1);
      const ws = ((share / 100) * bar.w).toFixed(1);
      percent += share;
      if (seg.x !== xs) seg.rect.setAttribute('x', (seg.x = xs));
      if (seg.w !== ws) seg.rect.setAttribute('width', (seg.w = ws));
      if (!titles) return;
      const text = `${this.nodeLabel(m.node)}: ${share} % of the bus, ${formatDb(m.level_dbfs)} dBFS`;
      if (seg.text !== text) seg.title.textContent = (seg.text = text);
    });
    for (let i = members.length; i < segments.length; i++) {
      if (segments[i].w !== '0.0') segments[i].rect.setAttribute('width', (segments[i].w = '0.0'));
    }
    const title = `${this.nodeLabel(bus)}: summed ${formatDb(summedDbfs)} dBFS`;
    if (titles) setText(entry.title, title);
  }

  /** @param {Map<string, {count: number, severity: string, text: string}>} byNode */
  setBadges(byNode) {
    for (const [node, g] of this.badges) {
      const a = byNode.get(node);
      // Only what changed: this runs at the stats rate for every node.
      const visibility = a ? 'visible' : 'hidden';
      const cls = `badge${a ? ` severity-${a.severity}` : ''}`;
      if (g.getAttribute('visibility') !== visibility) g.setAttribute('visibility', visibility);
      if (g.getAttribute('class') !== cls) g.setAttribute('class', cls);
      const title = g.querySelector('title');
      const text = a ? a.text : '';
      if (title) setText(title, text);
    }
  }

  /** @param {string|null} node */
  select(node) {
    for (const [id, g] of this.nodeGroups) g.classList.toggle('selected', id === node);
  }

  /** @param {boolean} stale greys everything out: the numbers are not live */
  setStale(stale) {
    this.root.classList.toggle('stale', stale);
  }
}
