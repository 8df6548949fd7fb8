// The selected node's detail (desktop; the followed node on a tablet): every tap's statistics
// from `stats`, the plugin chain's gain and a bus's members. Rebuilt at the stats rate, as text.

import { formatDb, formatGainDb, stageName } from './format.js';

/**
 * @param {HTMLElement} root
 * @param {import('./layout.js').Topology} topology
 * @param {string|null} nodeId
 * @param {Record<string, any>|null} nodeStats the stats message's entry for the node
 */
export function renderDetail(root, topology, nodeId, nodeStats) {
  const node = nodeId ? topology.nodes.find((n) => n.id === nodeId) : undefined;
  if (!node) {
    root.replaceChildren(textElement('p', 'Select a node in the diagram for its figures.', 'hint'));
    return;
  }
  const heading = textElement('h2', `${node.label} \u2014 ${node.kind}${node.channels > 1 ? ` (${node.layout.join(' ')})` : ''}`);
  const table = document.createElement('table');
  table.className = 'detail-table';
  const head = document.createElement('tr');
  for (const h of ['stage', 'level', 'average', 'max TP', 'headroom', 'crest', 'floor', 'in range']) head.append(textElement('th', h));
  table.append(head);
  /** @type {Map<number, any>} */
  const byTap = new Map((nodeStats?.taps ?? []).map((/** @type {any} */ t) => [t.tap, t]));
  for (const tapIndex of node.taps) {
    const tap = topology.taps[tapIndex];
    const s = byTap.get(tapIndex);
    const tr = document.createElement('tr');
    tr.dataset.tap = String(tapIndex);
    const inRange = s?.target && s.target.active_seconds > 0 ? `${Math.round((100 * s.target.in_range_seconds) / s.target.active_seconds)} %` : '\u2014';
    for (const v of [
      stageName(tap.stage) + (tap.virtual ? ' (\u03a3)' : ''),
      formatDb(s?.level_dbfs), formatDb(s?.average_dbfs), formatDb(s?.max_true_peak_dbtp),
      formatDb(s?.headroom_db), formatDb(s?.crest_factor_db), formatDb(s?.noise_floor_dbfs), inRange,
    ]) tr.append(textElement('td', v));
    table.append(tr);
  }
  const parts = [heading, table];
  if (nodeStats?.chain) {
    const max = node.max_chain_gain_db;
    parts.push(textElement('p', `Plugin chain gain ${formatGainDb(nodeStats.chain.gain_db)} dB (since reset ${formatGainDb(nodeStats.chain.gain_since_reset_db)} dB${max !== null ? `; target within \u00b1${max} dB` : ''})`));
  }
  const bus = nodeStats?.bus;
  if (bus) {
    parts.push(textElement('p', `Summed ${formatDb(bus.predicted_dbfs)} dBFS` + (bus.measured_dbfs !== null ? `, measured ${formatDb(bus.measured_dbfs)} dBFS (${formatGainDb(bus.measured_minus_predicted_db)} dB)` : ' (virtual bus: computed from its members)')));
    const ul = document.createElement('ul');
    ul.className = 'members';
    for (const m of bus.members) {
      const label = topology.nodes.find((n) => n.id === m.node)?.label ?? m.node;
      ul.append(textElement('li', `${label}: ${Math.round((m.share ?? 0) * 100)} % \u2014 ${formatDb(m.level_dbfs)} dBFS`));
    }
    parts.push(ul);
  }
  root.replaceChildren(...parts);
}

/** @param {string} tag @param {string} text @param {string} [className] */
function textElement(tag, text, className) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (className) el.className = className;
  return el;
}
