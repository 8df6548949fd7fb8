// web/js/protocol.js against the golden fixtures the C++ encoder wrote (tests/proto/fixtures/).
// Run: node --test tests/web/protocol.test.mjs (CTest: web_protocol). Node's built-ins only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

import {
  decodeMeterFrame,
  encodeCommand,
  encodeSubscribe,
  meterChannelMap,
  meterFrameSize,
  METER_FIELDS,
  parseServerMessage,
  ProtocolError,
} from '../../web/js/protocol.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtureDir = join(here, '..', 'proto', 'fixtures');
const bytesOf = (name) => {
  const b = readFileSync(join(fixtureDir, name));
  // A fresh ArrayBuffer, as a browser's WebSocket delivers it.
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};
const textOf = (name) => readFileSync(join(fixtureDir, name), 'utf8');

const frameFixtures = readdirSync(fixtureDir).filter((f) => f.endsWith('.bin'));

/** The expected value of one level: null is "no data" (NaN), "-inf" is silence. */
function expectedValue(v) {
  if (v === null) return NaN;
  if (v === '-inf') return -Infinity;
  return Math.fround(v);
}

test('every binary fixture has its expectations', () => {
  assert.ok(frameFixtures.length >= 5, `found ${frameFixtures.join(', ')}`);
  for (const f of frameFixtures) assert.doesNotThrow(() => textOf(f.replace('.bin', '.expected.json')), f);
});

for (const file of frameFixtures) {
  test(`decodes ${file} to the values the C++ encoder wrote`, () => {
    const expected = JSON.parse(textOf(file.replace('.bin', '.expected.json')));
    const frame = decodeMeterFrame(bytesOf(file));
    for (const key of ['version', 'type', 'flags', 'merged', 'xrun', 'stale', 'dropped', 'fields', 'sequence', 'count']) {
      assert.equal(frame[key], expected[key], key);
    }
    assert.equal(frame.serverTimeUs, expected.server_time_us);
    assert.equal(frame.topologyVersion, expected.topology_version);
    assert.deepEqual(frame.ranges, expected.ranges.map(([first, count]) => ({ first, count })));
    assert.deepEqual(Array.from(frame.channels), expected.channels);
    for (const field of METER_FIELDS) {
      const want = expected.levels[field.name];
      const got = frame[field.key];
      if (want === undefined) {
        assert.equal(got, null, `${field.name} should be absent`);
        continue;
      }
      assert.ok(got instanceof Float32Array, field.name);
      assert.equal(got.length, want.length, field.name);
      want.forEach((v, i) => assert.ok(Object.is(got[i], expectedValue(v)), `${field.name}[${i}]: ${got[i]} vs ${v}`));
    }
    assert.deepEqual(Array.from(frame.clipLatched), expected.clip_latched);
    assert.deepEqual(Array.from(frame.clipEvent), expected.clip_event);
  });
}

test('accepts a Node Buffer or any typed-array view as well as an ArrayBuffer', () => {
  const buffer = readFileSync(join(fixtureDir, 'meter_full.bin'));
  const padded = new Uint8Array(buffer.length + 3);
  padded.set(buffer, 3);
  const a = decodeMeterFrame(buffer);
  const b = decodeMeterFrame(padded.subarray(3));
  assert.deepEqual(Array.from(a.truePeak), Array.from(b.truePeak));
});

test('sentinels decode to -Infinity and NaN, clamped values to the range ends', () => {
  const frame = decodeMeterFrame(bytesOf('meter_full.bin'));
  assert.equal(frame.truePeak[1], -Infinity); // silence
  assert.ok(Number.isNaN(frame.rms[8]));      // not connected
  assert.equal(frame.truePeak[13], Math.fround(327.66));
  assert.equal(frame.rms[16], Math.fround(-327.67));
  assert.equal(frame.truePeak[6], Math.fround(0.31));
});

test('refuses every truncation of a valid frame', () => {
  const whole = new Uint8Array(bytesOf('meter_full.bin'));
  for (let size = 0; size < whole.length; size++) {
    assert.throws(() => decodeMeterFrame(whole.slice(0, size).buffer), (e) => e instanceof ProtocolError && e.code === 'truncated', `${size}`);
  }
});

test('refuses trailing bytes, other versions and other types', () => {
  const whole = new Uint8Array(bytesOf('meter_full.bin'));
  const longer = new Uint8Array(whole.length + 4);
  longer.set(whole);
  assert.throws(() => decodeMeterFrame(longer), { code: 'bad_length' });
  const v2 = whole.slice();
  v2[0] = 2;
  assert.throws(() => decodeMeterFrame(v2), { code: 'unsupported_version', message: 'protocol version 2, expected 1' });
  const t2 = whole.slice();
  t2[1] = 2;
  assert.throws(() => decodeMeterFrame(t2), { code: 'unknown_type' });
  const huge = whole.slice();
  new DataView(huge.buffer).setUint32(28, 0xffffffff, true);
  assert.throws(() => decodeMeterFrame(huge), { code: 'too_many_channels' });
});

test('refuses overlapping or short range tables', () => {
  const subset = new Uint8Array(bytesOf('meter_subset.bin'));
  const overlapping = subset.slice();
  new DataView(overlapping.buffer).setUint32(40, 5, true); // second range starts inside the first
  assert.throws(() => decodeMeterFrame(overlapping), { code: 'bad_ranges' });
  const short = subset.slice();
  new DataView(short.buffer).setUint32(44, 1, true); // 4 + 1 of 6 channels
  assert.throws(() => decodeMeterFrame(short), { code: 'bad_ranges' });
  const empty = subset.slice();
  new DataView(empty.buffer).setUint32(36, 0, true);
  assert.throws(() => decodeMeterFrame(empty), { code: 'bad_ranges' });
});

test('survives random corruption: a ProtocolError or a frame, nothing else', () => {
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const seeds = frameFixtures.map((f) => new Uint8Array(bytesOf(f)));
  for (let iteration = 0; iteration < 5000; iteration++) {
    const bytes = seeds[iteration % seeds.length].slice();
    if (bytes.length === 0) continue;
    bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    try {
      const frame = decodeMeterFrame(bytes);
      assert.equal(frame.channels.length, frame.count);
    } catch (e) {
      assert.ok(e instanceof ProtocolError, String(e));
    }
  }
});

test('meterFrameSize matches the fixtures', () => {
  assert.equal(meterFrameSize(18, 0, 0x3d), 220);
  assert.equal(meterFrameSize(0, 0, 0x3d), 32);
  assert.equal(bytesOf('meter_subset.bin').byteLength, meterFrameSize(6, 2, 0x05));
});

test('parses hello and maps every meter channel to its tap', () => {
  const hello = parseServerMessage(textOf('hello.json'));
  assert.equal(hello.type, 'hello');
  assert.equal(hello.protocol, 1);
  assert.equal(hello.room, 'Studio B');
  assert.equal(hello.period_frames, 256);
  assert.deepEqual(hello.meter_fields, ['true_peak', 'rms', 'vu', 'ppm', 'peak_hold']);
  const { topology } = hello;
  assert.equal(topology.num_meter_channels, 18);
  const { tapOfChannel, channelInTap } = meterChannelMap(topology);
  assert.ok(tapOfChannel.every((t) => t >= 0));
  assert.equal(topology.taps[tapOfChannel[11]].node, 'drums');
  assert.equal(topology.taps[tapOfChannel[11]].stage, 'pre_insert');
  assert.equal(channelInTap[11], 1);
  assert.equal(topology.taps[8].connected, false);
  assert.equal(topology.taps[6].target, null);
  assert.deepEqual(topology.buses[1], { node: 'master', summed_tap: 12, measured_tap: 10, members: ['vocal', 'drums'] });
  // The subset frame's channels belong to the vocal and the master input.
  const frame = decodeMeterFrame(bytesOf('meter_subset.bin'));
  const nodes = new Set(Array.from(frame.channels, (c) => topology.taps[tapOfChannel[c]].node));
  assert.deepEqual([...nodes], ['vocal', 'master']);
});

test('parses topology, stats, replies and notices', () => {
  assert.equal(parseServerMessage(textOf('topology.json')).topology.version, 4);
  const stats = parseServerMessage(textOf('stats.json'));
  assert.equal(stats.type, 'stats');
  assert.equal(stats.nodes[0].taps[0].level_dbfs, -9.23);
  assert.equal(stats.nodes[1].taps[0].headroom_db, null);
  assert.equal(stats.advisories[0].amount_db, -6.2);
  assert.equal(stats.advisories[0].evidence[0].unit, 'dBFS');
  assert.deepEqual(parseServerMessage(textOf('ack.json')), { type: 'ack', id: 7, request: 'reset_peaks' });
  assert.equal(parseServerMessage(textOf('error.json')).code, 'forbidden');
  assert.equal(parseServerMessage(textOf('error_no_id.json')).id, null);
  assert.equal(parseServerMessage(textOf('rate.json')).rate_hz, 15);
});

test('refuses what is not a server message, passes unknown types through', () => {
  assert.throws(() => parseServerMessage('{"type":'), { code: 'bad_json' });
  assert.throws(() => parseServerMessage('[]'), { code: 'bad_message' });
  assert.throws(() => parseServerMessage('{"type":5}'), { code: 'bad_message' });
  assert.throws(() => parseServerMessage('{"type":"hello","protocol":2}'), { code: 'unsupported_version' });
  const broken = JSON.parse(textOf('topology.json'));
  broken.topology.taps[3].first_channel = 5;
  assert.throws(() => parseServerMessage(JSON.stringify(broken)), { code: 'bad_message' });
  assert.equal(parseServerMessage('{"type":"future_thing","x":1}').type, 'future_thing');
});

test('encodes client messages byte for byte as the C++ encoder does', () => {
  assert.equal(encodeSubscribe(), textOf('client_subscribe_default.json'));
  assert.equal(
    encodeSubscribe({ id: 1, rateHz: 15, nodes: ['vocal', 'master'], fields: ['rms', 'true_peak'] }),
    textOf('client_subscribe_subset.json'),
  );
  assert.equal(encodeSubscribe({ id: 2, rateHz: 10, stats: false, paused: true }), textOf('client_subscribe_paused.json'));
  assert.equal(encodeSubscribe({ id: 3, rateHz: 60, statsTaps: ['master'] }), textOf('client_subscribe_wall.json'));
  assert.equal(encodeCommand(7, 'reset_peaks'), textOf('client_command_reset_peaks.json'));
});

test('refuses to encode what the server would refuse', () => {
  assert.throws(() => encodeSubscribe({ rateHz: 20 }), RangeError);
  assert.throws(() => encodeSubscribe({ fields: ['loudness'] }), RangeError);
  assert.throws(() => encodeSubscribe({ nodes: 'vocal' }), TypeError);
  assert.throws(() => encodeSubscribe({ statsTaps: 'master' }), TypeError);
  assert.throws(() => encodeCommand(-1, 'reset_peaks'), RangeError);
  assert.throws(() => encodeCommand(1.5, 'reset_peaks'), RangeError);
  assert.throws(() => encodeCommand(1, 'format_disk'), RangeError);
});
