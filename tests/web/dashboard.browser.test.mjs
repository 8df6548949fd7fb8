// The dashboard in Debian's headless Chromium against a real `headroom serve` fed by a private
// `jackd -d dummy` and `headroom generate` (tests/web/harness.mjs). Run by CTest as web_browser:
//   node --test tests/web/dashboard.browser.test.mjs
// with HEADROOM_BIN (the headroom executable), HEADROOM_WORKDIR (scratch) and HEADROOM_ARTIFACTS
// (where the screenshots are kept). Skips (77) when jackd, Chromium or playwright-core is missing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CHROMIUM, feedFromGenerator, Harness, loadPlaywright, log, waitFor } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const headroom = process.env.HEADROOM_BIN ?? join(root, 'build', 'server', 'headroom');
const workdir = process.env.HEADROOM_WORKDIR ?? join(root, 'build', 'web-browser-test');
const artifacts = process.env.HEADROOM_ARTIFACTS ?? join(workdir, 'screenshots');
const CONTROL_TOKEN = 'ctl-7f3a9c2e5b';
const MINUS = '\u2212';

const { chromium } = await loadPlaywright();

// A -18 dBFS sine at every tap of "vox" and "gtr" and at the "music" bus output; "hot" plays a
// +3 dBFS sine into its input tap (clips: runs of ~12 samples over full scale per cycle).
const SESSION = {
  name: 'Dashboard browser test',
  room: 'CI',
  reference: { zero_vu_dbfs: -18, rms: 'aes17' },
  channels: [
    {
      id: 'vox', label: 'Vox', bus: 'music',
      inserts: [{ name: 'EQ', kind: 'eq' }, { name: 'Comp', kind: 'compressor' }],
      taps: { input: ['gen:a'], pre_insert: ['gen:a'], post_insert: ['gen:a'], post_fader: ['gen:a'] },
    },
    { id: 'gtr', label: 'Guitar', bus: 'music', taps: { input: ['gen:b'], post_fader: ['gen:b'] } },
    { id: 'hot', label: 'Hot synth', bus: 'master', taps: { input: ['gen:clip'], post_fader: ['gen:quiet'] } },
  ],
  buses: [{ id: 'music', label: 'Music', channels: 1, to: 'master', taps: { post_fader: ['gen:c'] } }],
  master: { channels: 1 },
};
const GENERATOR = ['a:sine:1000:-18', 'b:sine:1000:-18', 'c:sine:1000:-18', 'clip:sine:1000:3', 'quiet:sine:1000:-40'];
/** (node, stage) pairs that must read -18.0 */
const AT_MINUS_18 = [['vox', 'input'], ['vox', 'pre_insert'], ['vox', 'post_insert'], ['vox', 'post_fader'],
  ['gtr', 'input'], ['gtr', 'post_fader'], ['music', 'post_fader']];

/** @type {Harness} */ let h;
/** @type {any} */ let serve;
/** @type {any} */ let browser;
let port = '';

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  h = new Harness('browser', workdir, headroom);
  await h.startJackd(48000, 256);
  h.startGenerator('gen', GENERATOR);
  serve = await h.startServe('serve', h.writeSession('session.json', SESSION), join(root, 'web'), { controlToken: CONTROL_TOKEN });
  port = new URL(serve.url).port;
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  log(`chromium ${browser.version()}, server ${serve.url}`);
});

after(async () => {
  await browser?.close();
  await h?.close();
});

/** A page on the dashboard, its console errors collected. @param {string} path @param {any} [options] */
async function open(path, options = { viewport: { width: 1440, height: 900 } }) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (/** @type {Error} */ e) => errors.push(e.message));
  page.on('console', (/** @type {any} */ m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`http://127.0.0.1:${port}${path}`);
  await waitLive(page);
  return { page, context, errors };
}

/** @param {any} page */
async function waitLive(page, timeoutMs = 20000) {
  await page.waitForFunction(() => document.querySelector('#link')?.getAttribute('data-state') === 'live', null, { timeout: timeoutMs });
}

/**
 * The number shown at (node, stage) taps: the text the meter canvas last painted there, which the
 * tap's group also carries as data-reading (the wall test checks the painted pixels).
 * @param {any} page @param {string[][]} pairs
 */
function readings(page, pairs) {
  return page.evaluate((/** @type {string[][]} */ list) => list.map(([node, stage]) => {
    const g = /** @type {SVGGElement|null} */ (document.querySelector(`#diagram g.tap[data-node="${node}"][data-stage="${stage}"]`));
    const painted = /** @type {any} */ (window).headroomDashboard.meters?.readings.find((/** @type {any} */ r) => r.tap === Number(g?.dataset.tap));
    return g?.dataset.reading === painted?.text ? painted?.text ?? null : `${g?.dataset.reading} (painted ${painted?.text})`;
  }), pairs);
}

test('the diagram has a node for every tap and every node of the session', async () => {
  const { page, context, errors } = await open('/?view=desktop');
  const snapshot = await (await fetch(`${serve.url}/api/v1/snapshot`)).json();
  const snapshotTaps = snapshot.nodes.flatMap((/** @type {any} */ n) => n.taps.map((/** @type {any} */ t) => t.tap)).sort((/** @type {number} */ a, /** @type {number} */ b) => a - b);
  const dom = await page.evaluate(() => ({
    taps: [...document.querySelectorAll('#diagram g.tap[data-tap]')].map((g) => Number(g.getAttribute('data-tap'))),
    nodes: [...document.querySelectorAll('#diagram g.node[data-node]')].map((g) => g.getAttribute('data-node')),
    virtualBuses: [...document.querySelectorAll('#diagram g.node.virtual')].map((g) => g.getAttribute('data-node')),
  }));
  assert.ok(snapshotTaps.length >= 10, `snapshot taps ${snapshotTaps}`);
  assert.deepEqual([...dom.taps].sort((a, b) => a - b), snapshotTaps);
  assert.deepEqual([...dom.nodes].sort(), snapshot.nodes.map((/** @type {any} */ n) => n.id).sort());
  // "music" and the master have untapped inputs: Headroom computes them, the diagram says so.
  assert.ok(dom.virtualBuses.includes('music') && dom.virtualBuses.includes('master'), `virtual: ${dom.virtualBuses}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a -18 dBFS sine shows -18.0 at its taps, and the wire is in range at the input', async () => {
  const { page, context } = await open('/?view=desktop');
  const want = AT_MINUS_18.map(() => `${MINUS}18.0`);
  await waitFor(async () => JSON.stringify(await readings(page, AT_MINUS_18)) === JSON.stringify(want), 20000,
    'every -18 dBFS tap to read -18.0').catch(async (e) => {
    throw new Error(`${e.message}: read ${JSON.stringify(await readings(page, AT_MINUS_18))}`);
  });
  // Input target: average -18 to -12 dBFS (DESIGN.md §4): -18.0 is in range.
  const state = await page.getAttribute('#diagram [data-node="vox"][data-stage="input"]', 'class');
  assert.match(state ?? '', /state-in-range/);
  // The master panel reads the computed mix: a number, not a dash.
  await waitFor(async () => /\d/.test(await page.textContent('[data-reading="short-term"]') ?? ''), 10000, 'master short-term');
  await page.screenshot({ path: join(artifacts, 'desktop-1440x900.png') });
  await context.close();
});

test('a clipping signal lights the clip latch, the wire and the advisory', async (t) => {
  const { page, context } = await open('/?view=desktop');
  const tap = '#diagram [data-node="hot"][data-stage="input"]';
  await page.waitForSelector(`${tap}[data-clip="latched"].state-clipping`, { timeout: 15000 });
  // The latch is drawn on the meter canvas: sample its pixels where the layout put it.
  const latch = await page.evaluate(() => {
    const d = /** @type {any} */ (window).headroomDashboard;
    const tapIndex = d.topology.taps.findIndex((/** @type {any} */ x) => x.node === 'hot' && x.stage === 'input');
    const channel = d.topology.taps[tapIndex].first_channel;
    const bar = d.meters.bars.find((/** @type {any} */ b) => b.channel === channel);
    const m = d.meters;
    const s = m.view.scale * m.dpr;
    const x1 = Math.round((bar.x + bar.w) * s + m.view.x * m.dpr);
    const y = Math.round((bar.y + bar.h / 2) * s + m.view.y * m.dpr);
    const px = m.canvas.getContext('2d').getImageData(x1 - 2, y, 1, 1).data;
    return { r: px[0], g: px[1], b: px[2], a: px[3] };
  });
  assert.ok(latch.r > 200 && latch.g < 90 && latch.b < 90 && latch.a > 200, `clip latch pixel ${JSON.stringify(latch)}`);
  assert.equal(await page.getAttribute(tap, 'data-reading'), '3.0');
  await t.test('the clipping advisory is listed and pinned to the node', async () => {
    await page.waitForSelector('#advisory-list li[data-rule="clipping"][data-node="hot"]', { timeout: 20000 });
    const fix = await page.textContent('#advisory-list li[data-rule="clipping"][data-node="hot"] dd:last-of-type');
    assert.ok(fix && fix.length > 5, `fix text: ${fix}`);
    assert.equal(await page.getAttribute('#diagram [data-badge="hot"]', 'visibility'), 'visible');
  });
  await context.close();
});

test('control actions are refused without the control token and offered with it', async () => {
  const viewer = await open('/?view=desktop');
  assert.equal(await viewer.page.textContent('#role'), 'viewer');
  assert.equal(await viewer.page.isVisible('#reset-peaks'), false);
  assert.equal(await viewer.page.isVisible('#reset-loudness'), false);
  const refused = await viewer.page.evaluate(() => /** @type {any} */ (window).headroomDashboard.connection.command('reset_peaks').then(
    () => 'accepted', (/** @type {any} */ e) => e.code));
  assert.equal(refused, 'forbidden');
  await viewer.context.close();

  // The token arrives in the fragment (never sent to the server), moves to sessionStorage and
  // leaves the address bar at once.
  const control = await open(`/?view=desktop#token=${CONTROL_TOKEN}`);
  const { href, stored } = await control.page.evaluate(() => ({ href: location.href, stored: sessionStorage.getItem('headroom.token') }));
  assert.ok(!href.includes(CONTROL_TOKEN), href);
  assert.equal(stored, CONTROL_TOKEN);
  assert.equal(await control.page.textContent('#role'), 'control');
  assert.equal(await control.page.isVisible('#reset-peaks'), true);
  await control.page.click('#reset-peaks');
  await control.page.waitForFunction(() => /done/.test(document.querySelector('#command-result')?.textContent ?? ''), null, { timeout: 10000 });
  await control.page.click('#reset-loudness');
  await control.page.waitForFunction(() => /reset integrated loudness: done/.test(document.querySelector('#command-result')?.textContent ?? ''), null, { timeout: 10000 });
  await control.context.close();
});

test('the page reconnects after the server restarts and says so meanwhile', async () => {
  const { page, context } = await open('/?view=desktop');
  await h.stop(serve.child, 10000);
  await page.waitForFunction(() => document.querySelector('#link')?.getAttribute('data-state') === 'reconnecting', null, { timeout: 10000 });
  assert.match(await page.textContent('#link') ?? '', /reconnecting \(attempt \d+, next in [0-9.]+ s\)/);
  assert.ok(await page.evaluate(() => document.body.classList.contains('stale')), 'meters greyed while disconnected');
  serve = await h.startServe('serve-restarted', join(workdir, 'session.json'), join(root, 'web'),
    { controlToken: CONTROL_TOKEN, listen: `127.0.0.1:${port}`, clientName: 'serve2' });
  await waitLive(page, 30000);
  assert.ok(await page.evaluate(() => /** @type {any} */ (window).headroomDashboard.connection.hellos) >= 2);
  await waitFor(async () => (await readings(page, [['vox', 'input']]))[0] === `${MINUS}18.0`, 20000, 'readings after the restart');
  await context.close();
});

test('an edited session taken up on SIGHUP: the page says so and draws the new channel', async () => {
  const { page, context } = await open('/?view=desktop');
  await waitLive(page);
  await page.evaluate(() => {
    const w = /** @type {any} */ (window);
    const pill = /** @type {HTMLElement} */ (document.querySelector('#link'));
    w.linkTexts = [];
    new MutationObserver(() => w.linkTexts.push(pill.textContent)).observe(pill, { childList: true, characterData: true, subtree: true });
  });
  const keys = { id: 'keys', label: 'Keys', bus: 'music', taps: { input: ['gen:b'], post_fader: ['gen:b'] } };
  h.writeSession('session.json', { ...SESSION, channels: [...SESSION.channels, keys] });
  serve.child.kill('SIGHUP');
  await waitFor(async () => (await readings(page, [['keys', 'input']]))[0] === `${MINUS}18.0`, 30000, 'the new channel after the reload');
  const texts = await page.evaluate(() => /** @type {any} */ (window).linkTexts);
  assert.ok(texts.some((/** @type {string} */ t) => /^session reloading: reconnecting/.test(t)), `pill said: ${texts.join(' | ')}`);
  // Back to the session the other tests expect.
  h.writeSession('session.json', SESSION);
  serve.child.kill('SIGHUP');
  await waitFor(async () => (await readings(page, [['keys', 'input']]))[0] === null, 30000, 'the channel gone again');
  await waitLive(page, 30000);
  await context.close();
});

test('tablet portrait: touch targets of 44 px, follow a bus', async () => {
  const { page, context } = await open('/?view=tablet&follow=music', {
    viewport: { width: 820, height: 1180 }, hasTouch: true, isMobile: true, deviceScaleFactor: 1,
  });
  await waitFor(async () => (await readings(page, [['vox', 'input']]))[0] === `${MINUS}18.0`, 20000, 'tablet readings');
  // Following "music": its members and the master, not the "hot" channel.
  assert.equal(await page.locator('#diagram [data-node="hot"]').count(), 0);
  const small = await page.evaluate(() => [...document.querySelectorAll('button, select, summary')]
    .filter((el) => /** @type {HTMLElement} */ (el).offsetParent !== null)
    .map((el) => ({ id: el.id || el.textContent, r: el.getBoundingClientRect() }))
    .filter(({ r }) => r.width < 44 || r.height < 44).map(({ id, r }) => `${id}: ${r.width}x${r.height}`));
  assert.deepEqual(small, []);
  // Upright: the diagram flows top to bottom, and its numbers are big enough to read in the hand.
  const upright = await page.evaluate(() => {
    const d = /** @type {any} */ (window).headroomDashboard;
    return { vertical: Boolean(d.layout.vertical), typePx: d.meters.readingFontCssPx() };
  });
  assert.equal(upright.vertical, true);
  assert.ok(upright.typePx >= 12, `numbers in ${upright.typePx} px type`);
  // Selecting a node asks the server for its per-tap statistics (stats_taps): the detail fills in.
  await page.tap('#diagram [data-node="vox"][data-stage="input"]');
  await waitFor(async () => /\d/.test(await page.textContent('#detail table tr[data-tap] td:nth-child(2)') ?? ''), 5000, 'the detail\'s figures');
  await page.screenshot({ path: join(artifacts, 'tablet-portrait-820x1180.png') });
  // Turned to landscape: laid out again left to right, still live.
  await page.setViewportSize({ width: 1180, height: 820 });
  await waitFor(async () => page.evaluate(() => !(/** @type {any} */ (window).headroomDashboard.layout.vertical)), 5000, 'the landscape layout');
  await waitFor(async () => (await readings(page, [['vox', 'input']]))[0] === `${MINUS}18.0`, 5000, 'readings after turning');
  await context.close();
});

test('wall: a 32-input session on one screen at 1920x1080 and 3840x2160, no scrolling', async () => {
  const base = JSON.parse(readFileSync(join(root, 'deploy', 'sessions', 'tracking-room-32.json'), 'utf8'));
  const { session, ports } = feedFromGenerator(base, 'wallgen', (i) => `sine:${200 + 37 * i}:${-30 + (i % 7) * 3}`);
  h.startGenerator('wallgen', ports);
  const wall = await h.startServe('serve-wall', h.writeSession('wall.json', session), join(root, 'web'), { clientName: 'wall' });
  const inputs = session.channels.reduce((/** @type {number} */ n, /** @type {any} */ c) => n + (c.channels ?? 1), 0);
  assert.ok(inputs >= 32, `${inputs} inputs`);
  for (const [w, hgt] of [[1920, 1080], [3840, 2160]]) {
    const context = await browser.newContext({ viewport: { width: w, height: hgt } });
    const page = await context.newPage();
    await page.goto(`${wall.url}/?view=wall`);
    await waitLive(page);
    await page.waitForTimeout(2500);
    const fit = await page.evaluate(() => {
      const taps = [...document.querySelectorAll('#diagram g.tap')].map((g) => g.getBoundingClientRect());
      const stage = /** @type {HTMLElement} */ (document.querySelector('#stage')).getBoundingClientRect();
      // A tap's number is painted on the meter canvas: its type size, and the height of the ink
      // actually painted in its rectangle (digits are ~0.7 of the type size).
      const m = /** @type {any} */ (window).headroomDashboard.meters;
      const shown = m.readings.find((/** @type {any} */ r) => /\d/.test(r.text));
      let inkRows = 0;
      if (shown) {
        const rect = m.readingRectPx(shown.tap);
        const px = m.canvas.getContext('2d').getImageData(rect.x, rect.y, rect.w, rect.h).data;
        for (let y = 0; y < rect.h; y++) {
          let ink = false;
          for (let x = 0; x < rect.w && !ink; x++) ink = px[(y * rect.w + x) * 4 + 3] > 128;
          if (ink) inkRows++;
        }
      }
      return {
        scrolls: document.documentElement.scrollHeight > innerHeight || document.documentElement.scrollWidth > innerWidth,
        outside: taps.filter((r) => r.left < stage.left - 1 || r.right > stage.right + 1 || r.top < stage.top - 1 || r.bottom > stage.bottom + 1).length,
        taps: taps.length,
        readingPx: m.readingFontCssPx(),
        inkPx: inkRows / m.dpr,
        numbers: m.readings.filter((/** @type {any} */ r) => /\d/.test(r.text)).length,
      };
    });
    log(`wall ${w}x${hgt}: ${JSON.stringify(fit)}`);
    assert.equal(fit.scrolls, false);
    assert.equal(fit.outside, 0);
    assert.ok(fit.taps >= 32, `${fit.taps} taps`);
    assert.ok(fit.numbers >= 32, `${fit.numbers} live numbers`);
    assert.ok(fit.readingPx >= 10 * (w / 1920), `reading type ${fit.readingPx} px`);
    assert.ok(fit.inkPx >= 0.6 * fit.readingPx, `the number painted is ${fit.inkPx} px high in ${fit.readingPx} px type`);
    await page.screenshot({ path: join(artifacts, `wall-${w}x${hgt}.png`) });
    await context.close();
  }
  log(`screenshots in ${artifacts}`);
});

test('wall: a 48-channel session too big for one screen turns pages of whole buses with readable numbers', async () => {
  const channels = Array.from({ length: 48 }, (_, i) => ({ id: `ch${i}`, bus: `bus${Math.floor(i / 12)}`, taps: { input: ['pg:a'], post_fader: ['pg:a'] } }));
  const buses = Array.from({ length: 4 }, (_, b) => ({ id: `bus${b}`, label: `Bus ${b}`, channels: 1, to: 'master', taps: { post_fader: ['pg:a'] } }));
  h.startGenerator('pg', ['a:sine:1000:-18']);
  const paged = await h.startServe('serve-paged', h.writeSession('paged.json', { name: 'Paged wall', room: 'CI', channels, buses, master: { channels: 1 } }),
    join(root, 'web'), { clientName: 'paged' });
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  await page.goto(`${paged.url}/?view=wall&page_seconds=3`);
  await waitLive(page);
  await waitFor(async () => (await readings(page, [['ch0', 'input']]))[0] === `${MINUS}18.0`, 20000, 'page 1 readings');
  const first = await page.evaluate(() => ({
    label: document.querySelector('#wall-page')?.textContent,
    taps: document.querySelectorAll('#diagram g.tap').length,
    typePx: /** @type {any} */ (window).headroomDashboard.meters.readingFontCssPx(),
    last: document.querySelectorAll('#diagram [data-node="ch47"]').length,
  }));
  log(`paged wall, page 1: ${JSON.stringify(first)}`);
  assert.match(first.label ?? '', /^page 1 of 2 \u00b7 Bus 0, Bus 1$/);
  assert.equal(first.last, 0, 'the second page\'s channels are not on the first');
  assert.ok(first.taps < 48 * 2 + 4, `${first.taps} taps on page 1`);
  assert.ok(first.typePx >= 12, `numbers in ${first.typePx} px type`);
  await page.screenshot({ path: join(artifacts, 'wall-paged-1920x1080.png') });
  await waitFor(async () => /^page 2 of 2/.test(await page.textContent('#wall-page') ?? ''), 10000, 'the page to turn');
  await waitFor(async () => (await readings(page, [['ch47', 'input']]))[0] === `${MINUS}18.0`, 10000, 'page 2 readings');
  await context.close();
  await h.stop(paged.child);
});
