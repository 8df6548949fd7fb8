// Number formatting and the level classification every view shares. Pure functions (no DOM), so
// node's test runner checks them (tests/web/format.test.mjs).

const MINUS = '\u2212';

/**
 * A level in dB with one decimal, a typographic minus, '−∞' for digital silence and '—' for no data.
 * @param {number|null|undefined} db
 * @param {number} [digits]
 * @returns {string}
 */
export function formatDb(db, digits = 1) {
  if (db === null || db === undefined || Number.isNaN(db)) return '\u2014';
  if (db === -Infinity) return `${MINUS}\u221e`;
  if (db === Infinity) return '+\u221e';
  const text = db.toFixed(digits);
  // -0.04 rounds to "-0.0": show it as 0.0.
  if (Number(text) === 0) return (0).toFixed(digits);
  return text.startsWith('-') ? MINUS + text.slice(1) : text;
}

/**
 * A gain or distance with an explicit sign: '+4.9', '−6.2', '0.0'.
 * @param {number|null|undefined} db
 * @returns {string}
 */
export function formatGainDb(db) {
  const text = formatDb(db);
  if (db === null || db === undefined || !Number.isFinite(db) || Number(db.toFixed(1)) <= 0) return text;
  return `+${text}`;
}

/** Parses what formatDb wrote (tests read the page's text back). @param {string} text */
export function parseDb(text) {
  const t = text.trim().replace(MINUS, '-');
  if (t === '-\u221e') return -Infinity;
  const v = Number.parseFloat(t);
  return Number.isFinite(v) ? v : NaN;
}

/**
 * Where a tap stands against its target (DESIGN.md §4). `clipping` wins, then `hot`; `quiet` is
 * live signal below the average range; `silent` is digital silence or below the floor; `nodata`
 * is not connected or not yet measured; `open` is a signal at a tap the guide sets no target for.
 * @typedef {'nodata'|'silent'|'quiet'|'in-range'|'hot'|'clipping'|'open'} LevelState
 */

/** Below this an RMS reading counts as no signal (the engine's activity gate is similar). */
export const SILENCE_FLOOR_DBFS = -70;

/**
 * @param {{average_min_dbfs?: number|null, average_max_dbfs?: number|null, peak_max_dbtp?: number|null}|null} target
 * @param {number} rmsDb live RMS of the loudest channel (NaN: no data, -Infinity: silence)
 * @param {number} peakDb live true peak of the loudest channel
 * @param {boolean} clipping a clip event in the last moments
 * @returns {LevelState}
 */
export function classifyLevel(target, rmsDb, peakDb, clipping) {
  if (clipping) return 'clipping';
  if (Number.isNaN(rmsDb)) return 'nodata';
  if (!(rmsDb > SILENCE_FLOOR_DBFS)) return 'silent';
  if (!target) return 'open';
  // The average is judged as the number next to it shows it (formatDb, 0.1 dB): a tap reading
  // -18.0 against a -18 dBFS floor is in range, never "quiet" because it was -18.04.
  const shown = Math.round(rmsDb * 10) / 10;
  const peakMax = target.peak_max_dbtp;
  const avgMax = target.average_max_dbfs;
  const avgMin = target.average_min_dbfs;
  if ((typeof peakMax === 'number' && peakDb > peakMax) || (typeof avgMax === 'number' && shown > avgMax)) return 'hot';
  if (typeof avgMin === 'number' && shown < avgMin) return 'quiet';
  return 'in-range';
}

/** People's names for the states (legends, screen readers). */
export const STATE_NAMES = Object.freeze({
  nodata: 'no data',
  silent: 'silent',
  quiet: 'quiet',
  'in-range': 'in range',
  hot: 'hot',
  clipping: 'clipping',
  open: 'signal (no target)',
});

/** People's names for tap stages. @param {string} stage */
export function stageName(stage) {
  if (stage.startsWith('insert:')) return `insert ${Number(stage.slice(7)) + 1} in`;
  return (
    {
      input: 'input',
      pre_insert: 'pre-insert',
      post_insert: 'post-insert',
      post_fader: 'post-fader',
      output: 'output',
      summed_members: 'members sum',
    }[stage] ?? stage
  );
}
