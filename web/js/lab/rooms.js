// The lab overview's model (pure: no DOM, tested under node): the hub's room tiles
// (proto/ROOM_SUMMARY.md, "Hub to browser"), sorted and filtered for display.

/** @type {Readonly<Record<string, number>>} */
const SEVERITY_RANK = Object.freeze({ critical: 3, warning: 2, info: 1 });

/**
 * @typedef {{type: 'room', key: string, site: string, room: string, live: boolean, dashboard: string,
 *   session: string, received: number, summary: any}} Tile
 */

/** @param {Tile} tile @returns {{severity: string, title: string, node: string}|null} */
export function worstAdvisory(tile) {
  const list = tile.summary?.advisories ?? [];
  let worst = null;
  for (const a of list) {
    if (!worst || (SEVERITY_RANK[a.severity] ?? 0) > (SEVERITY_RANK[worst.severity] ?? 0)) worst = a;
  }
  return worst;
}

/** @param {Tile} tile */
function severityRank(tile) {
  const worst = worstAdvisory(tile);
  return worst ? SEVERITY_RANK[worst.severity] ?? 0 : 0;
}

/** @param {Tile} tile */
function headroomOf(tile) {
  const h = tile.summary?.master?.headroom;
  return typeof h === 'number' ? h : Infinity;
}

/**
 * @param {Iterable<Tile>} tiles
 * @param {{sort?: string, state?: string, text?: string}} view
 * @returns {Tile[]}
 */
export function visibleRooms(tiles, view) {
  const text = (view.text ?? '').trim().toLowerCase();
  const out = [...tiles].filter((t) => {
    if (text && !t.key.toLowerCase().includes(text)) return false;
    if (view.state === 'live') return t.live;
    if (view.state === 'offline') return !t.live;
    if (view.state === 'problems') return worstAdvisory(t) !== null;
    return true;
  });
  const byName = (/** @type {Tile} */ a, /** @type {Tile} */ b) => a.key.localeCompare(b.key, undefined, { numeric: true });
  const order = {
    severity: (/** @type {Tile} */ a, /** @type {Tile} */ b) => severityRank(b) - severityRank(a) || byName(a, b),
    progress: (/** @type {Tile} */ a, /** @type {Tile} */ b) =>
      (b.summary?.exercise?.progress ?? 0) - (a.summary?.exercise?.progress ?? 0) || byName(a, b),
    headroom: (/** @type {Tile} */ a, /** @type {Tile} */ b) => headroomOf(a) - headroomOf(b) || byName(a, b),
  }[view.sort ?? 'name'] ?? byName;
  return out.sort(order);
}

/** @param {number|null|undefined} v @param {string} unit */
export function figure(v, unit) {
  return typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(1)} ${unit}` : '—';
}

/** @param {any} exercise @returns {string} */
export function exerciseLine(exercise) {
  if (!exercise || !exercise.n) return 'no exercise';
  /** @type {Record<string, string>} */
  const names = { 1: 'calibrate', 2: 'audit', 3: 'mix pass' };
  return `Ex ${exercise.n} ${names[String(exercise.n)] ?? ''}: ${exercise.state} · score ${Math.round(exercise.score ?? 0)}`;
}
