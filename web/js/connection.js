// The WebSocket to `headroom serve`: tokens as a subprotocol (never in the URL), reconnect with
// backoff, the subscription re-sent after every hello, commands answered by ack/error, frames of
// an old topology dropped (PROTOCOL.md §2). It reports what it knows and nothing more: the app
// turns that into the connection pill.

import { decodeMeterFrame, encodeCommand, encodeSubscribe, parseServerMessage, SUBPROTOCOL } from './protocol.js';

/** @typedef {'connecting'|'live'|'reconnecting'|'outdated'} LinkState */

/**
 * @typedef {Object} ConnectionHandlers
 * @property {(hello: Record<string, any>) => void} onHello
 * @property {(topology: import('./layout.js').Topology) => void} onTopology
 * @property {(frame: import('./protocol.js').MeterFrame) => void} onFrame
 * @property {(stats: Record<string, any>) => void} onStats
 * @property {(state: LinkState, detail: {attempt: number, retryInMs: number, closeCode: number|null}) => void} onState
 * @property {(message: Record<string, any>) => void} [onNotice] rate notices and unsolicited errors
 */

/**
 * @typedef {Object} Subscription
 * @property {number} rateHz
 * @property {'all'|string[]} nodes
 * @property {'all'|string[]} statsTaps the nodes whose per-tap statistics `stats` carries
 * @property {boolean} paused
 */

export const BACKOFF_FIRST_MS = 500;
export const BACKOFF_MAX_MS = 10000;

export class Connection {
  /**
   * @param {string} url ws:// or wss:// URL of /ws
   * @param {ConnectionHandlers} handlers
   * @param {{token?: string|null}} [options]
   */
  constructor(url, handlers, options = {}) {
    this.url = url;
    this.handlers = handlers;
    this.token = options.token ?? null;
    /** @type {WebSocket|null} */
    this.socket = null;
    /** @type {LinkState} */
    this.state = 'connecting';
    this.attempt = 0;
    this.topologyVersion = -1;
    /** @type {Subscription} */
    this.subscription = { rateHz: 30, nodes: 'all', statsTaps: 'all', paused: false };
    this.nextId = 1;
    /** @type {Map<number, {resolve: (m: Record<string, any>) => void, reject: (e: Error) => void}>} */
    this.pending = new Map();
    /** @type {ReturnType<typeof setTimeout>|null} */
    this.retryTimer = null;
    this.stopped = false;
    this.framesDropped = 0;
    /** Number of hellos received: a reconnect shows as a second hello. */
    this.hellos = 0;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.close(1000);
  }

  /** @param {string|null} token */
  setToken(token) {
    this.token = token;
    this.reconnectNow();
  }

  reconnectNow() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.socket) {
      const old = this.socket;
      this.socket = null;
      old.onclose = null;
      old.close(1000);
    }
    this.attempt = 0;
    this.open();
  }

  open() {
    const protocols = [SUBPROTOCOL];
    if (this.token) protocols.push(`headroom.token.${this.token}`);
    this.setState(this.hellos > 0 ? 'reconnecting' : 'connecting', null, 0);
    let socket;
    try {
      socket = new WebSocket(this.url, protocols);
    } catch {
      this.scheduleRetry(null); // e.g. a token with characters a subprotocol may not carry
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.topologyVersion = -1;
      for (const { reject } of this.pending.values()) reject(new CommandError('disconnected', 'the connection closed'));
      this.pending.clear();
      if (!this.stopped && this.state !== 'outdated') this.scheduleRetry(event.code);
    };
  }

  /** @param {number|null} closeCode */
  scheduleRetry(closeCode) {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(this.attempt, 10));
    // +-20 % jitter: a room full of tablets does not reconnect in lockstep after a restart.
    const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
    this.attempt++;
    this.setState('reconnecting', closeCode, delay);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  /** @param {LinkState} state @param {number|null} closeCode @param {number} retryInMs */
  setState(state, closeCode, retryInMs) {
    this.state = state;
    this.handlers.onState(state, { attempt: this.attempt, retryInMs, closeCode });
  }

  /** @param {string|ArrayBuffer} data */
  onMessage(data) {
    if (typeof data !== 'string') {
      let frame;
      try {
        frame = decodeMeterFrame(data);
      } catch {
        this.framesDropped++;
        return;
      }
      // Frames of another topology carry another channel numbering (PROTOCOL.md §2.5).
      if (frame.topologyVersion !== this.topologyVersion) {
        this.framesDropped++;
        return;
      }
      this.handlers.onFrame(frame);
      return;
    }
    let message;
    try {
      message = parseServerMessage(data);
    } catch (e) {
      if (e instanceof Error && 'code' in e && e.code === 'unsupported_version') {
        // The page and the server disagree: a reload fetches the matching dashboard.
        this.setState('outdated', null, 0);
        this.socket?.close(1000);
      }
      return;
    }
    switch (message.type) {
      case 'hello':
        this.hellos++;
        this.attempt = 0;
        this.topologyVersion = message.topology.version;
        this.handlers.onHello(message);
        this.setState('live', null, 0);
        this.sendSubscription();
        break;
      case 'topology':
        this.topologyVersion = message.topology.version;
        this.handlers.onTopology(message.topology);
        break;
      case 'stats':
        if (message.topology_version === this.topologyVersion) this.handlers.onStats(message);
        break;
      case 'ack':
      case 'error': {
        const waiter = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
        if (waiter) {
          this.pending.delete(message.id);
          if (message.type === 'ack') waiter.resolve(message);
          else waiter.reject(new CommandError(String(message.code), String(message.message ?? '')));
        } else {
          this.handlers.onNotice?.(message);
        }
        break;
      }
      default:
        this.handlers.onNotice?.(message); // rate notices; unknown types are ignored by the app
    }
  }

  /**
   * Replaces the subscription (sent now when connected, and after every reconnect).
   * @param {Partial<Subscription>} changes
   */
  subscribe(changes) {
    this.subscription = { ...this.subscription, ...changes };
    this.sendSubscription();
  }

  sendSubscription() {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN || this.topologyVersion < 0) return;
    const { rateHz, nodes, statsTaps, paused } = this.subscription;
    this.socket.send(encodeSubscribe({ rateHz, nodes, statsTaps, paused, stats: true }));
  }

  /**
   * Sends a control command; resolves with the ack, rejects with a CommandError (`forbidden`
   * on a viewer connection, `disconnected`, `timeout`, ...).
   * @param {'reset_peaks'|'reset_integrated_loudness'|'reset_statistics'} name
   * @returns {Promise<Record<string, any>>}
   */
  command(name) {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new CommandError('disconnected', 'not connected'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new CommandError('timeout', `no reply to ${name} within 5 s`));
      }, 5000);
      this.pending.set(id, {
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      socket.send(encodeCommand(id, name));
    });
  }
}

/** A refused or unanswered command; `code` is the server's error code or a local one. */
export class CommandError extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message || code);
    this.name = 'CommandError';
    this.code = code;
  }
}

/**
 * The /ws URL of the server that served this page.
 * @param {Location} location
 */
export function webSocketUrl(location) {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}
