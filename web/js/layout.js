// Lays the signal-flow diagram out from a topology (PROTOCOL.md §4.2). Pure: no DOM, so node's
// test runner checks it for 4 to 64 channels and 1 to 8 buses (tests/web/layout.test.mjs).
//
// Shape (docs/DASHBOARD.md): every channel is a row flowing left to right through fixed stage
// columns (input, pre-insert, the plugin chain, post-insert, post-fader); buses sit in columns to
// the right, one column per nesting level, vertically centred on the rows they collect; the master
// is the last column. Rows are ordered by a depth-first walk from the master, so a bus's members
// are adjacent and its wires never cross another bus's.

/**
 * @typedef {Object} TopologyNode
 * @property {string} id
 * @property {'channel'|'bus'|'master'} kind
 * @property {string} label
 * @property {number} channels
 * @property {string[]} layout
 * @property {string|null} destination
 * @property {Array<{name: string, kind: string, tap: number|null}>} inserts
 * @property {number[]} taps
 * @property {number|null} max_chain_gain_db
 * @property {any} master_targets
 *
 * @typedef {Object} TopologyTap
 * @property {number} index
 * @property {string} node
 * @property {string} stage
 * @property {number} first_channel
 * @property {number} channels
 * @property {string[]} layout
 * @property {boolean} virtual
 * @property {number[]} members
 * @property {boolean} connected
 * @property {{average_min_dbfs?: number|null, average_max_dbfs?: number|null, peak_max_dbtp?: number|null}|null} target
 *
 * @typedef {Object} Topology
 * @property {number} version
 * @property {number} num_meter_channels
 * @property {TopologyNode[]} nodes
 * @property {Array<{from: string, to: string}>} edges
 * @property {TopologyTap[]} taps
 * @property {Array<{node: string, pre_insert_tap: number, post_insert_tap: number}>} chains
 * @property {Array<{node: string, summed_tap: number|null, measured_tap: number|null, members: string[]}>} buses
 */

/**
 * @typedef {Object} Rect
 * @property {number} x
 * @property {number} y
 * @property {number} w
 * @property {number} h
 *
 * @typedef {Rect & {tap: number, node: string, stage: string, channels: number, virtual: boolean}} TapBox
 * @typedef {Rect & {id: string, kind: string, label: string, level: number, rowTop: number, rowBottom: number, labelY: number}} NodeBox
 *   labelY: the top of the line the node's name is written on
 * @typedef {Rect & {node: string, name: string, kind: string}} InsertBox
 * @typedef {{node: string, tap: number|null, points: Array<[number, number]>}} Wire
 * @typedef {{node: string, x: number, y: number}} Anchor
 *
 * @typedef {Object} DiagramLayout
 * @property {number} width
 * @property {number} height
 * @property {number} rowHeight
 * @property {number} fontSize
 * @property {NodeBox[]} nodes
 * @property {TapBox[]} taps in tap-index order
 * @property {InsertBox[]} inserts
 * @property {Wire[]} wires coloured by the state of `tap` (the stage the signal leaves)
 * @property {Anchor[]} chainLabels where each plugin chain's gain is written
 * @property {Anchor[]} badges where each node's advisory badge goes
 * @property {Array<{node: string, x: number, y: number, w: number, h: number}>} shareBars bus member shares
 * @property {Array<{label: string, x: number, y?: number, anchor?: 'start'|'middle'}>} columnTitles stage names
 *   (y: their baseline, default the top line; anchor: default middle)
 * @property {boolean} [vertical] the signal flows top to bottom (verticalLayout.js)
 */

/**
 * @typedef {Object} LayoutOptions
 * @property {number} [rowHeight] layout units per channel row (default 46)
 * @property {boolean} [compact] smaller type and boxes (the wall with many rows)
 * @property {string[]} [only] lay out only these node ids (a tablet following a bus or channel)
 * @property {boolean} [vertical] flow top to bottom (a tablet in portrait; verticalLayout.js)
 */

export const CHANNEL_STAGES = ['input', 'pre_insert', 'chain', 'post_insert', 'post_fader'];
export const BUS_STAGES = ['pre_insert', 'chain', 'post_insert', 'post_fader'];
export const MASTER_STAGES = ['pre_insert', 'chain', 'post_insert', 'output'];
/** @type {Record<string, string>} */
export const STAGE_TITLES = { input: 'input', pre_insert: 'pre-insert', chain: 'plugins', post_insert: 'post-insert', post_fader: 'post-fader', output: 'output' };

/**
 * @param {Topology} topology
 * @param {LayoutOptions} [options]
 * @returns {DiagramLayout}
 */
export function computeLayout(topology, options = {}) {
  return layHorizontally(topology, planDiagram(topology, options));
}

/**
 * What both orientations share: the sizes, the nodes kept, bus nesting levels and the rows (the
 * columns, in the vertical layout) from the depth-first walk.
 * @param {Topology} topology @param {LayoutOptions} options
 */
export function planDiagram(topology, options) {
  const rowHeight = options.rowHeight ?? 46;
  const compact = Boolean(options.compact);
  const fontSize = Math.round(rowHeight * (compact ? 0.42 : 0.36));
  const tapW = Math.round(rowHeight * 3.1);
  const tapH = Math.round(rowHeight * 0.74);
  const gap = Math.round(rowHeight * 0.55);
  const labelW = Math.round(rowHeight * (compact ? 3.6 : 4.2));
  const only = options.only ? new Set(options.only) : null;

  const nodes = topology.nodes.filter((n) => !only || only.has(n.id));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  /** @type {Map<string, TopologyNode[]>} */
  const children = new Map();
  for (const n of nodes) {
    const parent = n.destination && byId.has(n.destination) ? n.destination : null;
    if (parent === null) continue;
    if (!children.has(parent)) children.set(parent, []);
    /** @type {TopologyNode[]} */ (children.get(parent)).push(n);
  }

  // Bus nesting levels: channels 0, a bus one more than its deepest member, the master last.
  /** @type {Map<string, number>} */
  const level = new Map();
  /** @param {TopologyNode} n @param {number} depth @returns {number} */
  const levelOf = (n, depth) => {
    const known = level.get(n.id);
    if (known !== undefined) return known;
    if (n.kind === 'channel' || depth > 64) return 0; // depth guard: the server rejects cycles anyway
    let l = 1;
    for (const c of children.get(n.id) ?? []) if (c.kind !== 'master') l = Math.max(l, levelOf(c, depth + 1) + 1);
    level.set(n.id, l);
    return l;
  };
  let maxBusLevel = 0;
  for (const n of nodes) if (n.kind === 'bus') maxBusLevel = Math.max(maxBusLevel, levelOf(n, 0));
  const master = nodes.find((n) => n.kind === 'master') ?? null;
  if (master) level.set(master.id, maxBusLevel + 1);

  // Rows: depth-first from the master so each bus's members are adjacent.
  /** @type {Map<string, {top: number, bottom: number, center: number}>} */
  const rows = new Map();
  let nextRow = 0;
  /** @type {Set<string>} */
  const placed = new Set();
  /** @param {TopologyNode} n @param {number} depth */
  const place = (n, depth) => {
    if (placed.has(n.id) || depth > 64) return;
    placed.add(n.id);
    const kids = (children.get(n.id) ?? []).filter((c) => c.kind !== 'master');
    if (n.kind === 'channel' || kids.length === 0) {
      const r = nextRow++;
      rows.set(n.id, { top: r, bottom: r, center: r });
      if (n.kind === 'channel') return;
    }
    const first = nextRow;
    for (const c of kids) place(c, depth + 1);
    if (kids.length > 0) {
      const centers = kids.map((c) => rows.get(c.id)?.center ?? first);
      rows.set(n.id, { top: first, bottom: nextRow - 1, center: (Math.min(...centers) + Math.max(...centers)) / 2 });
    }
  };
  if (master) place(master, 0);
  for (const n of nodes) if (!placed.has(n.id) && n.kind !== 'master') place(n, 0); // orphans (a follow subset)
  const numRows = Math.max(nextRow, 1);
  if (master && !rows.has(master.id)) rows.set(master.id, { top: 0, bottom: numRows - 1, center: (numRows - 1) / 2 });
  return { rowHeight, compact, fontSize, tapW, tapH, gap, labelW, nodes, level, maxBusLevel, master, rows, numRows };
}

/** @typedef {ReturnType<typeof planDiagram>} DiagramPlan */

/**
 * Only the stage columns some node of the group uses (a session without input taps gets no
 * empty input column).
 * @param {Topology} topology @param {string[]} stages @param {TopologyNode[]} group
 */
export function presentStages(topology, stages, group) {
  return stages.filter((s) => (s === 'chain'
    ? group.some((n) => n.inserts.length > 0)
    : group.some((n) => n.taps.some((t) => topology.taps[t]?.stage === s))));
}

/**
 * Channels as rows flowing left to right (the wall, the desktop, a tablet in landscape).
 * @param {Topology} topology @param {DiagramPlan} plan @returns {DiagramLayout}
 */
function layHorizontally(topology, plan) {
  const { rowHeight, compact, fontSize, tapW, tapH, gap, labelW, nodes, level, maxBusLevel, master, rows, numRows } = plan;

  // Columns.
  const chainW = (/** @type {TopologyNode[]} */ list) => {
    const most = Math.max(0, ...list.map((n) => n.inserts.length));
    return Math.max(Math.round(rowHeight * 1.6), most * Math.round(rowHeight * (compact ? 0.5 : 1.1)) + gap);
  };
  const channelNodes = nodes.filter((n) => n.kind === 'channel');
  const stageWidth = (/** @type {string} */ s, /** @type {number} */ cw) => (s === 'chain' ? cw : tapW);
  const top = Math.round(fontSize * 2.2); // column titles
  const rowY = (/** @type {number} */ r) => top + r * rowHeight;
  /** @type {Array<{label: string, x: number}>} */
  const columnTitles = [];

  /** @type {NodeBox[]} */ const nodeBoxes = [];
  /** @type {TapBox[]} */ const tapBoxes = [];
  /** @type {InsertBox[]} */ const insertBoxes = [];
  /** @type {Wire[]} */ const wires = [];
  /** @type {Anchor[]} */ const chainLabels = [];
  /** @type {Anchor[]} */ const badges = [];
  /** @type {Array<{node: string, x: number, y: number, w: number, h: number}>} */ const shareBars = [];
  /** @type {Map<string, {x: number, y: number}>} inputs: where a node's incoming wires end */
  const inlet = new Map();
  /** @type {Map<string, {x: number, y: number, tap: number|null}>} outlets: where its output leaves */
  const outlet = new Map();

  /**
   * Lays out one node's stages from x0; returns the x after its last stage.
   * @param {TopologyNode} n @param {string[]} stages @param {number} x0 @param {number} cw
   */
  const layNode = (n, stages, x0, cw) => {
    const r = rows.get(n.id) ?? { top: 0, bottom: 0, center: 0 };
    const cy = rowY(r.center) + rowHeight / 2;
    const boxTop = n.kind === 'channel' ? rowY(r.top) + 2 : rowY(r.top) + 2;
    const boxBottom = rowY(r.bottom) + rowHeight - 2;
    const tapsByStage = new Map(n.taps.map((t) => [topology.taps[t]?.stage, t]));
    let x = x0 + labelW;
    const labelBox = {
      id: n.id, kind: n.kind, label: n.label, level: level.get(n.id) ?? 0,
      x: x0, y: n.kind === 'channel' ? cy - tapH / 2 : boxTop, w: 0, h: n.kind === 'channel' ? tapH : boxBottom - boxTop,
      rowTop: r.top, rowBottom: r.bottom, labelY: cy - tapH / 2,
    };
    badges.push({ node: n.id, x: x0 + labelW - gap * 0.6, y: cy - tapH / 2 });
    inlet.set(n.id, { x: x0, y: cy });
    /** @type {Array<[number, number]>} */
    let segment = [[x0 + labelW - gap * 0.4, cy]];
    /** @type {number|null} */
    let segmentTap = null;
    const flush = (/** @type {number} */ xEnd) => {
      segment.push([xEnd, cy]);
      wires.push({ node: n.id, tap: segmentTap, points: segment });
    };
    for (const stage of stages) {
      const w = stageWidth(stage, cw);
      if (stage === 'chain') {
        const chain = n.inserts;
        const step = chain.length > 0 ? (w - gap) / chain.length : 0;
        chain.forEach((ins, i) => {
          const ix = x + gap / 2 + i * step;
          insertBoxes.push({ node: n.id, name: ins.name, kind: ins.kind, x: ix + step * 0.1, y: cy - tapH * 0.32, w: step * 0.8, h: tapH * 0.64 });
        });
        if (chain.length > 0) chainLabels.push({ node: n.id, x: x + w / 2, y: cy + tapH * 0.32 + fontSize });
        // Insert taps (an insert's input) are drawn as small meters on the chain's wire.
        chain.forEach((ins, i) => {
          if (ins.tap === null || ins.tap === undefined) return;
          const t = topology.taps[ins.tap];
          if (!t) return;
          const ix = x + gap / 2 + i * step;
          const box = { tap: ins.tap, node: n.id, stage: t.stage, channels: t.channels, virtual: t.virtual,
                        x: ix - tapW * 0.18, y: cy - tapH * 0.9, w: tapW * 0.36, h: tapH * 0.5 };
          tapBoxes.push(box);
        });
        x += w + gap;
        continue;
      }
      const tapIndex = tapsByStage.get(stage);
      if (tapIndex === undefined) {
        x += w + gap;
        continue;
      }
      const t = topology.taps[tapIndex];
      flush(x);
      tapBoxes.push({ tap: tapIndex, node: n.id, stage, channels: t.channels, virtual: t.virtual, x, y: cy - tapH / 2, w, h: tapH });
      segment = [[x + w, cy]];
      segmentTap = tapIndex;
      x += w + gap;
    }
    // A summed/virtual bus input that is not one of the named stages (stage "summed_members").
    for (const t of n.taps) {
      const tap = topology.taps[t];
      if (!tap || stages.includes(tap.stage) || tap.stage.startsWith('insert:')) continue;
      const w = tapW;
      tapBoxes.push({ tap: t, node: n.id, stage: tap.stage, channels: tap.channels, virtual: tap.virtual,
                      x: x0 + labelW, y: cy + tapH / 2 + 4, w, h: tapH * 0.6 });
    }
    labelBox.w = x - x0 - gap;
    nodeBoxes.push(labelBox);
    outlet.set(n.id, { x: x - gap, y: cy, tap: segmentTap });
    segment.push([x - gap, cy]);
    wires.push({ node: n.id, tap: segmentTap, points: segment });
    return x;
  };

  /** @param {string[]} stages @param {TopologyNode[]} group */
  const present = (stages, group) => presentStages(topology, stages, group);
  const channelStages = present(CHANNEL_STAGES, channelNodes);
  const channelChainW = chainW(channelNodes);
  let x = 0;
  for (const stage of channelStages) {
    const w = stage === 'chain' ? channelChainW : tapW;
    columnTitles.push({ label: STAGE_TITLES[stage], x: labelW + stageWidthSum(channelStages, stage, tapW, channelChainW, gap) + w / 2 });
  }
  let channelEnd = 0;
  for (const n of channelNodes) channelEnd = Math.max(channelEnd, layNode(n, channelStages, 0, channelChainW));
  x = channelNodes.length > 0 ? channelEnd + gap * 2 : 0;
  for (let l = 1; l <= maxBusLevel; l++) {
    const busesHere = nodes.filter((n) => n.kind === 'bus' && level.get(n.id) === l);
    const cw = chainW(busesHere);
    let end = x;
    columnTitles.push({ label: maxBusLevel > 1 ? `buses ${l}` : 'buses', x: x + labelW / 2 });
    const stages = present(BUS_STAGES, busesHere);
    for (const b of busesHere) end = Math.max(end, layNode(b, stages, x, cw));
    x = end + gap * 2;
  }
  if (master) {
    columnTitles.push({ label: 'master', x: x + labelW / 2 });
    x = layNode(master, present(MASTER_STAGES, [master]), x, chainW([master]));
  }
  const width = x + gap;

  // Share bars: a strip under each bus label (members' shares of the bus energy).
  for (const b of nodeBoxes) {
    if (b.kind === 'channel') continue;
    const inl = inlet.get(b.id);
    if (!inl) continue;
    shareBars.push({ node: b.id, x: b.x + 4, y: inl.y + fontSize * 0.7, w: labelW - gap - 8, h: Math.max(4, fontSize * 0.45) });
  }

  // Across from a node's outlet, down or up, across into its destination's inlet.
  wireToDestinations(nodes, outlet, inlet, wires, (from, to) => {
    const midX = to.x - gap;
    return [[from.x, from.y], [midX, from.y], [midX, to.y], [to.x, to.y]];
  });

  tapBoxes.sort((a, b) => a.tap - b.tap);
  return {
    width, height: rowY(numRows) + gap, rowHeight, fontSize,
    nodes: nodeBoxes, taps: tapBoxes, inserts: insertBoxes, wires, chainLabels, badges, shareBars, columnTitles,
  };
}

/**
 * The wires between nodes, both orientations: from each node's outlet to its destination's inlet,
 * along the elbow the orientation draws; coloured by the tap the signal last left.
 * @param {TopologyNode[]} nodes
 * @param {Map<string, {x: number, y: number, tap: number|null}>} outlet
 * @param {Map<string, {x: number, y: number}>} inlet
 * @param {Wire[]} wires appended to
 * @param {(from: {x: number, y: number}, to: {x: number, y: number}) => Array<[number, number]>} elbow
 */
export function wireToDestinations(nodes, outlet, inlet, wires, elbow) {
  for (const n of nodes) {
    if (!n.destination) continue;
    const from = outlet.get(n.id);
    const to = inlet.get(n.destination);
    if (from && to) wires.push({ node: n.id, tap: from.tap, points: elbow(from, to) });
  }
}

/**
 * x offset of a stage within a node's stage strip.
 * @param {string[]} stages @param {string} stage @param {number} tapW @param {number} chainW @param {number} gap
 */
function stageWidthSum(stages, stage, tapW, chainW, gap) {
  let x = 0;
  for (const s of stages) {
    if (s === stage) return x;
    x += (s === 'chain' ? chainW : tapW) + gap;
  }
  return x;
}

/**
 * The nodes a tablet shows when it follows one node: the node, everything that feeds it
 * (recursively) and its path to the master.
 * @param {Topology} topology @param {string} id
 * @returns {string[]}
 */
export function followSet(topology, id) {
  const byId = new Map(topology.nodes.map((n) => [n.id, n]));
  if (!byId.has(id)) return topology.nodes.map((n) => n.id);
  /** @type {Set<string>} */
  const keep = new Set();
  const addFeeders = (/** @type {string} */ target, /** @type {number} */ depth) => {
    if (keep.has(target) || depth > 64) return;
    keep.add(target);
    for (const n of topology.nodes) if (n.destination === target) addFeeders(n.id, depth + 1);
  };
  addFeeders(id, 0);
  for (let n = byId.get(id), guard = 0; n && n.destination && guard < 64; n = byId.get(n.destination), guard++) {
    keep.add(n.destination);
  }
  return topology.nodes.filter((n) => keep.has(n.id)).map((n) => n.id);
}
