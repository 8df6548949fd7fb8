// The tablet view: touch first (44 px targets), follow one bus or channel, lower rate on slow links.

import { followSet } from '../layout.js';

/** @type {import('./view.js').ViewConfig} */
export const tabletView = { name: 'tablet', rateHz: 30, compact: false, interactive: true, zoom: true, follow: true, liveRegionMs: 5000 };

/**
 * Fills the follow picker with the topology's buses, channels and the master.
 * @param {HTMLSelectElement} select
 * @param {import('../layout.js').Topology} topology
 * @param {string|null} current
 */
export function fillFollowPicker(select, topology, current) {
  const options = [new Option('Whole studio', '')];
  for (const kind of ['master', 'bus', 'channel']) {
    for (const n of topology.nodes.filter((x) => x.kind === kind)) {
      options.push(new Option(`${kind === 'channel' ? '' : `${kind}: `}${n.label}`, n.id));
    }
  }
  select.replaceChildren(...options);
  select.value = current && topology.nodes.some((n) => n.id === current) ? current : '';
}

/**
 * The node ids a tablet shows and subscribes to when following `id` (null: everything).
 * @param {import('../layout.js').Topology} topology @param {string|null} id
 * @returns {string[]|null}
 */
export function followedNodes(topology, id) {
  if (!id || !topology.nodes.some((n) => n.id === id)) return null;
  return followSet(topology, id);
}
