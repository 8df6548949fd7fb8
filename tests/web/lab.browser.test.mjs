// The lab overview page (web/lab.html) in Debian's headless Chromium against a real `headroom hub`:
// a private Mosquitto on a free loopback port, one private `jackd -d dummy`, two real rooms
// (`headroom serve --mqtt` fed by `headroom generate`: room1 a calibrated -18 dBFS sine, room2 a
// -3 dBFS sine that records too hot) and the hub (tests/web/harness.mjs; the same set-up as
// tests/integration/lab_test.py). Run by CTest as web_lab_browser:
//   node --test tests/web/lab.browser.test.mjs
// with HEADROOM_BIN, HEADROOM_WORKDIR and HEADROOM_ARTIFACTS (lab-overview.png is kept there).
// Skips (77) when jackd, mosquitto, Chromium or playwright-core is missing.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CHROMIUM, Harness, loadPlaywright, log, SKIP, waitFor } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const headroom = process.env.HEADROOM_BIN ?? join(root, 'build', 'server', 'headroom');
const workdir = process.env.HEADROOM_WORKDIR ?? join(root, 'build', 'web-lab-browser-test');
const artifacts = process.env.HEADROOM_ARTIFACTS ?? join(workdir, 'screenshots');
const CONTROL_TOKEN = 'teach-4d1e8a';

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p))
  ?? (spawnSync('sh', ['-c', 'command -v mosquitto']).stdout?.toString().trim() || null);
if (!MOSQUITTO) {
  log('mosquitto not installed (apt-get install mosquitto): skipping');
  process.exit(SKIP);
}
const { chromium } = await loadPlaywright();

/** @param {string} client */
const roomSession = (client) => ({
  name: `lab room ${client}`,
  room: 'lab',
  reference: { zero_vu_dbfs: -18, rms: 'aes17' },
  channels: [{ id: 'vox', bus: 'master', taps: { input: [`${client}:a`], pre_insert: [`${client}:a`], post_fader: [`${client}:a`] } }],
  master: { channels: 1 },
});
const ROOMS = { room1: 'a:sine:1000:-18', room2: 'a:sine:1000:-3' };

/** @type {Harness} */ let h;
/** @type {any} */ let browser;
/** @type {Record<string, any>} */ const serves = {};
let brokerUrl = '';
let hubUrl = '';

/** A free loopback port (Mosquitto cannot listen on port 0 and report it). */
function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => ok(address.port));
    });
  });
}

/** @param {number} port */
function connectable(port) {
  return new Promise((ok) => {
    const c = createConnection({ host: '127.0.0.1', port }, () => { c.destroy(); ok(true); });
    c.once('error', () => ok(false));
  });
}

/** @param {{child: any, output: () => string, name: string}} p */
function listeningUrl(p) {
  return waitFor(() => {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}:\n${p.output()}`);
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(p.output());
    return m ? m[1] : null;
  }, 20000, `${p.name} to listen`);
}

/** @param {string} room */
async function startRoom(room) {
  const session = join(workdir, `${room}.json`);
  writeFileSync(session, JSON.stringify(roomSession(`gen-${room}`)));
  const p = h.start(`serve-${room}`, [headroom, 'serve', '--session', session, '--jack-server', h.server,
    '--client-name', `headroom-${room}`, '--listen', '127.0.0.1:0', '--web-root', join(root, 'web'),
    '--mqtt', brokerUrl, '--site', 'lab', '--room', room]);
  await listeningUrl(p);
  serves[room] = p;
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  h = new Harness('lab', workdir, headroom);
  const port = await freePort();
  const conf = join(workdir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  h.start('mosquitto', [MOSQUITTO, '-c', conf]);
  await waitFor(() => connectable(port), 10000, 'mosquitto to listen');
  brokerUrl = `mqtt://127.0.0.1:${port}`;
  await h.startJackd(48000, 256);
  for (const [room, signal] of Object.entries(ROOMS)) {
    h.startGenerator(`gen-${room}`, [signal]);
    await startRoom(room);
  }
  const hub = h.start('hub', [headroom, 'hub', '--mqtt', brokerUrl, '--listen', '127.0.0.1:0', '--web-root', join(root, 'web'),
    '--control-token', CONTROL_TOKEN]);
  hubUrl = await listeningUrl(hub);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  log(`chromium ${browser.version()}, hub ${hubUrl}, broker ${brokerUrl}`);
});

after(async () => {
  await browser?.close();
  await h?.close();
});

/** The overview page, its console errors collected. @param {string} [fragment] */
async function open(fragment = '') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (/** @type {Error} */ e) => errors.push(e.message));
  page.on('console', (/** @type {any} */ m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${hubUrl}/${fragment}`);
  await page.waitForFunction(() => document.querySelector('#link')?.getAttribute('data-state') === 'live', null, { timeout: 20000 });
  return { page, context, errors };
}

/** The keys of the tiles shown, in order. @param {any} page */
function shownKeys(page) {
  return page.evaluate(() => [...document.querySelectorAll('#rooms li.room')].map((li) => li.getAttribute('data-key')));
}

/** @param {any} page @param {string[]} want @param {string} what */
async function expectShown(page, want, what) {
  await waitFor(async () => JSON.stringify(await shownKeys(page)) === JSON.stringify(want), 10000, what).catch(async (e) => {
    throw new Error(`${e.message}: shown ${JSON.stringify(await shownKeys(page))}`);
  });
}

/** @param {any} page @param {string} key @param {boolean} live */
function waitTile(page, key, live, timeout = 30000) {
  return page.waitForSelector(`#rooms li.room[data-key="${key}"][data-live="${live}"]`, { timeout });
}

test('a live tile per room with its figures and worst advisory; sort and filter', async () => {
  const { page, context, errors } = await open();
  await waitTile(page, 'lab/room1', true);
  await waitTile(page, 'lab/room2', true);
  assert.equal(await page.textContent('#role'), 'viewer');
  // Live figures from the rooms' summaries: numbers, not dashes; room2's -3 dBFS sine leaves ~3 dB.
  await waitFor(async () => /\d/.test(await page.textContent('li[data-key="lab/room1"] .short-term') ?? ''), 15000, 'room1 short-term');
  const headroomOf = async (/** @type {string} */ key) => Number.parseFloat(await page.textContent(`li[data-key="${key}"] .headroom`) ?? '');
  await waitFor(async () => (await headroomOf('lab/room2')) < 4 && (await headroomOf('lab/room1')) > 10, 15000, 'headroom readings');
  assert.equal(await page.textContent('li[data-key="lab/room1"] .state'), 'live');
  // room2 records too hot (ADVISOR.md recording_too_hot: peaks over -6 dBFS): its worst advisory.
  await page.waitForSelector('li[data-key="lab/room2"][data-worst="warning"], li[data-key="lab/room2"][data-worst="critical"]', { timeout: 20000 });
  assert.match(await page.textContent('li[data-key="lab/room2"] .advisory') ?? '', /too hot/i);
  const room1Worst = await page.getAttribute('li[data-key="lab/room1"]', 'data-worst');
  assert.ok(room1Worst === 'none' || room1Worst === 'info', `room1 worst advisory ${room1Worst}`);
  assert.match(await page.textContent('#counts') ?? '', /2 rooms · 2 live/);

  // Sort: by name room1 first; by least headroom or worst advisory, the hot room2 first.
  await expectShown(page, ['lab/room1', 'lab/room2'], 'sorted by name');
  await page.selectOption('#sort', 'headroom');
  await expectShown(page, ['lab/room2', 'lab/room1'], 'sorted by least headroom');
  await page.selectOption('#sort', 'severity');
  await expectShown(page, ['lab/room2', 'lab/room1'], 'sorted by worst advisory');
  await page.selectOption('#sort', 'name');
  await expectShown(page, ['lab/room1', 'lab/room2'], 'sorted by name again');
  // Filter: by name, by state, with advisories.
  await page.fill('#filter-text', 'room2');
  await expectShown(page, ['lab/room2'], 'filtered by name');
  await page.fill('#filter-text', '');
  await page.selectOption('#filter-state', 'problems');
  await expectShown(page, ['lab/room2'], 'rooms with advisories');
  await page.selectOption('#filter-state', 'offline');
  await expectShown(page, [], 'no room offline');
  await page.selectOption('#filter-state', 'all');
  await expectShown(page, ['lab/room1', 'lab/room2'], 'all rooms');

  // Viewer: no exercise controls.
  assert.equal(await page.isVisible('#control'), false);
  for (const id of ['#start', '#stop', '#reset']) assert.equal(await page.isVisible(id), false, `${id} hidden for a viewer`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the control token shows the exercise controls, and Start reaches every room', async () => {
  const { page, context, errors } = await open(`#token=${CONTROL_TOKEN}`);
  await waitTile(page, 'lab/room1', true);
  await waitTile(page, 'lab/room2', true);
  assert.equal(await page.textContent('#role'), 'control');
  assert.ok(!page.url().includes(CONTROL_TOKEN), `token left the address bar: ${page.url()}`);
  for (const id of ['#control', '#start', '#stop', '#reset']) assert.equal(await page.isVisible(id), true, `${id} shown`);
  await page.selectOption('#exercise', '1');
  await page.click('#start');
  await page.waitForFunction(() => /sent to 2 room/.test(document.querySelector('#control-status')?.textContent ?? ''), null, { timeout: 10000 });
  // The rooms run it: their summaries carry the exercise, the tiles show it.
  await waitFor(async () => /Ex 1/.test(await page.textContent('li[data-key="lab/room1"] .exercise') ?? ''), 15000, 'room1 running exercise 1');
  await page.waitForTimeout(1500); // a few summaries: progress bars and messages filled in
  await page.screenshot({ path: join(artifacts, 'lab-overview.png') });
  await page.click('#stop');
  await waitFor(async () => /stopped|failed|passed/.test(await page.textContent('li[data-key="lab/room2"] .exercise') ?? ''), 15000, 'room2 stopped');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a room killed without a goodbye shows offline (last will), the other stays live', async () => {
  const { page, context } = await open();
  await waitTile(page, 'lab/room1', true);
  serves.room1.child.kill('SIGKILL');
  const killedAt = Date.now();
  await waitTile(page, 'lab/room1', false, 10000);
  log(`room1 offline on the page ${Date.now() - killedAt} ms after SIGKILL`);
  assert.equal(await page.textContent('li[data-key="lab/room1"] .state'), 'offline');
  assert.equal(await page.getAttribute('li[data-key="lab/room2"]', 'data-live'), 'true');
  assert.match(await page.textContent('#counts') ?? '', /2 rooms · 1 live/);
  await page.selectOption('#filter-state', 'offline');
  await expectShown(page, ['lab/room1'], 'the offline room');
  await page.selectOption('#filter-state', 'live');
  await expectShown(page, ['lab/room2'], 'the live room');
  await page.screenshot({ path: join(artifacts, 'lab-overview-offline.png') });
  // Back: a new serve for room1 (its generator kept running) turns the tile live again.
  await page.selectOption('#filter-state', 'all');
  await startRoom('room1');
  await waitTile(page, 'lab/room1', true);
  await context.close();
});
