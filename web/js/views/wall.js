// The wall view: the whole studio on one screen, no interaction, the screen kept awake.

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
