// The signal-flow diagram flowing top to bottom, for a tablet in portrait (docs/DASHBOARD.md,
// "Views"). Same plan as the horizontal layout (layout.js: rows from the depth-first walk, bus
// levels), transposed: every channel is a column, the stages are rows shared by all channels
// (so the eye still reads one stage across the studio), buses sit in a band below the channels,
// centred under the members they collect, and the master is the last band. Tap boxes keep their
// shape (meters stay horizontal bars with the number on the right): a portrait screen is narrow,
// and a column of boxes uses its height instead of shrinking a wide diagram to fit its width.

import { BUS_STAGES, CHANNEL_STAGES, MASTER_STAGES, STAGE_TITLES, planDiagram, presentStages, wireToDestinations } from './layout.js';

/**
 * @param {import('./layout.js').Topology} topology
 * @param {import('./layout.js').LayoutOptions} [options]
 * @returns {import('./layout.js').DiagramLayout}
 */
export function computeVerticalLayout(topology, options = {}) {
  const plan = planDiagram(topology, options);
  const { rowHeight, fontSize: f, tapW, tapH, gap, nodes, level, maxBusLevel, master, rows, numRows } = plan;
  const pitch = tapW + gap; // one column per row of the plan
  const gapV = Math.round(f * 0.7);
  const chipH = Math.round(f * 1.15);
  const channelNodes = nodes.filter((n) => n.kind === 'channel');
  const channelStages = presentStages(topology, CHANNEL_STAGES, channelNodes);
  const titleW = channelStages.length > 0 ? Math.round(f * 6.4) : 0;
  const colLeft = (/** @type {number} */ r) => titleW + gap + r * pitch;

  /** @type {import('./layout.js').NodeBox[]} */ const nodeBoxes = [];
  /** @type {import('./layout.js').TapBox[]} */ const tapBoxes = [];
  /** @type {import('./layout.js').InsertBox[]} */ const insertBoxes = [];
  /** @type {import('./layout.js').Wire[]} */ const wires = [];
  /** @type {import('./layout.js').Anchor[]} */ const chainLabels = [];
  /** @type {import('./layout.js').Anchor[]} */ const badges = [];
  /** @type {import('./layout.js').DiagramLayout['shareBars']} */ const shareBars = [];
  /** @type {import('./layout.js').DiagramLayout['columnTitles']} */ const columnTitles = [];
  /** @type {Map<string, {x: number, y: number}>} */ const inlet = new Map();
  /** @type {Map<string, {x: number, y: number, tap: number|null}>} */ const outlet = new Map();

  /** A tap of a node that is none of the named stages: a virtual bus's computed input. @param {import('./layout.js').TopologyNode} n @param {string[]} stages */
  const extraTaps = (n, stages) => n.taps.filter((t) => {
    const stage = topology.taps[t]?.stage;
    return stage !== undefined && !stages.includes(stage) && !stage.startsWith('insert:');
  });

  /**
   * One band: the nodes of a group laid from y0, their stages on shared rows. Returns its bottom.
   * @param {import('./layout.js').TopologyNode[]} group @param {string[]} stages @param {number} y0 @param {boolean} channels
   */
  const layBand = (group, stages, y0, channels) => {
    const mostInserts = Math.max(0, ...group.map((n) => n.inserts.length));
    const chainH = mostInserts * (chipH + 3) + Math.round(f * 1.3);
    const hasExtra = group.some((n) => extraTaps(n, stages).length > 0);
    // Name (and for a bus: "Σ virtual", the shares strip, a computed input) above the stages.
    const headH = channels ? Math.round(f * 1.6) : Math.round(f * 3.2) + (hasExtra ? Math.round(tapH * 0.6) + 4 : 0);
    /** @type {Map<string, number>} stage -> y offset in the band */
    const offsets = new Map();
    let y = headH + gapV;
    for (const stage of stages) {
      offsets.set(stage, y);
      y += (stage === 'chain' ? chainH : tapH) + gapV;
    }
    const bandH = y - gapV;
    if (channels) {
      for (const stage of stages) {
        const at = /** @type {number} */ (offsets.get(stage));
        columnTitles.push({ label: STAGE_TITLES[stage] ?? stage, x: gap * 0.5, y: y0 + at + (stage === 'chain' ? f : tapH / 2 + f * 0.32), anchor: 'start' });
      }
    }
    for (const n of group) {
      const r = rows.get(n.id) ?? { top: 0, bottom: 0, center: 0 };
      const cx = colLeft(r.center) + tapW / 2;
      const box = channels
        ? { x: cx - tapW / 2 - 2, w: tapW + 4 }
        : { x: colLeft(r.top) - gap * 0.35, w: colLeft(r.bottom) + tapW + gap * 0.35 - (colLeft(r.top) - gap * 0.35) };
      nodeBoxes.push({ id: n.id, kind: n.kind, label: n.label, level: level.get(n.id) ?? 0, x: box.x, y: y0 - 2, w: box.w, h: bandH + 4,
        rowTop: r.top, rowBottom: r.bottom, labelY: y0 });
      badges.push({ node: n.id, x: box.x + box.w - f * 0.8, y: y0 + f * 0.7 });
      inlet.set(n.id, { x: cx, y: y0 - 2 });
      if (!channels) shareBars.push({ node: n.id, x: box.x + 4, y: y0 + f * 2.45, w: Math.min(box.w - 8, tapW), h: Math.max(4, f * 0.45) });
      extraTaps(n, stages).forEach((t, i) => {
        const tap = topology.taps[t];
        tapBoxes.push({ tap: t, node: n.id, stage: tap.stage, channels: tap.channels, virtual: tap.virtual,
          x: cx - tapW / 2 + i * 4, y: y0 + Math.round(f * 3.2), w: tapW, h: tapH * 0.6 });
      });

      const tapsByStage = new Map(n.taps.map((t) => [topology.taps[t]?.stage, t]));
      /** @type {Array<[number, number]>} */
      let segment = [[cx, y0 + headH]];
      /** @type {number|null} */
      let segmentTap = null;
      for (const stage of stages) {
        const top = y0 + /** @type {number} */ (offsets.get(stage));
        if (stage === 'chain') {
          n.inserts.forEach((ins, i) => {
            const t = ins.tap === null || ins.tap === undefined ? undefined : topology.taps[ins.tap];
            const chipW = t ? tapW * 0.58 : tapW;
            const y = top + i * (chipH + 3);
            insertBoxes.push({ node: n.id, name: ins.name, kind: ins.kind, x: cx - tapW / 2, y, w: chipW, h: chipH });
            // An insert's input tap: a small meter beside its chip.
            if (t) tapBoxes.push({ tap: t.index, node: n.id, stage: t.stage, channels: t.channels, virtual: t.virtual, x: cx - tapW / 2 + chipW + 3, y, w: tapW - chipW - 3, h: chipH });
          });
          // Beside the wire, under the chips.
          if (n.inserts.length > 0) chainLabels.push({ node: n.id, x: cx + tapW * 0.27, y: top + n.inserts.length * (chipH + 3) + f * 0.95 });
          continue;
        }
        const tapIndex = tapsByStage.get(stage);
        if (tapIndex === undefined) continue;
        const t = topology.taps[tapIndex];
        segment.push([cx, top]);
        wires.push({ node: n.id, tap: segmentTap, points: segment });
        tapBoxes.push({ tap: tapIndex, node: n.id, stage, channels: t.channels, virtual: t.virtual, x: cx - tapW / 2, y: top, w: tapW, h: tapH });
        segment = [[cx, top + tapH]];
        segmentTap = tapIndex;
      }
      segment.push([cx, y0 + bandH]);
      wires.push({ node: n.id, tap: segmentTap, points: segment });
      outlet.set(n.id, { x: cx, y: y0 + bandH, tap: segmentTap });
    }
    return y0 + bandH;
  };

  let y = Math.round(f * 0.6);
  if (channelNodes.length > 0) y = layBand(channelNodes, channelStages, y, true) + gap * 2;
  for (let l = 1; l <= maxBusLevel; l++) {
    const busesHere = nodes.filter((n) => n.kind === 'bus' && level.get(n.id) === l);
    if (busesHere.length === 0) continue;
    columnTitles.push({ label: maxBusLevel > 1 ? `buses ${l}` : 'buses', x: gap * 0.5, y: y + f, anchor: 'start' });
    y = layBand(busesHere, presentStages(topology, BUS_STAGES, busesHere), y, false) + gap * 2;
  }
  if (master) {
    columnTitles.push({ label: 'master', x: gap * 0.5, y: y + f, anchor: 'start' });
    y = layBand([master], presentStages(topology, MASTER_STAGES, [master]), y, false) + gap;
  }
  y += Math.round(f * 2.2); // the colour legend sits at the bottom left of the stage

  // Down from a node's outlet, across, down into its destination's inlet.
  wireToDestinations(nodes, outlet, inlet, wires, (from, to) => {
    const midY = to.y - gap * 0.9;
    return [[from.x, from.y], [from.x, midY], [to.x, midY], [to.x, to.y]];
  });

  tapBoxes.sort((a, b) => a.tap - b.tap);
  return {
    width: colLeft(numRows) + gap, height: y, rowHeight, fontSize: f, vertical: true,
    nodes: nodeBoxes, taps: tapBoxes, inserts: insertBoxes, wires, chainLabels, badges, shareBars, columnTitles,
  };
}
