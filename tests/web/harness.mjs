// Orchestration for the browser tests and the dashboard benchmark (Node's standard library and
// playwright-core): a private `jackd -d dummy` with a unique server name, `headroom generate`
// playing known signals, `headroom serve` on 127.0.0.1 port 0, and Debian's headless Chromium.
// The same rules as tests/integration/jacktest.py: every child is stopped on the way out
// (SIGTERM, then SIGKILL) and the dummy server's /dev/shm files are removed.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export const SKIP = 77;
const JACKTEST = fileURLToPath(new URL('../integration/jacktest.py', import.meta.url));
export const CHROMIUM = process.env.HEADROOM_CHROMIUM ?? '/usr/bin/chromium';

/** @param {string} message */
export function log(message) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/**
 * Polls until predicate() is truthy; returns its value.
 * @template T @param {() => T|Promise<T>} predicate @param {number} timeoutMs @param {string} what
 * @returns {Promise<T>}
 */
export async function waitFor(predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await predicate();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Skips the whole file (CTest SKIP_RETURN_CODE 77) when a tool is missing; CI installs them all. */
export async function loadPlaywright() {
  const missing = ['jackd', 'jack_lsp'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (!existsSync(CHROMIUM)) missing.push(CHROMIUM);
  let playwright = null;
  try {
    playwright = await import('playwright-core');
  } catch {
    missing.push('playwright-core (npm ci)');
  }
  if (missing.length > 0 || !playwright) {
    log(`not installed: ${missing.join(', ')}: skipping`);
    process.exit(SKIP);
  }
  return playwright;
}

export class Harness {
  /** @param {string} tag @param {string} workdir @param {string} headroom */
  constructor(tag, workdir, headroom) {
    this.server = `headroom-web-${process.pid}-${tag}`;
    this.workdir = workdir;
    this.headroom = headroom;
    rmSync(workdir, { recursive: true, force: true });
    mkdirSync(workdir, { recursive: true });
    this.env = { ...process.env, JACK_DEFAULT_SERVER: this.server, JACK_NO_START_SERVER: '1', JACK_NO_AUDIO_RESERVATION: '1' };
    /** @type {Array<{name: string, child: import('node:child_process').ChildProcess, logPath: string}>} */
    this.processes = [];
    this.exitHook = () => this.killAll();
    // CTest's timeout and ^C: nothing of ours outlives the test.
    this.signalHook = () => { this.killAll(); process.exit(1); };
    process.on('exit', this.exitHook);
    process.on('SIGTERM', this.signalHook);
    process.on('SIGINT', this.signalHook);
  }

  /** @param {string} name @param {string[]} argv */
  start(name, argv) {
    const logPath = join(this.workdir, `${name}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(argv[0], argv.slice(1), { env: this.env, cwd: this.workdir, stdio: ['ignore', fd, fd] });
    this.processes.push({ name, child, logPath });
    log(`started ${name} (pid ${child.pid}): ${argv.join(' ')}`);
    return { name, child, logPath, output: () => readFileSync(logPath, 'utf8') };
  }

  jackReady() {
    return spawnSync('jack_lsp', [], { env: this.env, timeout: 5000 }).status === 0;
  }

  async startJackd(rate = 48000, period = 256) {
    // JACK's server table has 8 rows and killed servers keep theirs: the integration harness frees
    // the rows of dead servers (tests/integration/jacktest.py explains) before every private server.
    const reclaim = spawnSync('/usr/bin/python3', [JACKTEST, 'reclaim-dead-servers'], { env: this.env, encoding: 'utf8' });
    if (reclaim.stdout) process.stderr.write(reclaim.stdout);
    this.start('jackd', ['jackd', '--no-realtime', '-n', this.server, '-d', 'dummy', '-r', String(rate), '-p', String(period)]);
    await waitFor(() => this.jackReady(), 20000, `jackd ${this.server}`);
  }

  /** @param {string} client @param {string[]} ports NAME:SIGNAL */
  startGenerator(client, ports) {
    return this.start(`generate-${client}`, [this.headroom, 'generate', '--jack-server', this.server, '--client-name', client,
      ...ports.flatMap((p) => ['--port', p])]);
  }

  /**
   * Starts `headroom serve` and waits for its address.
   * @param {string} name @param {string} sessionPath @param {string} webRoot
   * @param {{listen?: string, controlToken?: string, viewerToken?: string, clientName?: string}} [options]
   */
  async startServe(name, sessionPath, webRoot, options = {}) {
    const argv = [this.headroom, 'serve', '--session', sessionPath, '--jack-server', this.server,
      '--client-name', options.clientName ?? name, '--listen', options.listen ?? '127.0.0.1:0', '--web-root', webRoot];
    if (options.controlToken) argv.push('--control-token', options.controlToken);
    if (options.viewerToken) argv.push('--viewer-token', options.viewerToken);
    const p = this.start(name, argv);
    const url = await waitFor(() => {
      if (p.child.exitCode !== null) throw new Error(`${name} exited with ${p.child.exitCode}:\n${p.output()}`);
      const m = /listening on (http:\/\/[0-9.]+:\d+)\//.exec(p.output());
      return m ? m[1] : null;
    }, 20000, `${name} to listen`);
    return { ...p, url };
  }

  /** @param {import('node:child_process').ChildProcess} child @param {number} [timeoutMs] */
  async stop(child, timeoutMs = 5000) {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const done = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await done;
    clearTimeout(timer);
    return code;
  }

  async close() {
    for (const p of [...this.processes].reverse()) await this.stop(p.child, 3000);
    this.removeShm();
    process.off('exit', this.exitHook);
    process.off('SIGTERM', this.signalHook);
    process.off('SIGINT', this.signalHook);
  }

  /** Synchronous last resort (process exit): SIGKILL whatever is still running. */
  killAll() {
    for (const p of this.processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    this.removeShm();
  }

  removeShm() {
    try {
      for (const entry of readdirSync('/dev/shm')) if (entry.includes(this.server)) unlinkSync(join('/dev/shm', entry));
    } catch {
      // nothing to clean
    }
  }

  /** @param {string} name @param {any} session */
  writeSession(name, session) {
    const path = join(this.workdir, name);
    writeFileSync(path, JSON.stringify(session, null, 2));
    return path;
  }
}

/**
 * Rewrites a session so that every tap of every channel listens to a generator port of its own
 * (one port per channel of the channel, shared by its taps); bus inputs and the master become
 * virtual sums of their members, and each bus's post-fader output is a generator port too. Returns the session and the generator's ports.
 * @param {any} session @param {string} client @param {(index: number, id: string) => string} signalOf
 */
export function feedFromGenerator(session, client, signalOf) {
  const copy = structuredClone(session);
  /** @type {string[]} */
  const ports = [];
  copy.channels.forEach((/** @type {any} */ ch, /** @type {number} */ i) => {
    const n = ch.channels ?? 1;
    const names = Array.from({ length: n }, (_, c) => `${ch.id}_${c + 1}`);
    for (const p of names) ports.push(`${p}:${signalOf(i, ch.id)}`);
    for (const stage of Object.keys(ch.taps ?? {})) ch.taps[stage] = names.map((p) => `${client}:${p}`);
    for (const ins of ch.inserts ?? []) if (ins.tap) ins.tap = names.map((p) => `${client}:${p}`);
  });
  // Buses: the input becomes a virtual sum; the output is a generator port (the bus's fader).
  for (const b of copy.buses ?? []) {
    const n = b.channels ?? 2;
    const names = Array.from({ length: n }, (_, c) => `${b.id}_${c + 1}`);
    for (const p of names) ports.push(`${p}:${signalOf(copy.channels.length, b.id)}`);
    b.taps = { post_fader: names.map((p) => `${client}:${p}`) };
  }
  if (copy.master) copy.master.taps = {};
  return { session: copy, ports };
}
