// The lab overview page (web/lab.html), served by `headroom hub`: one tile per room, live from the
// hub's WebSocket (/ws, subprotocol headroom.v1 plus headroom.token.<T> when a token is set); the
// control role starts, stops and resets exercises. Reconnects with backoff like the dashboard.
import { takeToken } from '../token.js';
import { BACKOFF_FIRST_MS, BACKOFF_MAX_MS, webSocketUrl } from '../connection.js';
import { exerciseLine, figure, visibleRooms, worstAdvisory } from './rooms.js';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @type {Map<string, any>} */
const tiles = new Map();
/** @type {Set<string>} */
const selected = new Set();
const token = takeToken();
/** @type {WebSocket|null} */
let socket = null;
let backoff = BACKOFF_FIRST_MS;
let renderQueued = false;

function view() {
  return {
    sort: /** @type {HTMLSelectElement} */ ($('sort')).value,
    state: /** @type {HTMLSelectElement} */ ($('filter-state')).value,
    text: /** @type {HTMLInputElement} */ ($('filter-text')).value,
  };
}

/** @param {string} tag @param {Record<string, string>} attrs @param {(Node|string)[]} children */
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** @param {any} tile */
function renderTile(tile) {
  const s = tile.summary ?? {};
  const worst = worstAdvisory(tile);
  const ex = s.exercise ?? {};
  const name = tile.dashboard ? el('a', { href: tile.dashboard, target: '_blank', rel: 'noopener' }, [tile.room]) : tile.room;
  const pick = el('input', { type: 'checkbox', 'aria-label': `select ${tile.key}` });
  /** @type {HTMLInputElement} */ (pick).checked = selected.has(tile.key);
  pick.addEventListener('change', () => {
    if (/** @type {HTMLInputElement} */ (pick).checked) selected.add(tile.key);
    else selected.delete(tile.key);
  });
  const progress = el('progress', { max: '1', value: String(ex.progress ?? 0) });
  return el('li', {
    class: 'room', 'data-key': tile.key, 'data-live': String(tile.live), 'data-worst': worst?.severity ?? 'none',
  }, [
    el('header', {}, [el('h2', {}, [name]), el('span', { class: 'state' }, [tile.live ? 'live' : 'offline'])]),
    el('div', { class: 'site session' }, [`${tile.site}${tile.session ? ` · ${tile.session}` : ''}`]),
    el('div', { class: 'figures' }, [
      el('div', {}, [el('b', { class: 'short-term' }, [figure(s.master?.s, 'LUFS')]), el('span', {}, ['short-term'])]),
      el('div', {}, [el('b', { class: 'true-peak' }, [figure(s.master?.tp, 'dBTP')]), el('span', {}, ['true peak'])]),
      el('div', {}, [el('b', { class: 'headroom' }, [figure(s.master?.headroom, 'dB')]), el('span', {}, ['headroom'])]),
    ]),
    el('div', { class: 'advisory', 'data-severity': worst?.severity ?? 'none' },
      [worst ? `${worst.title} (${worst.node})` : 'no advisories']),
    el('div', { class: 'exercise', 'data-state': ex.state ?? 'idle' }, [exerciseLine(ex)]),
    progress,
    el('div', { class: 'exercise-message session' }, [ex.message ?? '']),
    el('label', { class: 'pick' }, [pick, ' select']),
  ]);
}

function render() {
  renderQueued = false;
  const list = visibleRooms(tiles.values(), view());
  $('rooms').replaceChildren(...list.map(renderTile));
  const live = [...tiles.values()].filter((t) => t.live).length;
  $('counts').textContent = `${tiles.size} rooms · ${live} live`;
}

function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(render);
}

/** @param {string} action */
function sendExercise(action) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return;
  const scope = /** @type {HTMLSelectElement} */ ($('scope')).value;
  const rooms = scope === 'all' ? 'all' : [...selected];
  socket.send(JSON.stringify({
    type: 'exercise', action, exercise: Number(/** @type {HTMLSelectElement} */ ($('exercise')).value), rooms,
  }));
}

function connect() {
  const protocols = ['headroom.v1'];
  if (token) protocols.push(`headroom.token.${token}`);
  const ws = new WebSocket(webSocketUrl(location), protocols);
  socket = ws;
  $('link').dataset.state = 'connecting';
  ws.onopen = () => {
    backoff = BACKOFF_FIRST_MS;
    $('link').dataset.state = 'live';
    $('link').textContent = 'live';
  };
  ws.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.type === 'lab_hello') {
      $('role').textContent = m.role;
      $('control').hidden = m.role !== 'control';
    } else if (m.type === 'rooms') {
      tiles.clear();
      for (const t of m.rooms) tiles.set(t.key, t);
      queueRender();
    } else if (m.type === 'room') {
      tiles.set(m.key, m);
      queueRender();
    } else if (m.type === 'ack') {
      $('control-status').textContent = `sent to ${m.sent} room(s)`;
    } else if (m.type === 'error') {
      $('control-status').textContent = m.message;
    }
  };
  ws.onclose = () => {
    $('link').dataset.state = 'offline';
    $('link').textContent = 'reconnecting…';
    setTimeout(connect, backoff);
    backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
  };
}

for (const id of ['sort', 'filter-state', 'filter-text']) $(id).addEventListener('input', queueRender);
$('start').addEventListener('click', () => sendExercise('start'));
$('stop').addEventListener('click', () => sendExercise('stop'));
$('reset').addEventListener('click', () => sendExercise('reset'));
// The CSV needs the token too: fetched with it, then saved.
$('export').addEventListener('click', async (event) => {
  if (!token) return; // loopback without tokens: the plain link works
  event.preventDefault();
  const response = await fetch('api/v1/results.csv', { headers: { Authorization: `Bearer ${token}` } });
  const link = el('a', { href: URL.createObjectURL(await response.blob()), download: 'headroom-lab-results.csv' });
  /** @type {HTMLAnchorElement} */ (link).click();
});
connect();
