// The dashboard's entry point: wires the connection to the diagram, the meters, the master panel,
// the advisories and the view. Everything the server says arrives here; the browser computes no
// level of its own (PROTOCOL.md §3.3), it only eases and decays between frames (meterStore.js).

import { AdvisoryList } from './advisories.js';
import { CommandError, Connection, webSocketUrl } from './connection.js';
import { renderDetail } from './detail.js';
import { Diagram } from './diagram.js';
import { classifyLevel, formatDb, stageName } from './format.js';
import { computeLayout } from './layout.js';
import { MasterPanel } from './masterPanel.js';
import { MeterStore } from './meterStore.js';
import { MeterCanvas } from './meters.js';
import { CLOSE_CODES } from './protocol.js';
import { computeVerticalLayout } from './verticalLayout.js';
import { desktopView } from './views/desktop.js';
import { fillFollowPicker, followedNodes, tabletView } from './views/tablet.js';
import { chooseRateHz, chooseViewName } from './views/view.js';
import { keepAwake, wallPages, wallView } from './views/wall.js';
import { Viewport } from './viewport.js';
import { takeToken, storeToken } from './token.js';
import { setText } from './dom.js';

/** No frame for this long while live (and not paused) means the data on screen is stale. */
const STALE_AFTER_MS = 1500;
/**
 * Numbers and wire colours are refreshed at this interval, not every animation frame: 5 Hz is as
 * fast as a changing number can be read (numeric level displays update at 2-5 Hz), and rewriting
 * hundreds of SVG texts at 10 Hz cost a 64-channel wall a large share of its frame budget. The bars
 * themselves move at the full frame rate.
 */
const READINGS_INTERVAL_MS = 200;

/** @param {string} selector @returns {HTMLElement} */
function $(selector) {
  const el = document.querySelector(selector);
  if (!el) throw new Error(`dashboard: ${selector} missing from index.html`);
  return /** @type {HTMLElement} */ (el);
}

export class Dashboard {
  /**
   * @param {import('./views/view.js').ViewConfig} view
   * @param {string|null} token
   * @param {URLSearchParams} params
   */
  constructor(view, token, params) {
    this.view = view;
    this.params = params;
    this.connection = new Connection(webSocketUrl(location), {
      onHello: (h) => this.onHello(h),
      onTopology: (t) => this.onTopology(t),
      onFrame: (f) => this.onFrame(f),
      onStats: (s) => this.onStats(s),
      onState: (state, detail) => this.onLinkState(state, detail),
      onNotice: (m) => this.onNotice(m),
    }, { token });
    this.connection.subscription.rateHz = view.rateHz;
    /** @type {Record<string, any>|null} */
    this.hello = null;
    /** @type {import('./layout.js').Topology|null} */
    this.topology = null;
    /** @type {MeterStore|null} */
    this.store = null;
    /** @type {Diagram|null} */
    this.diagram = null;
    /** @type {MeterCanvas|null} */
    this.meters = null;
    /** @type {import('./layout.js').DiagramLayout|null} */
    this.layout = null;
    // What is kept of the last `stats` message; the parsed message itself is let go as soon as it
    // is applied: holding its ~13,000 objects (64 channels) until the next one got them promoted
    // to V8's old generation, and the major collections that followed were the wall's longest frames.
    /** @type {Record<string, any>|null} the server's health block */
    this.health = null;
    this.advisoryCount = 0;
    /** @type {Record<string, any>|null} the selected node's entry, for the detail panel */
    this.selectedStats = null;
    /** @type {string|null} */
    this.selected = null;
    /** @type {string|null} */
    this.follow = params.get('follow');
    // The wall's pages (views/wall.js) when the session is too big for one readable screen;
    // ?pages=off shows everything at once, ?page_seconds=N sets how long each page stays.
    /** @type {{ids: string[], title: string}[]|null} */
    this.pages = null;
    this.pageIndex = 0;
    this.pageSeconds = Math.max(2, Number(params.get('page_seconds')) || 20);
    /** @type {ReturnType<typeof setInterval>|null} */
    this.pageTimer = null;
    this.linkState = 'connecting';
    this.linkDetail = { attempt: 0, retryInMs: 0, closeCode: /** @type {number|null} */ (null) };
    this.retryDeadline = 0;
    this.lastReadingsMs = 0;
    this.lastLiveRegionMs = 0;
    this.lastTickMs = 0;
    this.frameFlags = { xrun: false, stale: false, merged: false };
    this.viewport = new Viewport((v) => {
      this.diagram?.setView(v);
      this.meters?.setView(v);
    });
    this.masterPanel = new MasterPanel($('#master-panel'));
    this.advisories = new AdvisoryList($('#advisory-list'), $('#advisory-count'), (id) => this.labelOf(id), (node) => this.select(node));
    /** Animation-frame work, for the benchmark: main-thread ms of each frame's callback. */
    this.frameWorkMs = new Float32Array(4096);
    this.frameWorkCount = 0;
  }

  start() {
    document.body.classList.add(`view-${this.view.name}`);
    const stage = $('#stage');
    if (this.view.zoom) {
      this.viewport.bind(stage, () => this.fit());
      $('#zoom-in').addEventListener('click', () => this.viewport.zoomAt(1.25, this.viewport.width / 2, this.viewport.height / 2));
      $('#zoom-out').addEventListener('click', () => this.viewport.zoomAt(0.8, this.viewport.width / 2, this.viewport.height / 2));
      $('#zoom-fit').addEventListener('click', () => this.fit());
    }
    if (this.view.interactive) {
      $('#diagram').addEventListener('click', (e) => {
        const target = /** @type {Element} */ (e.target).closest('[data-node]');
        if (target) this.select(/** @type {string} */ (target.getAttribute('data-node')));
      });
    }
    const picker = /** @type {HTMLSelectElement} */ ($('#follow'));
    picker.addEventListener('change', () => this.setFollow(picker.value || null));
    $('#reset-peaks').addEventListener('click', () => this.runCommand('reset_peaks'));
    $('#reset-loudness').addEventListener('click', () => this.runCommand('reset_integrated_loudness'));
    const tokenForm = /** @type {HTMLFormElement} */ ($('#token-form'));
    tokenForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const input = /** @type {HTMLInputElement} */ ($('#token-input'));
      const token = input.value.trim() || null;
      input.value = '';
      storeToken(token);
      this.connection.setToken(token);
    });
    new ResizeObserver(() => this.fit()).observe(stage);
    document.addEventListener('visibilitychange', () => {
      // A hidden tab asks for nothing (PROTOCOL.md §5.1 paused) and draws nothing.
      this.connection.subscribe({ paused: document.visibilityState === 'hidden' });
    });
    if (this.view.name === 'wall') keepAwake((text) => { $('#wake-state').textContent = text; });
    this.connection.start();
    requestAnimationFrame((t) => this.animate(t));
    setInterval(() => this.updateStatus(), 250);
  }

  /** @param {Record<string, any>} hello */
  onHello(hello) {
    this.hello = hello;
    $('#room').textContent = hello.room || hello.server?.name || 'Headroom';
    $('#session').textContent = hello.session || '';
    document.title = `${hello.room || 'Headroom'} \u2014 Headroom`;
    const control = hello.role === 'control';
    document.body.classList.toggle('role-control', control);
    for (const b of document.querySelectorAll('.control-action')) /** @type {HTMLElement} */ (b).hidden = !control;
    $('#role').textContent = control ? 'control' : 'viewer';
    this.onTopology(hello.topology);
  }

  /** @param {import('./layout.js').Topology} topology */
  onTopology(topology) {
    this.topology = topology;
    this.store = new MeterStore(topology.num_meter_channels);
    if (this.follow && !topology.nodes.some((n) => n.id === this.follow)) this.follow = null;
    fillFollowPicker(/** @type {HTMLSelectElement} */ ($('#follow')), topology, this.follow);
    const master = topology.nodes.find((n) => n.kind === 'master');
    this.masterPanel.setTargets(master?.master_targets ?? null);
    this.setPages(this.view.name === 'wall' && this.params.get('pages') !== 'off' ? wallPages(topology) : null);
    this.rebuild();
  }

  /** @param {{ids: string[], title: string}[]|null} pages */
  setPages(pages) {
    this.pages = pages;
    this.pageIndex = 0;
    if (this.pageTimer !== null) clearInterval(this.pageTimer);
    this.pageTimer = null;
    if (pages) {
      this.pageTimer = setInterval(() => {
        this.pageIndex = (this.pageIndex + 1) % pages.length;
        this.rebuild();
      }, this.pageSeconds * 1000);
    }
  }

  /** Lays the diagram out again (a new topology, a new follow choice). */
  rebuild() {
    const topology = this.topology;
    if (!topology || !this.store) return;
    const page = this.pages ? this.pages[this.pageIndex] : null;
    const only = page ? page.ids : followedNodes(topology, this.follow);
    const pageLabel = $('#wall-page');
    pageLabel.hidden = !page;
    setText(pageLabel, page ? `page ${this.pageIndex + 1} of ${this.pages?.length} \u00b7 ${page.title}` : '');
    const rows = topology.nodes.filter((n) => n.kind === 'channel' && (!only || only.includes(n.id))).length;
    // The wall packs rows tighter as the session grows; the type grows relative to the row.
    const compact = this.view.compact && rows > 12;
    const options = { compact, rowHeight: 46, only: only ?? undefined };
    this.layout = this.portrait() ? computeVerticalLayout(topology, options) : computeLayout(topology, options);
    this.diagram = new Diagram(/** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('#diagram'))), topology, this.layout);
    this.meters = new MeterCanvas(/** @type {HTMLCanvasElement} */ ($('#meters')), topology, this.layout, this.store, meterColours());
    this.diagram.select(this.selected);
    this.connection.subscribe({ nodes: only ?? 'all', statsTaps: this.statsTapNodes() });
    $('#stage').dataset.taps = String(this.layout.taps.length);
    this.fit();
    // Chain gains, shares and badges come back with the next `stats` (within 100-200 ms).
  }

  /**
   * A tablet held upright gets the top-to-bottom layout: the same media query that stacks the
   * panel under the diagram (dashboard.css), so the narrow screen's height is what the diagram uses.
   */
  portrait() {
    return this.view.name === 'tablet' && matchMedia('(orientation: portrait)').matches;
  }

  fit() {
    if (!this.layout || !this.meters) return;
    if (Boolean(this.layout.vertical) !== this.portrait()) {
      this.rebuild(); // turned: lay out for the new orientation (rebuild fits)
      return;
    }
    const stage = $('#stage');
    this.meters.resize();
    this.viewport.fit(stage.clientWidth, stage.clientHeight, this.layout.width, this.layout.height);
  }

  /** @param {string|null} id */
  setFollow(id) {
    this.follow = id;
    const url = new URL(location.href);
    if (id) url.searchParams.set('follow', id);
    else url.searchParams.delete('follow');
    history.replaceState(null, '', url);
    if (id) this.select(id);
    this.rebuild();
  }

  /** @param {string|null} node */
  select(node) {
    if (!this.view.interactive) return;
    const changed = node !== this.selected;
    this.selected = node;
    this.diagram?.select(node);
    if (changed) this.connection.subscribe({ statsTaps: this.statsTapNodes() });
    this.renderDetail();
  }

  /**
   * The nodes whose per-tap statistics the page reads: the master (its panel) and the selected
   * node (the detail). Every other node's figures on screen come from the meter frames and from
   * its chain and bus entries, so asking for all taps would only parse ~150 KB more at 10 Hz on a
   * 64-channel session (docs/DASHBOARD.md, Benchmark).
   * @returns {string[]}
   */
  statsTapNodes() {
    const master = this.topology?.nodes.find((n) => n.kind === 'master')?.id;
    return [...new Set([master, this.selected].filter((id) => typeof id === 'string'))];
  }

  renderDetail() {
    if (!this.topology || !this.view.interactive) return;
    renderDetail($('#detail'), this.topology, this.selected, this.selectedStats?.id === this.selected ? this.selectedStats : null);
  }

  /** @param {import('./protocol.js').MeterFrame} frame */
  onFrame(frame) {
    if (!this.store) return;
    this.store.applyFrame(frame, performance.now());
    this.frameFlags = { xrun: frame.xrun, stale: frame.stale, merged: frame.merged };
  }

  /** @param {Record<string, any>} stats */
  onStats(stats) {
    this.health = stats.health ?? null;
    this.advisoryCount = stats.advisories?.length ?? 0;
    this.selectedStats = this.selected === null ? null : stats.nodes?.find((/** @type {any} */ n) => n.id === this.selected) ?? null;
    const topology = this.topology;
    const diagram = this.diagram;
    if (!topology || !diagram) return;
    setText($('#xruns'), String(stats.counters?.xruns ?? 0));
    for (const n of stats.nodes ?? []) {
      const node = topology.nodes.find((x) => x.id === n.id);
      if (!node) continue;
      if (n.chain) diagram.setChainGain(n.id, n.chain.gain_db ?? null, node.max_chain_gain_db);
      if (n.bus) diagram.setBusShares(n.id, n.bus.members ?? [], n.bus.predicted_dbfs ?? null);
      if (node.kind === 'master') this.updateMaster(node, n, stats.server_time_us);
    }
    diagram.setBadges(this.advisories.update(stats.advisories ?? []));
    this.renderDetail();
  }

  /**
   * The master panel reads the master's delivered signal: its output tap when it has loudness,
   * else its last tap that does (the mix bus before mastering, or the computed sum).
   * @param {import('./layout.js').TopologyNode} node @param {any} n @param {number} serverTimeUs
   */
  updateMaster(node, n, serverTimeUs) {
    /** @type {any[]} */
    const taps = n.taps ?? [];
    const ordered = [...node.taps].reverse().map((t) => taps.find((x) => x.tap === t)).filter(Boolean);
    const tap = ordered.find((t) => t.loudness && t.loudness.momentary_lufs !== null) ?? ordered[0];
    if (!tap) return;
    const l = tap.loudness ?? {};
    this.masterPanel.update({
      momentary: l.momentary_lufs ?? null,
      shortTerm: l.short_term_lufs ?? null,
      integrated: l.integrated_lufs ?? null,
      lra: l.loudness_range_lu ?? null,
      truePeak: tap.max_true_peak_dbtp ?? null,
      plr: l.plr_db ?? null,
      headroom: tap.headroom_db ?? null,
    }, serverTimeUs);
    const t = this.topology?.taps[tap.tap];
    setText($('#master-source'), t ? stageName(t.stage) + (t.virtual ? ' (computed sum)' : '') : '');
  }

  /** @param {Record<string, any>} message */
  onNotice(message) {
    if (message.type === 'rate') $('#rate').textContent = `${message.rate_hz} Hz${message.reason === 'slow_client' ? ' (slow link)' : ''}`;
  }

  /**
   * @param {import('./connection.js').LinkState} state
   * @param {{attempt: number, retryInMs: number, closeCode: number|null}} detail
   */
  onLinkState(state, detail) {
    this.linkState = state;
    this.linkDetail = detail;
    this.retryDeadline = performance.now() + detail.retryInMs;
    if (state !== 'live') {
      for (const b of document.querySelectorAll('.control-action')) /** @type {HTMLElement} */ (b).hidden = true;
    }
    this.updateStatus();
  }

  /** The connection pill: what is known about the data on screen, never more. */
  updateStatus() {
    const pill = $('#link');
    const now = performance.now();
    let state = this.linkState;
    let text = '';
    const health = this.health;
    const paused = document.visibilityState === 'hidden';
    if (state === 'connecting') text = 'connecting\u2026';
    else if (state === 'outdated') text = 'server updated: reload the page';
    else if (state === 'reconnecting') {
      const s = Math.max(0, (this.retryDeadline - now) / 1000);
      // The server is taking up an edited session (SIGHUP) and answers again in a moment.
      const why = this.linkDetail.closeCode === CLOSE_CODES.serviceRestart ? 'session reloading: ' : '';
      text = `${why}reconnecting (attempt ${this.linkDetail.attempt}, next in ${s.toFixed(1)} s)`;
    } else if (health && health.source_running === false) {
      state = 'offline';
      text = 'audio engine offline';
    } else if (!paused && (now - (this.store?.lastFrameMs ?? -Infinity) > STALE_AFTER_MS || health?.stalled || this.frameFlags.stale)) {
      state = 'stale';
      text = 'stale data: no new audio';
    } else {
      text = `live \u00b7 ${this.connection.subscription.rateHz} Hz`;
    }
    if (pill.dataset.state !== state) pill.dataset.state = state;
    setText(pill, text);
    const stale = state !== 'live';
    document.body.classList.toggle('stale', stale);
    this.diagram?.setStale(stale);
  }

  /** @param {'reset_peaks'|'reset_integrated_loudness'} name */
  runCommand(name) {
    const out = $('#command-result');
    out.textContent = `${name.replace(/_/g, ' ')}\u2026`;
    this.connection.command(name).then(
      () => {
        if (name === 'reset_peaks') this.store?.clearLatches();
        out.textContent = `${name.replace(/_/g, ' ')}: done`;
      },
      (/** @type {unknown} */ e) => {
        out.textContent = `${name.replace(/_/g, ' ')}: refused (${e instanceof CommandError ? e.code : String(e)})`;
      },
    );
  }

  /** @param {string} id */
  labelOf(id) {
    return this.topology?.nodes.find((n) => n.id === id)?.label ?? id;
  }

  /** @param {number} t rAF timestamp */
  animate(t) {
    requestAnimationFrame((next) => this.animate(next));
    if (document.visibilityState === 'hidden') return;
    const start = performance.now();
    const dt = this.lastTickMs ? Math.min(250, t - this.lastTickMs) : 16;
    this.lastTickMs = t;
    if (this.store && this.meters) {
      this.store.tick(dt);
      this.meters.draw();
      if (start - this.lastReadingsMs >= READINGS_INTERVAL_MS) {
        this.lastReadingsMs = start;
        this.updateReadings(start);
      }
    }
    this.frameWorkMs[this.frameWorkCount++ % this.frameWorkMs.length] = performance.now() - start;
  }

  /** Numbers and wire colours: the server's latest readings, at most 10 times a second. */
  updateReadings(/** @type {number} */ now) {
    const { store, diagram, layout, topology } = this;
    if (!store || !diagram || !layout || !topology) return;
    for (const box of layout.taps) {
      const tap = topology.taps[box.tap];
      const r = store.tapReading(tap.first_channel, tap.channels, now);
      const state = tap.connected || !Number.isNaN(r.rms) ? classifyLevel(tap.target, r.rms, r.peak, r.clipping || (r.latched && r.peak >= 0)) : 'nodata';
      const text = formatDb(r.rms);
      diagram.setTap(box.tap, text, state, r.latched);
      this.meters?.setReading(box.tap, text, state);
    }
    if (now - this.lastLiveRegionMs >= this.view.liveRegionMs) {
      this.lastLiveRegionMs = now;
      this.updateLiveRegion(now);
    }
  }

  /** A throttled spoken summary: the selected (or followed) node's taps, else the master. */
  updateLiveRegion(/** @type {number} */ now) {
    const { store, topology } = this;
    if (!store || !topology) return;
    const id = this.selected ?? this.follow ?? topology.nodes.find((n) => n.kind === 'master')?.id;
    const node = topology.nodes.find((n) => n.id === id);
    if (!node) return;
    const parts = node.taps.map((t) => {
      const tap = topology.taps[t];
      return `${stageName(tap.stage)} ${formatDb(store.tapReading(tap.first_channel, tap.channels, now).rms)}`;
    });
    const advisories = this.advisoryCount;
    const text = `${node.label}: ${parts.join(', ')} dBFS. ${advisories} ${advisories === 1 ? 'advisory' : 'advisories'}.`;
    const region = $('#sr-live');
    setText(region, text);
  }
}

/** Meter colours from the stylesheet's custom properties (one place for the palette). */
function meterColours() {
  const s = getComputedStyle(document.documentElement);
  const c = (/** @type {string} */ name) => s.getPropertyValue(name).trim();
  return {
    background: c('--meter-bg'), band: c('--meter-band'), scale: c('--meter-scale'), peak: c('--meter-peak'),
    peakHot: c('--meter-peak-hot'), rms: c('--meter-rms'), hold: c('--meter-hold'), clip: c('--meter-clip'),
    clipOff: c('--meter-clip-off'), noData: c('--meter-nodata'),
    text: c('--text'), textHot: c('--hot'), textClipping: c('--clipping'), textMuted: c('--muted'),
    fontFamily: s.fontFamily,
  };
}

const params = new URLSearchParams(location.search);
const viewName = chooseViewName(params.get('view'));
const view = { ...({ wall: wallView, tablet: tabletView, desktop: desktopView })[viewName] };
view.rateHz = chooseRateHz(viewName, params.get('rate'));
const dashboard = new Dashboard(view, takeToken(), params);
/** For the browser tests and for curious engineers in the console. */
/** @type {any} */ (window).headroomDashboard = dashboard;
dashboard.start();
