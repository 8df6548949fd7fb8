// What distinguishes the three views (docs/DASHBOARD.md "Views"). The dashboard reads these
// settings; each view module adds only what is its own (wake lock, follow picker, zoom).

/**
 * @typedef {Object} ViewConfig
 * @property {'wall'|'tablet'|'desktop'} name
 * @property {number} rateHz meter frames per second asked of the server
 * @property {boolean} compact larger type relative to the boxes, shorter labels
 * @property {boolean} interactive selection and detail
 * @property {boolean} zoom wheel/drag/pinch zoom and pan
 * @property {boolean} follow a node picker that narrows the diagram and the subscription
 * @property {number} liveRegionMs how often screen readers may hear the readings
 */

/**
 * Picks the view: `?view=` wins; else a coarse pointer on a screen narrower than 1400 px is a tablet.
 * @param {string|null} requested
 * @returns {'wall'|'tablet'|'desktop'}
 */
export function chooseViewName(requested) {
  if (requested === 'wall' || requested === 'tablet' || requested === 'desktop') return requested;
  const coarse = typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
  return coarse && Math.min(screen.width, screen.height) < 1400 ? 'tablet' : 'desktop';
}

/**
 * The meter rate for a view: `?rate=` (60/30/15/10) wins; a tablet on a slow or data-saving link
 * asks for 15 Hz.
 * @param {'wall'|'tablet'|'desktop'} name @param {string|null} requested
 */
export function chooseRateHz(name, requested) {
  const r = Number(requested);
  if ([60, 30, 15, 10].includes(r)) return r;
  if (name === 'tablet') {
    const c = /** @type {any} */ (navigator).connection;
    if (c && (c.saveData || ['slow-2g', '2g', '3g'].includes(c.effectiveType))) return 15;
    return 30;
  }
  return name === 'wall' ? 30 : 60;
}
