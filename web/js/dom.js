// DOM writes the dashboard makes at the stats and readings rates.

/**
 * Writes text only when it differs: assigning textContent replaces the text node even when it is
 * the same, and that alone makes the browser lay the page out again (docs/DASHBOARD.md, Benchmark).
 * @param {Element} el @param {string} text
 */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
