// Dashboard benchmark (run by hand, not by CTest): a 64-channel session at 60 Hz meter frames in
// Debian's headless Chromium for 30 s. Reports main-thread time per animation frame (median, p99;
// from a Chrome trace: the renderer main thread's top-level tasks, summed per 16.7 ms vsync
// interval) and dropped animation frames (requestAnimationFrame intervals over 1.5 vsyncs).
//
//   npm ci && node tests/web/dashboard_bench.mjs --headroom build/server/headroom [--seconds 30] [--view wall]
//
// Real pieces only: a private jackd dummy, `headroom generate` playing noise into every tap (so
// every bar moves every frame), `headroom serve`, the dashboard subscribing at 60 Hz.

import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';

import { CHROMIUM, Harness, loadPlaywright, log } from './harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({ options: {
  headroom: { type: 'string', default: join(root, 'build', 'server', 'headroom') },
  seconds: { type: 'string', default: '30' },
  channels: { type: 'string', default: '64' },
  view: { type: 'string', default: 'wall' },
  width: { type: 'string', default: '1920' },
  height: { type: 'string', default: '1080' },
  workdir: { type: 'string', default: '/tmp/headroom-dashboard-bench' },
} });
const seconds = Number(values.seconds);
const numChannels = Number(values.channels);

/** 64 channels over 8 buses; every channel tapped at input, pre-insert, post-insert, post-fader. */
function benchSession() {
  const channels = [];
  const ports = [];
  for (let i = 0; i < numChannels; i++) {
    const id = `ch${i}`;
    ports.push(`${id}:noise:${-34 + (i % 9) * 3}`);
    const p = [`gen:${id}`];
    channels.push({ id, label: `Channel ${i + 1}`, bus: `bus${i % 8}`, inserts: [{ name: 'EQ', kind: 'eq' }, { name: 'Comp', kind: 'compressor' }],
      taps: { input: p, pre_insert: p, post_insert: p, post_fader: p } });
  }
  const buses = Array.from({ length: 8 }, (_, b) => ({ id: `bus${b}`, label: `Bus ${b + 1}`, channels: 1, to: 'master', taps: {} }));
  return { session: { name: `Benchmark ${numChannels} channels`, room: 'Bench', channels, buses, master: { channels: 1 } }, ports };
}

/** @param {number[]} xs @param {number} q */
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
}

const { chromium } = await loadPlaywright();
const h = new Harness('bench', values.workdir, resolve(values.headroom));
try {
  await h.startJackd(48000, 256);
  const { session, ports } = benchSession();
  h.startGenerator('gen', ports);
  const serve = await h.startServe('serve', h.writeSession('bench.json', session), join(root, 'web'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  const page = await browser.newPage({ viewport: { width: Number(values.width), height: Number(values.height) } });
  // pages=off: the whole 64-channel diagram at once, the worst case (a wall would page it, docs/DASHBOARD.md).
  await page.goto(`${serve.url}/?view=${values.view}&rate=60&pages=off`);
  await page.waitForFunction(() => document.querySelector('#link')?.getAttribute('data-state') === 'live', null, { timeout: 30000 });
  await page.waitForTimeout(3000); // let the layout settle and every bar get data
  const taps = await page.evaluate(() => document.querySelectorAll('#diagram g.tap').length);

  await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline.frame'] });
  const rafIntervals = await page.evaluate((ms) => new Promise((done) => {
    /** @type {number[]} */ const stamps = [];
    const d = /** @type {any} */ (window).headroomDashboard;
    const framesBefore = d.store.frames;
    const step = (/** @type {number} */ t) => {
      stamps.push(t);
      if (t - stamps[0] < ms) requestAnimationFrame(step);
      else done({ stamps, meterFrames: d.store.frames - framesBefore });
    };
    requestAnimationFrame(step);
  }), seconds * 1000);
  const trace = JSON.parse((await browser.stopTracing()).toString());
  writeFileSync(join(values.workdir, 'trace.json'), JSON.stringify(trace));

  // Renderer main thread: the CrRendererMain with the most top-level work.
  const events = trace.traceEvents ?? trace;
  /** @type {Map<string, number>} */ const busy = new Map();
  const mains = new Set(events.filter((/** @type {any} */ e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((/** @type {any} */ e) => `${e.pid}:${e.tid}`));
  const tasks = events.filter((/** @type {any} */ e) => e.ph === 'X' && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && mains.has(`${e.pid}:${e.tid}`));
  for (const t of tasks) busy.set(`${t.pid}:${t.tid}`, (busy.get(`${t.pid}:${t.tid}`) ?? 0) + t.dur);
  const main = [...busy.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const mainTasks = tasks.filter((/** @type {any} */ t) => `${t.pid}:${t.tid}` === main).sort((/** @type {any} */ a, /** @type {any} */ b) => a.ts - b.ts);
  const vsyncUs = 1e6 / 60;
  const t0 = mainTasks[0].ts;
  const n = Math.ceil((mainTasks[mainTasks.length - 1].ts + mainTasks[mainTasks.length - 1].dur - t0) / vsyncUs);
  const perFrame = new Float64Array(n);
  for (const t of mainTasks) {
    // Spread a task over the vsync intervals it covers (by index: no floating-point edge loops).
    const s = t.ts - t0;
    const end = s + t.dur;
    const last = Math.min(n - 1, Math.floor(end / vsyncUs));
    for (let i = Math.floor(s / vsyncUs); i <= last; i++) {
      perFrame[i] += Math.max(0, Math.min(end, (i + 1) * vsyncUs) - Math.max(s, i * vsyncUs));
    }
  }
  const frameMs = Array.from(perFrame, (us) => us / 1000);
  const { stamps, meterFrames } = /** @type {{stamps: number[], meterFrames: number}} */ (rafIntervals);
  const intervals = stamps.slice(1).map((t, i) => t - stamps[i]);
  const dropped = intervals.reduce((k, d) => k + Math.max(0, Math.round(d / (1000 / 60)) - 1), 0);
  let longestRun = 0;
  let run = 0;
  for (const d of intervals) { run = d > 1.5 * (1000 / 60) ? run + 1 : 0; longestRun = Math.max(longestRun, run); }
  const result = {
    channels: numChannels, taps, view: values.view, viewport: `${values.width}x${values.height}`, seconds,
    chromium: browser.version(),
    animationFrames: stamps.length, meterFramesReceived: meterFrames, meterFrameRateHz: +(meterFrames / seconds).toFixed(1),
    mainThreadMsPerFrame: { median: +quantile(frameMs, 0.5).toFixed(2), p99: +quantile(frameMs, 0.99).toFixed(2), max: +Math.max(...frameMs).toFixed(2) },
    rafIntervalMs: { median: +quantile(intervals, 0.5).toFixed(2), p99: +quantile(intervals, 0.99).toFixed(2) },
    droppedFrames: dropped, droppedPercent: +((100 * dropped) / (stamps.length + dropped)).toFixed(2), longestDropRun: longestRun,
  };
  console.log(JSON.stringify(result, null, 2));
  await browser.close();
} finally {
  await h.close();
}
