// A topology object (PROTOCOL.md §4.2) for N channels and B buses, as `headroom serve` would send
// it: channel i feeds bus (i mod B) + 1; every channel has input, pre-insert, post-insert and
// post-fader taps (every third one stereo, every fourth with an insert tap); buses have a virtual
// summed input and a post-fader tap; the master sums the buses. Used by the layout tests.

/** @param {number} numChannels @param {number} numBuses */
export function syntheticTopology(numChannels, numBuses) {
  /** @type {any[]} */ const nodes = [];
  /** @type {any[]} */ const taps = [];
  /** @type {any[]} */ const edges = [];
  let channel = 0;
  const target = { average_min_dbfs: -21, average_max_dbfs: -15, peak_max_dbtp: 0 };
  /** @param {string} node @param {string} stage @param {number} n @param {boolean} [virtual] */
  const addTap = (node, stage, n, virtual = false) => {
    const index = taps.length;
    taps.push({ index, node, stage, first_channel: channel, channels: n, layout: n === 2 ? ['L', 'R'] : ['M'], virtual, members: [], connected: true, target });
    channel += n;
    return index;
  };
  for (let i = 0; i < numChannels; i++) {
    const id = `ch${i}`;
    const n = i % 3 === 2 ? 2 : 1;
    const bus = `bus${i % numBuses}`;
    const node = { id, kind: 'channel', label: `Channel ${i}`, channels: n, layout: n === 2 ? ['L', 'R'] : ['M'], destination: bus,
      inserts: [{ name: 'EQ', kind: 'eq', tap: null }, { name: 'Compressor', kind: 'compressor', tap: null }], taps: /** @type {number[]} */ ([]),
      max_chain_gain_db: 3, master_targets: null };
    node.taps.push(addTap(id, 'input', n), addTap(id, 'pre_insert', n));
    if (i % 4 === 3) node.inserts[1].tap = node.taps[node.taps.length] = addTap(id, 'insert:1', n);
    node.taps.push(addTap(id, 'post_insert', n), addTap(id, 'post_fader', n));
    nodes.push(node);
    edges.push({ from: id, to: bus });
  }
  for (let b = 0; b < numBuses; b++) {
    const id = `bus${b}`;
    const node = { id, kind: 'bus', label: `Bus ${b}`, channels: 2, layout: ['L', 'R'], destination: 'master', inserts: [], taps: /** @type {number[]} */ ([]), max_chain_gain_db: null, master_targets: null };
    node.taps.push(addTap(id, 'pre_insert', 2, true), addTap(id, 'post_fader', 2));
    nodes.push(node);
    edges.push({ from: id, to: 'master' });
  }
  const master = { id: 'master', kind: 'master', label: 'Master', channels: 2, layout: ['L', 'R'], destination: null, inserts: [], taps: /** @type {number[]} */ ([]), max_chain_gain_db: null,
    master_targets: { mastered: false, delivery: { peak_min_dbtp: -6, peak_max_dbtp: -3, integrated_min_lufs: -18, integrated_max_lufs: -16 }, streaming: [] } };
  master.taps.push(addTap('master', 'pre_insert', 2, true));
  nodes.push(master);
  return { version: 1, num_meter_channels: channel, nodes, edges, taps, chains: [], buses: [] };
}
