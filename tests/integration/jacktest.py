"""Shared orchestration for the JACK integration tests (standard library only, /usr/bin/python3).

Every test runs its own JACK server with a unique name (headroom-test-<pid>-<tag>) on the dummy
backend, so tests never touch a studio's server or each other. Every process a test starts dies
with it: children get PR_SET_PDEATHSIG=SIGKILL (so even a test killed by a CTest timeout leaves
nothing behind), and the Harness context manager stops them in order (SIGTERM, then SIGKILL) and
removes the server's /dev/shm files on the way out, whether the test passed or failed.

JACK keeps a machine-wide table of at most 8 servers (/dev/shm/jack-shm-registry). A server that is
killed (kill -9: the robustness scenarios do it on purpose) keeps its row until a server of the same
name starts, and test names are unique per run, so the Harness stops every client before the server
(a server stopped under its clients may need the SIGKILL) and, before a test starts, gives back the
rows of servers that no longer exist (reclaim_dead_servers) -- runs interrupted by a reboot or an
agent restart leave them too, and a full table fails the next test with "Too many servers already
active".
"""

import argparse
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77  # CTest SKIP_RETURN_CODE

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class TestFailure(Exception):
    pass


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def common_arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--headroom", required=True, help="the headroom executable")
    parser.add_argument("--workdir", required=True, help="a scratch directory (emptied first)")
    parser.add_argument("--generator", help="the headroom executable for the signal sources (default: --headroom); "
                                            "the sanitizer runs give an uninstrumented one, so only serve carries "
                                            "the sanitizer's load on a 2-core machine")
    return parser


class Process:
    """A child process with its output in a file of the work directory."""

    def __init__(self, name, argv, env, workdir):
        self.name = name
        self.argv = argv
        self.output_path = os.path.join(workdir, f"{name}.log")
        self._output = open(self.output_path, "ab")
        self.popen = subprocess.Popen(argv, stdout=self._output, stderr=subprocess.STDOUT, env=env,
                                      preexec_fn=_die_with_parent, cwd=workdir)

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def output(self):
        with open(self.output_path, "rb") as f:
            return f.read().decode(errors="replace")

    def signal(self, number):
        if self.alive():
            self.popen.send_signal(number)

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=5.0):
        """SIGTERM, then SIGKILL after timeout; returns the exit code (negative: killed by a signal)."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            if self.wait(timeout) is None:
                self.popen.kill()
                self.popen.wait()
        self._output.close()
        return self.popen.returncode


JACK_SERVER_TABLE = "/dev/shm/jack-shm-registry"
_JACK_MAX_SERVERS = 8  # jack2 common/shm.h MAX_SERVERS
_JACK_TABLE_FIRST_ROW = 24  # after magic, protocol, type, size, hdr_len, entry_len (uint32 each)


def remove_server_files(name):
    """kill -9 leaves a server's semaphores and segments in /dev/shm; they carry its name."""
    for entry in os.listdir("/dev/shm"):
        if name in entry:
            try:
                os.unlink(os.path.join("/dev/shm", entry))
            except OSError:
                pass


def server_table_rows():
    """This user's rows of JACK's server table: [(server name, pid)].

    A row is a pid (int32) and "jack-<uid>:<server name>:"; the row size follows from hdr_len."""
    try:
        with open(JACK_SERVER_TABLE, "rb") as f:
            table = f.read(4096)
    except OSError:
        return []
    if len(table) < _JACK_TABLE_FIRST_ROW or table[:4] != b"KCAJ":
        return []
    header_length = int.from_bytes(table[16:20], "little")
    row = (header_length - _JACK_TABLE_FIRST_ROW) // _JACK_MAX_SERVERS
    if row < 8 or header_length > len(table):
        return []
    prefix = f"jack-{os.getuid()}:".encode()
    rows = []
    for i in range(_JACK_MAX_SERVERS):
        offset = _JACK_TABLE_FIRST_ROW + i * row
        pid = int.from_bytes(table[offset:offset + 4], "little", signed=True)
        text = table[offset + 4:offset + row].split(b"\0", 1)[0]
        if pid > 0 and text.startswith(prefix) and text.endswith(b":"):
            rows.append((text[len(prefix):-1].decode(errors="replace"), pid))
    return rows


def dead_servers():
    """This user's servers in JACK's table whose process is gone: [(name, pid)]."""
    dead = []
    for name, pid in server_table_rows():
        try:
            os.kill(pid, 0)  # alive (or a reused pid: jackd would refuse that name too)
        except ProcessLookupError:
            dead.append((name, pid))
        except PermissionError:
            pass
    return dead


def reclaim_dead_servers(env, keep=()):
    """Gives back the table rows of dead servers the way JACK itself does: a server of the same name
    takes the row over when it starts, and frees it when it stops. `keep`: names about to be started
    anyway (their clients may still be waiting for them: a stand-in would be joined by them)."""
    for name, pid in dead_servers():
        if name in keep:
            continue
        started = time.monotonic()
        jackd = subprocess.Popen(["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", "48000", "-p", "1024"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                 preexec_fn=_die_with_parent)
        while ((name, pid) in server_table_rows() and jackd.poll() is None
               and time.monotonic() - started < 10):
            time.sleep(0.05)
        jackd.send_signal(signal.SIGTERM)
        try:
            jackd.wait(10)
        except subprocess.TimeoutExpired:
            jackd.kill()
            jackd.wait()
        remove_server_files(name)
        freed = all(row_name != name for row_name, _ in server_table_rows())
        log(f"JACK's server table: {'reclaimed' if freed else 'could not reclaim'} the row of '{name}' "
            f"(pid {pid}, no longer running) in {time.monotonic() - started:.1f} s")


class Harness:
    """One test's private JACK world: a named dummy server and the clients around it."""

    def __init__(self, tag, workdir):
        self.server = f"headroom-test-{os.getpid()}-{tag}"
        self.workdir = workdir
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        self.env = dict(os.environ)
        self.env.update({
            "JACK_DEFAULT_SERVER": self.server,  # tools without a server option (jack_lsp, jack_bufsize)
            "JACK_NO_START_SERVER": "1",         # nothing may spawn a server behind our back
            "JACK_NO_AUDIO_RESERVATION": "1",    # no D-Bus device reservation for the dummy backend
        })
        self.processes = []
        self.jackd = None

    def __enter__(self):
        if shutil.which("jackd") is None or shutil.which("jack_lsp") is None:
            log("jackd/jack_lsp not installed (apt-get install jackd2): skipping")
            sys.exit(SKIP)
        return self

    def __exit__(self, exc_type, exc, traceback):
        # Clients first, newest first; then the server(s): jackd stopped under its clients may not
        # exit in time and then keeps its row in JACK's server table (see the module comment).
        servers = [p for p in self.processes if p.argv[0] == "jackd"]
        for p in reversed(self.processes):
            if p not in servers:
                p.stop(timeout=3.0)
        for p in reversed(servers):
            p.stop(timeout=10.0)
        remove_server_files(self.server)
        if exc_type is TestFailure:
            self._print_output_tails()
        return False

    def _print_output_tails(self, lines=25):
        # CI keeps only what the test prints: a failure shows what every process said last.
        for p in self.processes:
            tail = p.output().splitlines()[-lines:]
            print(f"---- {p.name} (pid {p.pid}, exit {p.popen.returncode}), last {len(tail)} lines of {p.output_path}",
                  flush=True)
            for line in tail:
                print(f"  {line}", flush=True)

    def start(self, name, argv):
        p = Process(name, argv, self.env, self.workdir)
        self.processes.append(p)
        log(f"started {name} (pid {p.pid}): {' '.join(argv)}")
        return p

    # ---- the server ----------------------------------------------------------------------------

    def start_jackd(self, rate, period, name="jackd"):
        check(self.jackd is None or not self.jackd.alive(), "a jackd of this test is still running")
        reclaim_dead_servers(self.env, keep=(self.server,))
        # --no-realtime: CI runs as root in a container where SCHED_FIFO may be refused or, worse,
        # granted to a busy machine's audio threads; the dummy backend is wall-clock paced anyway.
        self.jackd = self.start(name, ["jackd", "--no-realtime", "-n", self.server, "-d", "dummy",
                                       "-r", str(rate), "-p", str(period)])
        wait_for(lambda: self.jack_lsp() is not None, 20, f"jackd {self.server} to accept clients")
        return self.jackd

    def kill_jackd(self):
        check(self.jackd is not None and self.jackd.alive(), "no jackd to kill")
        log(f"killing jackd (pid {self.jackd.pid}) with SIGKILL")
        self.jackd.popen.kill()
        self.jackd.wait(10)
        remove_server_files(self.server)

    # ---- JACK tools ------------------------------------------------------------------------------

    def run_tool(self, argv, timeout=10):
        return subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout,
                              preexec_fn=_die_with_parent)

    def jack_lsp(self):
        """{port: set(connected ports)}, or None when the server is not there."""
        try:
            r = self.run_tool(["jack_lsp", "-c"])
        except subprocess.TimeoutExpired:
            return None
        if r.returncode != 0:
            return None
        ports = {}
        current = None
        for line in r.stdout.splitlines():
            if not line.strip():
                continue
            if line.startswith((" ", "\t")):
                if current is not None:
                    ports[current].add(line.strip())
            else:
                current = line.strip()
                ports[current] = set()
        return ports

    def set_buffer_size(self, frames):
        r = self.run_tool(["jack_bufsize", str(frames)])
        check(r.returncode == 0, f"jack_bufsize {frames} failed: {r.stdout} {r.stderr}")
        log(f"period size now {frames}")

    def wait_connected(self, wanted, timeout):
        """Wait until every (source, ours) pair in wanted is connected; returns the port map."""
        state = {}

        def done():
            ports = self.jack_lsp() or {}
            state["ports"] = ports
            return all(ours in ports.get(source, set()) for source, ours in wanted)

        wait_for(done, timeout, f"connections {sorted(wanted)}",
                 lambda: f"jack_lsp -c: {json.dumps({k: sorted(v) for k, v in state.get('ports', {}).items()})}")
        return state["ports"]


def wait_for(predicate, timeout, what, details=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise TestFailure(f"timed out after {timeout} s waiting for {what}" + (f"\n{details()}" if details else ""))


_LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/")


def listening_port(process, timeout=20, occurrence=1):
    """The port in the `occurrence`-th "listening on http://127.0.0.1:PORT/" line a `headroom serve`
    or `hub` started on port 0 logged (a reload logs another); waits for it, fails if it exits."""
    found = {}

    def done():
        ports = _LISTENING.findall(process.output())
        if len(ports) >= occurrence:
            found["port"] = int(ports[occurrence - 1])
            return True
        check(process.alive(), f"{process.name} exited:\n{process.output()[-2000:]}")
        return False

    wait_for(done, timeout, f"{process.name} to listen", lambda: process.output()[-2000:])
    return found["port"]


class StatisticsLog:
    """Follows `headroom serve --log FILE`: one JSON object per node per second."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.xruns = None  # the count on the last line read (lines skipped over count as between)

    def skip_to_end(self):
        self.offset = os.path.getsize(self.path) if os.path.exists(self.path) else 0
        self.partial = b""

    def new_lines(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        data = self.partial + data
        *complete, self.partial = data.split(b"\n")
        return [json.loads(line) for line in complete if line.strip()]

    def wait_levels(self, expected, timeout, tolerance_db=0.1, consecutive=3, key="level_dbfs",
                    slow_graph_cap=150):
        """Wait until every (node, stage) in expected reads its value (dB) within tolerance on
        `consecutive` successive log lines. Transients (a connection being made, a restart) reset
        the count instead of failing the test; only never settling fails it. Returns the last values.

        `timeout` is in seconds of *audio* as the log reports them (`audio_seconds`), and at least
        that much wall time: the dummy backend has no real-time priority, and on a starved VM it
        has run 8 to 30 times slower than the clock (CI, stop 11) while every line it did log read
        right. A wall-clock cap (`slow_graph_cap`) still ends a graph that hardly moves.

        On a line whose `xruns` count moved since the line before it, and on the line after that, a
        wrong reading does not reset the count (a right one still counts): an xrun breaks the
        generated signal itself (at 64 frames on a starved VM a -18.0 dBFS sine read -18.12), and a
        reading across it says nothing about the meter."""
        streak = {k: 0 for k in expected}
        last = {}
        start = time.monotonic()
        first_audio = None
        audio = None
        disturbed_until = -1  # audio second up to which lines were taken across an xrun
        disturbed_misses = 0
        while True:
            for line in self.new_lines():
                seconds = line.get("audio_seconds")
                if isinstance(seconds, (int, float)):
                    first_audio = seconds if first_audio is None else min(first_audio, seconds)
                    audio = seconds
                count = line.get("xruns")
                disturbed = False
                if isinstance(count, int) and isinstance(seconds, (int, float)):
                    if self.xruns is not None and count > self.xruns:
                        disturbed_until = seconds + 1.0
                    self.xruns = count
                    disturbed = seconds <= disturbed_until
                for tap in line.get("taps", []):
                    k = (line.get("node"), tap.get("stage"))
                    if k not in expected:
                        continue
                    value = tap.get(key)
                    last[k] = value
                    ok = value is not None and abs(value - expected[k]) <= tolerance_db
                    if ok:
                        streak[k] += 1
                    elif disturbed:
                        disturbed_misses += 1  # the signal broke, not the meter: the count stands
                    else:
                        streak[k] = 0
            if all(n >= consecutive for n in streak.values()):
                return last
            wall = time.monotonic() - start
            audio_waited = 0 if audio is None else audio - first_audio
            if wall >= slow_graph_cap or (wall >= timeout and audio_waited >= timeout):
                break
            time.sleep(0.2)
        raise TestFailure(f"levels did not settle within {timeout} s of audio ({audio_waited:.1f} s of audio in "
                          f"{wall:.0f} s; {disturbed_misses} wrong readings across xruns not held against it): "
                          f"wanted {key} {expected} ±{tolerance_db} dB on {consecutive} lines; "
                          f"last read {last}; streaks {streak}")


def run(main):
    """Run a test's main(), turning TestFailure into exit code 1 with one clear message."""
    try:
        main()
    except TestFailure as e:
        log(f"FAIL: {e}")
        sys.exit(1)
    log("PASS")


if __name__ == "__main__":
    # `jacktest.py reclaim-dead-servers`: the browser tests' harness (tests/web/harness.mjs) frees the
    # same table rows before it starts its own jackd.
    if sys.argv[1:] != ["reclaim-dead-servers"]:
        sys.exit("usage: jacktest.py reclaim-dead-servers")
    reclaim_dead_servers(dict(os.environ))
