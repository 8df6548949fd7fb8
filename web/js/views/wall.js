// The wall view: the whole studio on one screen, no interaction, the screen kept awake; a session
// too big for one readable screen is shown in pages that turn by themselves.

import { followSet } from '../layout.js';

/** @type {import('./view.js').ViewConfig} */
export const wallView = { name: 'wall', rateHz: 30, compact: true, interactive: false, zoom: false, follow: false, liveRegionMs: 10000 };

/**
 * Keeps the display awake where the browser allows (Screen Wake Lock needs a secure context:
 * HTTPS or localhost); the lock is released when the tab is hidden, so it is taken again on return.
 * @param {(text: string) => void} report
 */
export function keepAwake(report) {
  const wakeLock = /** @type {any} */ (navigator).wakeLock;
  if (!wakeLock || typeof wakeLock.request !== 'function') {
    report('screen wake lock not available here (needs HTTPS or localhost)');
    return;
  }
  const take = () => {
    wakeLock.request('screen').then(
      () => report('screen kept awake'),
      (/** @type {unknown} */ e) => report(`screen wake lock refused: ${e instanceof Error ? e.message : e}`),
    );
  };
  take();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') take();
  });
}

/**
 * Channels one wall page shows at most. The 32-input session the wall is made for fits a 1080p
 * screen with 14.6 px numbers; 64 channels on one page gave 7-9 px, unreadable across the room.
 */
export const WALL_PAGE_CHANNELS = 32;

/**
 * The pages of a wall for a session with more channels than fit: each page is whole groups (a
 * bus with everything that feeds it, or a channel routed straight to the master) packed in session
 * order up to `maxChannels`, with the path to the master (a bus bigger than a page is split over
 * pages of its own); every channel is on exactly one page and the master on all. null when
 * everything fits one page.
 * @param {import('../layout.js').Topology} topology @param {number} [maxChannels]
 * @returns {{ids: string[], title: string}[]|null}
 */
export function wallPages(topology, maxChannels = WALL_PAGE_CHANNELS) {
  const isChannel = new Set(topology.nodes.filter((n) => n.kind === 'channel').map((n) => n.id));
  if (isChannel.size <= maxChannels) return null;
  const master = topology.nodes.find((n) => n.kind === 'master');
  const heads = topology.nodes.filter((n) => n.kind !== 'master' && (!n.destination || n.destination === master?.id));
  /** @type {{ids: Set<string>, heads: string[], channels: number}[]} */
  const pages = [];
  for (const head of heads) {
    const ids = followSet(topology, head.id);
    const members = ids.filter((id) => isChannel.has(id));
    const last = pages[pages.length - 1];
    if (last && last.channels + members.length <= maxChannels) {
      for (const id of ids) last.ids.add(id);
      last.heads.push(head.label);
      last.channels += members.length;
    } else if (members.length <= maxChannels) {
      pages.push({ ids: new Set(ids), heads: [head.label], channels: members.length });
    } else {
      // One bus bigger than a page: its channels in pages of their own, each with its path out.
      const parts = Math.ceil(members.length / maxChannels);
      for (let part = 0; part < parts; part++) {
        const chunk = members.slice(part * maxChannels, (part + 1) * maxChannels);
        pages.push({ ids: new Set(chunk.flatMap((id) => followSet(topology, id))), heads: [`${head.label} (${part + 1}/${parts})`], channels: chunk.length });
      }
    }
  }
  return pages.map((p) => ({
    ids: topology.nodes.filter((n) => p.ids.has(n.id)).map((n) => n.id),
    title: p.heads.length <= 4 ? p.heads.join(', ') : `${p.heads.slice(0, 3).join(', ')} and ${p.heads.length - 3} more`,
  }));
}
