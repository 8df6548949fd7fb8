// Headroom wire protocol, browser side (proto/PROTOCOL.md is normative; proto/ is the C++ side).
// Plain ES module, no dependencies: decodes binary meter frames, parses the server's JSON messages
// and encodes the client's. Golden fixtures in tests/proto/fixtures/ are decoded by this module
// (tests/web/protocol.test.mjs) and by the C++ tests, so both sides read the same bytes the same way.

/** Protocol version this module speaks (byte 0 of a frame, `protocol` in hello). */
export const PROTOCOL_VERSION = 1;
/** Byte 1 of a binary frame. */
export const FRAME_TYPE_METER = 1;
/** WebSocket subprotocol a client may offer. */
export const SUBPROTOCOL = 'headroom.v1';

export const HEADER_BYTES = 32;
export const RANGE_BYTES = 8;

/** WebSocket close codes the server uses (PROTOCOL.md §2; proto/Protocol.h close_codes). */
export const CLOSE_CODES = Object.freeze({ goingAway: 1001, policy: 1008, tooBig: 1009, serviceRestart: 1012, stalled: 4000 });

/** Header flag bits (u16 at offset 2). */
export const FRAME_FLAGS = Object.freeze({ merged: 1, xrun: 2, stale: 4, dropped: 8 });

/** Level arrays by field bit (u16 `fields` at offset 4): wire name and decoded property. */
export const METER_FIELDS = Object.freeze([
  Object.freeze({ bit: 0, name: 'true_peak', key: 'truePeak' }),
  Object.freeze({ bit: 1, name: 'sample_peak', key: 'samplePeak' }),
  Object.freeze({ bit: 2, name: 'rms', key: 'rms' }),
  Object.freeze({ bit: 3, name: 'vu', key: 'vu' }),
  Object.freeze({ bit: 4, name: 'ppm', key: 'ppm' }),
  Object.freeze({ bit: 5, name: 'peak_hold', key: 'peakHold' }),
]);
const KNOWN_FIELDS = 0x3f;

/** int16 centi-dB sentinels. */
export const CENTI_DB_MINUS_INFINITY = -32768;
export const CENTI_DB_NO_DATA = 32767;

export const METER_RATES_HZ = Object.freeze([60, 30, 15, 10]);
export const DEFAULT_RATE_HZ = 30;
export const COMMANDS = Object.freeze(['reset_peaks', 'reset_integrated_loudness', 'reset_statistics']);
export const MAX_CLIENT_MESSAGE_BYTES = 4096;
const MAX_METER_CHANNELS = 65535;
const MAX_CHANNEL_RANGES = 4096;
const SERVER_MESSAGE_TYPES = new Set(['hello', 'topology', 'stats', 'ack', 'error', 'rate']);

/** A frame or message that does not follow the protocol. `code` is machine-readable. */
export class ProtocolError extends Error {
  /**
   * @param {string} code truncated | unsupported_version | unknown_type | bad_length |
   *   too_many_channels | bad_ranges | bad_json | bad_message
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/**
 * @typedef {Object} ChannelRange
 * @property {number} first first meter channel
 * @property {number} count channels
 */

/**
 * A decoded meter frame. Levels are dB: -Infinity for silence, NaN for "no data". Arrays of fields
 * the frame does not carry are null. Index i of every array is meter channel `channels[i]`.
 * @typedef {Object} MeterFrame
 * @property {number} version
 * @property {number} type
 * @property {number} flags raw header flags (unknown bits kept)
 * @property {boolean} merged the connection fell behind; several frames were merged into this one
 * @property {boolean} xrun the audio source reported an xrun within this frame's span
 * @property {boolean} stale no new audio since the previous frame
 * @property {boolean} dropped meter records were lost before the worker
 * @property {number} fields known field bits present
 * @property {number} sequence engine frame sequence of the newest frame included
 * @property {number} serverTimeUs server clock, µs since the Unix epoch
 * @property {number} topologyVersion
 * @property {number} count values per array
 * @property {ChannelRange[]} ranges empty for a full frame
 * @property {Uint32Array} channels meter channel of each value
 * @property {Float32Array|null} truePeak max true peak since the previous frame, dBTP
 * @property {Float32Array|null} samplePeak max sample peak since the previous frame, dBFS
 * @property {Float32Array|null} rms sliding 300 ms RMS, dBFS
 * @property {Float32Array|null} vu VU needle, dBFS (VU = value - reference.zero_vu_dbfs)
 * @property {Float32Array|null} ppm max PPM reading since the previous frame, dBFS
 * @property {Float32Array|null} peakHold peak-hold reading, dBTP
 * @property {Uint8Array} clipLatched 1 where a clip event happened since the last reset_peaks
 * @property {Uint8Array} clipEvent 1 where a clip event happened since the previous frame
 */

/** @param {number} n */
function bitArrayBytes(n) {
  return (n + 7) >> 3;
}

/** @param {number} v */
function popcount16(v) {
  let c = 0;
  for (let b = 0; b < 16; b++) c += (v >> b) & 1;
  return c;
}

/**
 * Bytes a frame of these dimensions takes, padding included.
 * @param {number} count @param {number} numRanges @param {number} fields
 */
export function meterFrameSize(count, numRanges, fields) {
  const unpadded = HEADER_BYTES + numRanges * RANGE_BYTES + popcount16(fields) * count * 2 + 2 * bitArrayBytes(count);
  return Math.ceil(unpadded / 4) * 4;
}

/** int16 centi-dB to dB. @param {number} v */
export function dbFromCentiDb(v) {
  if (v === CENTI_DB_MINUS_INFINITY) return -Infinity;
  if (v === CENTI_DB_NO_DATA) return NaN;
  return v / 100;
}

/**
 * Decodes a binary meter frame (a WebSocket binary message, binaryType 'arraybuffer').
 * Throws ProtocolError for anything that is not a valid version-1 meter frame.
 * @param {ArrayBuffer|ArrayBufferView} data
 * @returns {MeterFrame}
 */
export function decodeMeterFrame(data) {
  const view = ArrayBuffer.isView(data)
    ? new DataView(data.buffer, data.byteOffset, data.byteLength)
    : new DataView(data);
  const size = view.byteLength;
  if (size < 2) throw new ProtocolError('truncated', `meter frame of ${size} bytes`);
  const version = view.getUint8(0);
  if (version !== PROTOCOL_VERSION) {
    throw new ProtocolError('unsupported_version', `protocol version ${version}, expected ${PROTOCOL_VERSION}`);
  }
  const type = view.getUint8(1);
  if (type !== FRAME_TYPE_METER) throw new ProtocolError('unknown_type', `frame type ${type} is not known`);
  if (size < HEADER_BYTES) throw new ProtocolError('truncated', `${size} bytes, shorter than the 32-byte header`);

  const flags = view.getUint16(2, true);
  const wireFields = view.getUint16(4, true);
  const numRanges = view.getUint16(6, true);
  const sequence = Number(view.getBigUint64(8, true));
  const serverTimeUs = Number(view.getBigUint64(16, true));
  const topologyVersion = view.getUint32(24, true);
  const count = view.getUint32(28, true);
  if (count > MAX_METER_CHANNELS) throw new ProtocolError('too_many_channels', `${count} channels, over the limit`);
  if (numRanges > MAX_CHANNEL_RANGES) {
    throw new ProtocolError('too_many_channels', `${numRanges} ranges, over the limit`);
  }
  const expected = meterFrameSize(count, numRanges, wireFields);
  if (size < expected) throw new ProtocolError('truncated', `${size} bytes, the header describes ${expected}`);
  if (size > expected) throw new ProtocolError('bad_length', `${size} bytes, the header describes ${expected}`);

  let p = HEADER_BYTES;
  /** @type {ChannelRange[]} */
  const ranges = [];
  const channels = new Uint32Array(count);
  let total = 0;
  let nextFree = 0;
  for (let r = 0; r < numRanges; r++, p += RANGE_BYTES) {
    const first = view.getUint32(p, true);
    const n = view.getUint32(p + 4, true);
    if (n === 0) throw new ProtocolError('bad_ranges', `range ${r}: is empty`);
    if (r > 0 && first < nextFree) {
      throw new ProtocolError('bad_ranges', `range ${r}: starts inside or before the previous range`);
    }
    if (first + n > 2 ** 32) throw new ProtocolError('bad_ranges', `range ${r}: ends past channel 2^32`);
    if (total + n > count) throw new ProtocolError('bad_ranges', `ranges cover more than the frame's ${count} channels`);
    for (let i = 0; i < n; i++) channels[total + i] = first + i;
    total += n;
    nextFree = first + n;
    ranges.push({ first, count: n });
  }
  if (numRanges === 0) {
    for (let i = 0; i < count; i++) channels[i] = i;
  } else if (total !== count) {
    throw new ProtocolError('bad_ranges', `ranges cover ${total} channels, the frame has ${count}`);
  }

  /** @type {MeterFrame} */
  const frame = {
    version,
    type,
    flags,
    merged: (flags & FRAME_FLAGS.merged) !== 0,
    xrun: (flags & FRAME_FLAGS.xrun) !== 0,
    stale: (flags & FRAME_FLAGS.stale) !== 0,
    dropped: (flags & FRAME_FLAGS.dropped) !== 0,
    fields: wireFields & KNOWN_FIELDS,
    sequence,
    serverTimeUs,
    topologyVersion,
    count,
    ranges,
    channels,
    truePeak: null,
    samplePeak: null,
    rms: null,
    vu: null,
    ppm: null,
    peakHold: null,
    clipLatched: new Uint8Array(count),
    clipEvent: new Uint8Array(count),
  };
  // Arrays follow in ascending bit order; unknown bits are int16[count] arrays too, skipped.
  for (let bit = 0; bit < 16; bit++) {
    if (((wireFields >> bit) & 1) === 0) continue;
    if (bit < METER_FIELDS.length) {
      const values = new Float32Array(count);
      for (let i = 0; i < count; i++) values[i] = dbFromCentiDb(view.getInt16(p + 2 * i, true));
      frame[METER_FIELDS[bit].key] = values;
    }
    p += 2 * count;
  }
  for (const target of [frame.clipLatched, frame.clipEvent]) {
    for (let i = 0; i < count; i++) target[i] = (view.getUint8(p + (i >> 3)) >> (i & 7)) & 1;
    p += bitArrayBytes(count);
  }
  return frame;
}

/**
 * Age of a frame by the local clock (skew included; hello.server_time_us lets a client estimate it).
 * @param {MeterFrame} frame @param {number} [nowMs] @returns {number} milliseconds
 */
export function frameAgeMs(frame, nowMs = Date.now()) {
  return nowMs - frame.serverTimeUs / 1000;
}

/**
 * Parses a server text message. Throws ProtocolError when it is not JSON, not an object with a
 * string `type`, or a hello/topology of another protocol version or without a usable topology.
 * Messages of types this module does not know are returned as they are: clients ignore them.
 * Numbers the server could not know are null.
 * @param {string} text
 * @returns {{type: string} & Record<string, any>}
 */
export function parseServerMessage(text) {
  let message;
  try {
    message = JSON.parse(text);
  } catch (e) {
    throw new ProtocolError('bad_json', `not valid JSON: ${e instanceof Error ? e.message : e}`);
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    throw new ProtocolError('bad_message', 'expected a JSON object');
  }
  if (typeof message.type !== 'string') throw new ProtocolError('bad_message', 'type: expected a string');
  if (message.type === 'hello' && message.protocol !== PROTOCOL_VERSION) {
    throw new ProtocolError('unsupported_version', `protocol version ${message.protocol}, expected ${PROTOCOL_VERSION}`);
  }
  if (message.type === 'hello' || message.type === 'topology') checkTopology(message.topology);
  return message;
}

/** @param {string} type */
export function isKnownServerMessage(type) {
  return SERVER_MESSAGE_TYPES.has(type);
}

/** @param {any} topology */
function checkTopology(topology) {
  const fail = (/** @type {string} */ why) => {
    throw new ProtocolError('bad_message', `topology: ${why}`);
  };
  if (topology === null || typeof topology !== 'object') fail('missing');
  if (!Number.isInteger(topology.version)) fail('version: expected an integer');
  if (!Array.isArray(topology.taps) || !Array.isArray(topology.nodes)) fail('taps and nodes: expected arrays');
  let channel = 0;
  topology.taps.forEach((/** @type {any} */ tap, /** @type {number} */ i) => {
    if (tap.index !== i || tap.first_channel !== channel || !(tap.channels > 0)) fail(`taps[${i}]: bad numbering`);
    channel += tap.channels;
  });
  if (channel !== topology.num_meter_channels) fail('taps do not cover num_meter_channels');
}

/**
 * For each meter channel: its tap index and its channel within the tap.
 * @param {{taps: Array<{first_channel: number, channels: number}>, num_meter_channels: number}} topology
 * @returns {{tapOfChannel: Int32Array, channelInTap: Int32Array}}
 */
export function meterChannelMap(topology) {
  const tapOfChannel = new Int32Array(topology.num_meter_channels).fill(-1);
  const channelInTap = new Int32Array(topology.num_meter_channels).fill(-1);
  topology.taps.forEach((tap, t) => {
    for (let c = 0; c < tap.channels; c++) {
      tapOfChannel[tap.first_channel + c] = t;
      channelInTap[tap.first_channel + c] = c;
    }
  });
  return { tapOfChannel, channelInTap };
}

/**
 * The subscribe message (it replaces the whole subscription; omitted options take defaults).
 * @param {Object} [options]
 * @param {number} [options.id] echoed in the ack
 * @param {number} [options.rateHz] 60, 30, 15 or 10
 * @param {'all'|string[]} [options.nodes] node ids, or 'all'
 * @param {string[]} [options.fields] e.g. ['true_peak', 'rms']; omitted: the server's default
 * @param {boolean} [options.stats] also the statistics stream (default true)
 * @param {'all'|string[]} [options.statsTaps] the nodes whose per-tap statistics `stats` carries (default 'all')
 * @param {boolean} [options.paused] no meters and no statistics until the next subscribe
 * @returns {string}
 */
export function encodeSubscribe({ id, rateHz = DEFAULT_RATE_HZ, nodes = 'all', fields, stats = true, statsTaps = 'all', paused = false } = {}) {
  if (!METER_RATES_HZ.includes(rateHz)) throw new RangeError(`rateHz must be one of ${METER_RATES_HZ.join(', ')}`);
  if (nodes !== 'all' && !Array.isArray(nodes)) throw new TypeError("nodes must be 'all' or an array of ids");
  if (statsTaps !== 'all' && !Array.isArray(statsTaps)) throw new TypeError("statsTaps must be 'all' or an array of ids");
  /** @type {Record<string, any>} */
  const message = { type: 'subscribe' };
  if (id !== undefined) message.id = checkId(id);
  message.rate_hz = rateHz;
  message.nodes = nodes;
  if (fields !== undefined) {
    // In bit order, as the server lists them.
    message.fields = METER_FIELDS.map((f) => f.name).filter((name) => fields.includes(name));
    if (message.fields.length !== new Set(fields).size) throw new RangeError(`unknown field in ${fields.join(', ')}`);
  }
  message.stats = Boolean(stats);
  if (statsTaps !== 'all') message.stats_taps = statsTaps;
  message.paused = Boolean(paused);
  return JSON.stringify(message);
}

/**
 * A control command; the server answers with {type: 'ack', id} once applied, or an error.
 * @param {number} id chosen by the client, an integer 0..2^53-1
 * @param {'reset_peaks'|'reset_integrated_loudness'|'reset_statistics'} name
 * @returns {string}
 */
export function encodeCommand(id, name) {
  if (!COMMANDS.includes(name)) throw new RangeError(`unknown command ${name}`);
  return JSON.stringify({ type: 'command', id: checkId(id), name });
}

/** @param {number} id */
function checkId(id) {
  if (!Number.isSafeInteger(id) || id < 0) throw new RangeError('id must be an integer 0..2^53-1');
  return id;
}
