// The desktop view: the full diagram with zoom and pan, and the selected node's detail.

/** @type {import('./view.js').ViewConfig} */
export const desktopView = { name: 'desktop', rateHz: 60, compact: false, interactive: true, zoom: true, follow: true, liveRegionMs: 5000 };
