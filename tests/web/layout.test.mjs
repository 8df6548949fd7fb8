// web/js/layout.js and web/js/format.js under node's test runner (no browser): the diagram's
// layout for 4 to 64 channels and 1 to 8 buses, and the numbers as the dashboard writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { computeLayout, followSet } from '../../web/js/layout.js';
import { computeVerticalLayout } from '../../web/js/verticalLayout.js';
import { classifyLevel, formatDb, formatGainDb, parseDb } from '../../web/js/format.js';
import { syntheticTopology } from './syntheticTopology.mjs';
import { WALL_PAGE_CHANNELS, wallPages } from '../../web/js/views/wall.js';

/** @param {{x: number, y: number, w: number, h: number}} a @param {{x: number, y: number, w: number, h: number}} b */
const overlap = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * Both orientations: every tap of the topology laid out once, inside the diagram, no two
 * overlapping, and a box for every node.
 * @param {import('../../web/js/layout.js').Topology} topology @param {import('../../web/js/layout.js').DiagramLayout} layout
 */
function assertEveryTapOnceInsideWithoutOverlaps(topology, layout) {
  assert.deepEqual(layout.taps.map((t) => t.tap), topology.taps.map((t) => t.index));
  for (const t of layout.taps) {
    assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.w <= layout.width && t.y + t.h <= layout.height, `tap ${t.tap} outside`);
  }
  for (let i = 0; i < layout.taps.length; i++) {
    for (let j = i + 1; j < layout.taps.length; j++) {
      assert.ok(!overlap(layout.taps[i], layout.taps[j]), `taps ${layout.taps[i].tap} and ${layout.taps[j].tap} overlap`);
    }
  }
  assert.equal(layout.nodes.length, topology.nodes.length);
}

for (const [channels, buses] of [[4, 1], [16, 3], [32, 5], [64, 8], [64, 1], [5, 8]]) {
  test(`layout of ${channels} channels and ${buses} buses: every tap placed once, inside, without overlaps`, () => {
    const topology = syntheticTopology(channels, buses);
    const layout = computeLayout(topology);
    assertEveryTapOnceInsideWithoutOverlaps(topology, layout);
    // Rows: one per channel, plus one per bus without members.
    assert.ok(layout.height <= (Math.max(channels, buses) + 2) * layout.rowHeight, `height ${layout.height}`);
    // Every node but the master has a wire to its destination.
    const wired = new Set(layout.wires.map((w) => w.node));
    for (const n of topology.nodes) if (n.destination) assert.ok(wired.has(n.id), `${n.id} not wired`);
  });
}

for (const [channels, buses] of [[2, 1], [4, 1], [16, 3], [64, 8], [5, 8]]) {
  test(`portrait layout of ${channels} channels and ${buses} buses: every tap once, inside, no overlaps, stages on shared rows`, () => {
    const topology = syntheticTopology(channels, buses);
    const layout = computeVerticalLayout(topology);
    assert.equal(layout.vertical, true);
    assertEveryTapOnceInsideWithoutOverlaps(topology, layout);
    for (const ins of layout.inserts) {
      for (const t of layout.taps) assert.ok(!overlap(ins, t), `insert ${ins.node}/${ins.name} overlaps tap ${t.tap}`);
    }
    assert.equal(layout.nodes.length, topology.nodes.length);
    // The flow is downwards: each channel is a column, every stage one row for all of them.
    const channelTaps = layout.taps.filter((t) => topology.nodes.find((n) => n.id === t.node)?.kind === 'channel' && !t.stage.startsWith('insert:'));
    for (const stage of new Set(channelTaps.map((t) => t.stage))) {
      assert.equal(new Set(channelTaps.filter((t) => t.stage === stage).map((t) => t.y)).size, 1, `${stage} is not one row`);
    }
    for (const n of topology.nodes.filter((x) => x.kind === 'channel')) {
      const ys = layout.taps.filter((t) => t.node === n.id && !t.stage.startsWith('insert:')).map((t) => t.y);
      assert.deepEqual(ys, [...ys].sort((a, b) => a - b), `${n.id}'s stages do not flow down`);
    }
    // Buses below every channel, the master below every bus.
    const bottomOf = (/** @type {string} */ kind) => Math.max(...layout.nodes.filter((n) => n.kind === kind).map((n) => n.y + n.h));
    const topOf = (/** @type {string} */ kind) => Math.min(...layout.nodes.filter((n) => n.kind === kind).map((n) => n.y));
    assert.ok(topOf('bus') > bottomOf('channel') && topOf('master') > bottomOf('bus'));
    const wired = new Set(layout.wires.map((w) => w.node));
    for (const n of topology.nodes) if (n.destination) assert.ok(wired.has(n.id), `${n.id} not wired`);
  });
}

test('a followed bus drawn upright gets twice the pixels of the same nodes lying down on a portrait tablet', () => {
  const topology = syntheticTopology(8, 2);
  const only = followSet(topology, 'bus1'); // four channels, their bus, the master
  // The diagram area of an 820 x 1180 tablet in portrait (the side panel takes the lower 42 %).
  const scale = (/** @type {{width: number, height: number}} */ l) => Math.min(820 / l.width, 620 / l.height);
  const upright = scale(computeVerticalLayout(topology, { only }));
  const lying = scale(computeLayout(topology, { only }));
  assert.ok(upright > 2 * lying, `portrait ${upright.toFixed(2)} px/unit, landscape layout ${lying.toFixed(2)}`);
});

test('members of a bus are adjacent rows and the bus sits within them', () => {
  const topology = syntheticTopology(12, 3);
  const layout = computeLayout(topology);
  for (const bus of topology.nodes.filter((n) => n.kind === 'bus')) {
    const rows = layout.nodes.filter((n) => topology.nodes.find((x) => x.id === n.id)?.destination === bus.id && n.kind === 'channel').map((n) => n.rowTop).sort((a, b) => a - b);
    assert.ok(rows.length > 0);
    assert.equal(rows[rows.length - 1] - rows[0], rows.length - 1, `${bus.id} members not adjacent: ${rows}`);
  }
});

test('following a bus keeps its members and the path to the master only', () => {
  const topology = syntheticTopology(8, 2);
  const kept = followSet(topology, 'bus1');
  assert.deepEqual(kept.sort(), ['bus1', 'ch1', 'ch3', 'ch5', 'ch7', 'master'].sort());
  const layout = computeLayout(topology, { only: kept });
  assert.ok(layout.taps.every((t) => kept.includes(t.node)));
});

test('numbers: one decimal, typographic minus, sentinels', () => {
  assert.equal(formatDb(-18), '\u221218.0');
  assert.equal(formatDb(-17.96), '\u221218.0');
  assert.equal(formatDb(-0.04), '0.0');
  assert.equal(formatDb(3), '3.0');
  assert.equal(formatDb(-Infinity), '\u2212\u221e');
  assert.equal(formatDb(NaN), '\u2014');
  assert.equal(formatDb(null), '\u2014');
  assert.equal(formatGainDb(4.95), '+5.0');
  assert.equal(formatGainDb(-6.2), '\u22126.2');
  assert.equal(parseDb('\u221218.0'), -18);
});

test('levels against the input target (-18..-12 dBFS average, peaks under -6 dBTP)', () => {
  const target = { average_min_dbfs: -18, average_max_dbfs: -12, peak_max_dbtp: -6 };
  assert.equal(classifyLevel(target, -15, -12, false), 'in-range');
  assert.equal(classifyLevel(target, -24, -20, false), 'quiet');
  assert.equal(classifyLevel(target, -10, -7, false), 'hot');
  assert.equal(classifyLevel(target, -15, -3, false), 'hot');
  assert.equal(classifyLevel(target, -15, 1, true), 'clipping');
  assert.equal(classifyLevel(target, -Infinity, -Infinity, false), 'silent');
  assert.equal(classifyLevel(target, NaN, NaN, false), 'nodata');
  assert.equal(classifyLevel(null, -20, -14, false), 'open');
  // Judged as shown: -18.04 reads "-18.0" and is in range; -18.06 reads "-18.1" and is quiet.
  assert.equal(classifyLevel(target, -18.04, -15, false), 'in-range');
  assert.equal(classifyLevel(target, -18.06, -15, false), 'quiet');
  assert.equal(classifyLevel(target, -11.96, -8, false), 'in-range');
  assert.equal(classifyLevel(target, -11.94, -8, false), 'hot');
});

test('a wall too big for one readable screen is paged by whole buses, every channel once, the master on each page', () => {
  assert.equal(wallPages(syntheticTopology(32, 4)), null, 'the 32-channel wall fits one page');
  for (const [numChannels, numBuses] of [[33, 1], [48, 3], [64, 8], [64, 2], [40, 5], [64, 1]]) {
    const topology = syntheticTopology(numChannels, numBuses);
    const pages = wallPages(topology);
    assert.ok(pages && pages.length >= 2, `${numChannels}/${numBuses}: ${pages?.length} pages`);
    const kind = new Map(topology.nodes.map((n) => [n.id, n]));
    /** @type {Map<string, number>} */
    const seen = new Map();
    for (const page of pages) {
      assert.ok(page.ids.includes('master'), 'the master is on every page');
      assert.ok(page.title.length > 0);
      const channels = page.ids.filter((id) => kind.get(id)?.kind === 'channel');
      const buses = page.ids.filter((id) => kind.get(id)?.kind === 'bus');
      // Whole buses, unless one bus alone is bigger than a page.
      const members = topology.nodes.filter((x) => x.kind === 'channel' && x.destination && x.destination !== 'master');
      if (members.length / numBuses <= WALL_PAGE_CHANNELS) {
        for (const bus of buses) {
          for (const n of topology.nodes.filter((x) => x.destination === bus)) assert.ok(page.ids.includes(n.id), `${n.id} of ${bus}`);
        }
      }
      assert.ok(channels.length <= WALL_PAGE_CHANNELS, `${channels.length} channels on a page`);
      for (const id of channels) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    for (const n of topology.nodes.filter((x) => x.kind === 'channel')) assert.equal(seen.get(n.id), 1, `${n.id} on one page`);
  }
});
