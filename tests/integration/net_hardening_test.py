#!/usr/bin/python3
"""Network hardening of the REAL `headroom serve` (hardening-checklist.md §6), on loopback.

A private `jackd -d dummy`, the signal generator and `headroom serve --listen 127.0.0.1:0` (the
port is read from its "listening on" log line). Then, against that process:

  W-3  Appendix A raw-frame probe: invalid UTF-8 -> 1007; unmasked, RSV1, opcode 3, fragmented
       ping, 126-byte ping, close code 1005 on the wire -> 1002; read_message_max + 1 -> 1009
  W-4  a permessage-deflate offer -> the 101 has no Sec-WebSocket-Extensions
  H-2  Content-Length 2000000 -> 413/400 and close; a chunked flood with huge chunk extensions is
       closed quickly and the server's RSS grows < 1 MB
  H-3  9 KiB header -> 431 (or close); slowloris sockets (one header byte every 2 s) closed by the
       10 s header timeout while a legit request succeeds meanwhile
  H-4, H-5, O-1  Host allow-list (421), security headers, /livez and /readyz
  C-2  idle keep-alive connections closed after the 15 s keep-alive timeout
  W-7b a WebSocket client that never answers pings is closed within idle timeout (20 s) + ping
       interval; the ws_clients gauge returns to its baseline
  O-2  /metrics passes `promtool check metrics` (promtool from Debian's prometheus .deb, skipped
       when it cannot be fetched)
  C-1  soft RLIMIT_NOFILE 64 on the server, 200 sockets: network thread < 5 % CPU over 3 s, log
       grows < 100 lines, a normal request succeeds after the flood
  S-1  SIGTERM with 5 WebSocket clients: each gets close 1001 within 2 s; exit 0 within 5 s

The slow checks (H-3, C-2, W-7b: the server's default timeouts) run concurrently, so the whole test
takes about 35 s. Standard library only (/usr/bin/python3). Last line: "N passed, N failed".
"""

import glob
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jacktest  # noqa: E402
import session  # noqa: E402
from wsclient import FrameReader, HandshakeFailed, connect, frame, read_head, ws_connect  # noqa: E402
from jacktest import log  # noqa: E402

HOST = "127.0.0.1"

# server/net/NetOptions.h
READ_MESSAGE_MAX = 4096
HEADER_TIMEOUT_S = 10.0
KEEP_ALIVE_TIMEOUT_S = 15.0
WS_IDLE_TIMEOUT_S = 20.0  # pings at half of it

# What the probes measure the server against (generous: a loaded 2-core machine).
SLACK_S = 5.0


class CheckFailed(Exception):
    pass


def need(condition, message):
    if not condition:
        raise CheckFailed(message)


# ---- raw HTTP ------------------------------------------------------------------------------------

def read_response(s, head_request=False):
    status, headers = read_head(s)
    body = b""
    length = 0 if head_request else int(headers.get("content-length", "0"))
    while len(body) < length:
        d = s.recv(length - len(body))
        if not d:
            break
        body += d
    return status, headers, body


def wait_eof(s, timeout):
    """Seconds until the peer closed (EOF or reset), or None when still open after timeout."""
    start = time.monotonic()
    deadline = start + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([s], [], [], min(left, 0.5))
        if r:
            try:
                d = s.recv(65536)
            except OSError:
                return time.monotonic() - start
            if not d:
                return time.monotonic() - start


def http_get(port, path, host=None, extra="", timeout=10.0):
    s = connect(port, timeout)
    try:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host or f'{HOST}:{port}'}\r\n{extra}Connection: close\r\n\r\n"
                  .encode())
        return read_response(s)
    finally:
        s.close()


# ---- raw WebSocket (Appendix A; wsclient has the frame reader: the server sends hello and meters) -

def close_code(s, timeout=10.0):
    """The code of the server's first close frame (skipping hello, meters, pings), else a marker."""
    s.settimeout(timeout)
    reader = FrameReader(s)
    try:
        while True:
            op, payload = reader.read()
            if op == 8:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else "close-without-code"
    except EOFError:
        return "EOF"
    except Exception as e:  # noqa: BLE001
        return type(e).__name__


# ---- /proc -----------------------------------------------------------------------------------------

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(path):
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def metric(port, name):
    _, _, body = http_get(port, "/metrics")
    m = re.search(rf"^{name} (\S+)$", body.decode(), re.M)
    return float(m.group(1)) if m else None


# ---- the checks --------------------------------------------------------------------------------------

class Run:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.lock = threading.Lock()

    def check(self, name, fn, *args):
        try:
            detail = fn(*args)
            with self.lock:
                self.passed += 1
            log(f"PASS {name}: {detail or ''}")
        except Skip as e:
            with self.lock:
                self.skipped += 1
            log(f"SKIP {name}: {e}")
        except Exception as e:  # noqa: BLE001
            with self.lock:
                self.failed += 1
            log(f"FAIL {name}: {type(e).__name__}: {e}")


class Skip(Exception):
    pass


PROBE_CASES = [
    ("utf8", lambda: frame(1, b"\xff\xfe"), 1007),
    ("unmasked", lambda: frame(2, b"a", mask=False), 1002),
    ("rsv1", lambda: frame(2, b"a", rsv=4), 1002),
    ("op3", lambda: frame(3, b""), 1002),
    ("fragping", lambda: frame(9, b"", fin=False), 1002),
    ("bigping", lambda: frame(9, b"x" * 126), 1002),
    ("close1005", lambda: frame(8, struct.pack("!H", 1005)), 1002),
    ("toobig", lambda: frame(1, b"a" * (READ_MESSAGE_MAX + 1)), 1009),
]


def probe_case(port, payload, want):
    s, status, headers = ws_connect(port)
    try:
        need(status == 101, f"handshake answered {status}")
        need(headers.get("sec-websocket-protocol") == "headroom.v1",
             f"subprotocol echoed {headers.get('sec-websocket-protocol')!r}")
        try:
            s.sendall(payload)
        except OSError:
            pass  # the server may close mid-send (1009); its close frame is usually still readable
        got = close_code(s)
        need(got == want, f"want close {want}, got {got}")
        return f"close {got}"
    finally:
        s.close()


def check_w4(port):
    s, status, headers = ws_connect(port, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n")
    s.close()
    need(status == 101, f"handshake answered {status}")
    need("sec-websocket-extensions" not in headers, f"101 negotiated {headers.get('sec-websocket-extensions')}")
    return "101 without Sec-WebSocket-Extensions"


def check_h2_content_length(port):
    s = connect(port)
    try:
        s.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Length: 2000000\r\n\r\n".encode()
                  + b"x" * 4096)
        status, _, _ = read_response(s)
        need(status in (413, 400), f"status {status}, want 413 or 400")
        closed = wait_eof(s, 5.0)
        need(closed is not None, "connection still open 5 s after the refusal")
        return f"{status}, closed after {closed:.2f} s"
    finally:
        s.close()


def check_h2_chunked(port, pid):
    before = rss_kb(pid)
    s = connect(port)
    sent = 0
    total = 50 * 1024 * 1024
    start = time.monotonic()
    closed_by_server = False
    try:
        s.sendall(f"POST / HTTP/1.1\r\nHost: {HOST}:{port}\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=".encode())
        block = b"x" * 65536
        s.settimeout(5.0)
        while sent < total and time.monotonic() - start < 20:
            try:
                sent += s.send(block)
            except socket.timeout:
                closed_by_server = False  # the server stopped reading but kept the socket: checked below
                break
            except OSError:
                closed_by_server = True
                break
        if not closed_by_server:
            closed_by_server = wait_eof(s, 5.0) is not None
    finally:
        s.close()
    elapsed = time.monotonic() - start
    time.sleep(0.5)
    delta = rss_kb(pid) - before
    need(closed_by_server, f"connection not closed by the server after {sent} bytes")
    need(sent < total, "the whole 50 MB were accepted")
    need(elapsed < 10, f"took {elapsed:.1f} s to be closed")
    need(delta < 1024, f"RSS grew by {delta} kB")
    return f"closed after {sent // 1024} KiB sent (incl. kernel buffers) in {elapsed:.2f} s; RSS delta {delta} kB"


def check_h3_header_limit(port):
    s = connect(port)
    try:
        s.sendall(f"GET /livez HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Big: {'a' * 9216}\r\n\r\n".encode())
        try:
            status, _, _ = read_response(s)
        except (CheckFailed, HandshakeFailed, OSError):
            return "closed without a response"
        need(status == 431, f"status {status}, want 431")
        return "431"
    finally:
        s.close()


def check_h3_slowloris(port, count=10, interval=2.0):
    request = f"GET /livez HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Slow: {'a' * 40}\r\n\r\n".encode()
    socks = [connect(port) for _ in range(count)]
    opened = time.monotonic()
    closed_at = {}
    position = 0
    legit = None
    next_send = opened
    try:
        while len(closed_at) < count and time.monotonic() - opened < HEADER_TIMEOUT_S + 3 * SLACK_S:
            now = time.monotonic()
            if now >= next_send and position < len(request):
                for i, s in enumerate(socks):
                    if i not in closed_at:
                        try:
                            s.send(request[position:position + 1])
                        except OSError:
                            closed_at[i] = time.monotonic() - opened
                position += 1
                next_send += interval
            if legit is None and now - opened > 4.0:
                status, _, body = http_get(port, "/livez")
                legit = (status, time.monotonic() - opened)
            open_socks = [s for i, s in enumerate(socks) if i not in closed_at]
            r, _, _ = select.select(open_socks, [], [], 0.2) if open_socks else ([], [], [])
            for s in r:
                i = socks.index(s)
                try:
                    d = s.recv(4096)
                except OSError:
                    d = b""
                if not d:
                    closed_at[i] = time.monotonic() - opened
    finally:
        for s in socks:
            s.close()
    need(legit is not None and legit[0] == 200, f"legit request during slowloris: {legit}")
    need(len(closed_at) == count, f"{count - len(closed_at)} slowloris sockets still open after "
                                  f"{HEADER_TIMEOUT_S + 3 * SLACK_S:.0f} s")
    latest = max(closed_at.values())
    earliest = min(closed_at.values())
    need(latest <= HEADER_TIMEOUT_S + SLACK_S, f"last slowloris socket closed after {latest:.1f} s")
    need(earliest >= HEADER_TIMEOUT_S - 2.0, f"a slowloris socket closed early, after {earliest:.1f} s")
    return (f"{count} sockets closed after {earliest:.1f}-{latest:.1f} s ({position} bytes each); "
            f"legit GET /livez 200 at {legit[1]:.1f} s")


def check_c2(port, count=100):
    socks = []
    try:
        for _ in range(count):
            s = connect(port)
            s.sendall(f"GET /livez HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
            status, headers, _ = read_response(s)
            need(status == 200, f"status {status}")
            need(headers.get("connection", "").lower() != "close", "the server did not keep the connection alive")
            socks.append((s, time.monotonic()))
        results = [None] * count
        deadline = time.monotonic() + KEEP_ALIVE_TIMEOUT_S + 3 * SLACK_S
        pending = {s: i for i, (s, _) in enumerate(socks)}
        while pending and time.monotonic() < deadline:
            r, _, _ = select.select(list(pending), [], [], 0.5)
            for s in r:
                try:
                    d = s.recv(4096)
                except OSError:
                    d = b""
                if not d:
                    i = pending.pop(s)
                    results[i] = time.monotonic() - socks[i][1]
    finally:
        for s, _ in socks:
            s.close()
    still = sum(r is None for r in results)
    need(still == 0, f"{still} of {count} idle keep-alive connections still open after "
                     f"{KEEP_ALIVE_TIMEOUT_S + 3 * SLACK_S:.0f} s")
    lo, hi = min(results), max(results)
    need(lo >= KEEP_ALIVE_TIMEOUT_S - 3.0, f"an idle connection was closed early, after {lo:.1f} s")
    need(hi <= KEEP_ALIVE_TIMEOUT_S + SLACK_S, f"an idle connection lived {hi:.1f} s")
    return f"{count} idle keep-alive connections closed after {lo:.1f}-{hi:.1f} s"


def check_w7b(port, baseline_clients):
    s, status, _ = ws_connect(port)
    try:
        need(status == 101, f"handshake answered {status}")
        start = time.monotonic()
        limit = WS_IDLE_TIMEOUT_S + WS_IDLE_TIMEOUT_S / 2 + SLACK_S
        s.settimeout(limit)
        reader = FrameReader(s)
        pings = 0
        frames = 0
        how = None
        try:
            while time.monotonic() - start < limit:
                op, _ = reader.read()  # read everything, answer nothing (no pong)
                frames += 1
                if op == 9:
                    pings += 1
                elif op == 8:
                    how = "close frame"
                    break
        except EOFError:
            how = "EOF"
        except socket.timeout:
            how = None
        except OSError as e:
            how = type(e).__name__
        elapsed = time.monotonic() - start
    finally:
        s.close()
    need(how is not None and elapsed <= limit, f"still open after {elapsed:.1f} s")
    need(pings >= 1, "no ping received before the close")
    need(elapsed >= WS_IDLE_TIMEOUT_S / 2, f"closed too early ({elapsed:.1f} s)")
    gauge = None
    for _ in range(25):
        gauge = metric(port, "headroom_ws_clients")
        if gauge == baseline_clients:
            break
        time.sleep(0.2)
    need(gauge == baseline_clients, f"headroom_ws_clients {gauge}, baseline {baseline_clients}")
    return f"closed ({how}) after {elapsed:.1f} s, {pings} ping(s) unanswered, {frames} frames read; gauge back to {gauge:g}"


def find_promtool(workdir):
    if shutil.which("promtool"):
        return shutil.which("promtool")
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        return None
    d = os.path.join(workdir, "promtool")
    os.makedirs(d, exist_ok=True)
    try:
        subprocess.run(["apt-get", "download", "prometheus"], cwd=d, capture_output=True, timeout=120)
        debs = glob.glob(os.path.join(d, "prometheus_*.deb"))
        if not debs:
            return None
        subprocess.run(["dpkg", "-x", debs[0], os.path.join(d, "x")], capture_output=True, timeout=120)
    except (subprocess.TimeoutExpired, OSError):
        return None
    path = os.path.join(d, "x", "usr", "bin", "promtool")
    return path if os.access(path, os.X_OK) else None


def check_o2(port, workdir):
    status, _, body = http_get(port, "/metrics")
    need(status == 200, f"/metrics status {status}")
    text = body.decode()
    for name in ("headroom_ws_clients", "headroom_jack_connected", "headroom_jack_xruns_total",
                 "headroom_rejected_connections_total", "headroom_sample_rate_hertz"):
        need(re.search(rf"^{name} ", text, re.M), f"{name} missing")
    promtool = find_promtool(workdir)
    if promtool is None:
        raise Skip("promtool not available (apt-get download prometheus failed offline); metric names checked only")
    r = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=60)
    need(r.returncode == 0, f"promtool exit {r.returncode}: {r.stdout.decode()} {r.stderr.decode()}")
    return f"promtool check metrics: exit 0 ({len(text.splitlines())} lines)"


def check_c1(port, pid, serve, count=200, soft=64):
    with open(f"/proc/{pid}/limits") as f:
        line = next(li for li in f if li.startswith("Max open files"))
    old_soft, hard = line.split()[3], line.split()[4]
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    need(fds < soft - 5, f"the server already holds {fds} descriptors")
    errors_before = metric(port, "headroom_accept_errors_total") or 0
    r = subprocess.run(["prlimit", "--pid", str(pid), f"--nofile={soft}:{hard}"], capture_output=True, text=True)
    need(r.returncode == 0, f"prlimit failed: {r.stderr}")
    socks = []
    try:
        lines_before = serve.output().count("\n")
        for _ in range(count):
            s = socket.socket()
            s.settimeout(5)
            s.connect((HOST, port))  # the listen backlog takes what accept() cannot
            socks.append(s)
        time.sleep(0.5)
        tck = os.sysconf("SC_CLK_TCK")
        net0 = cpu_ticks(f"/proc/{pid}/task/{pid}/stat")  # the network runs on the main thread
        all0 = cpu_ticks(f"/proc/{pid}/stat")
        t0 = time.monotonic()
        time.sleep(3.0)
        dt = time.monotonic() - t0
        net_pct = (cpu_ticks(f"/proc/{pid}/task/{pid}/stat") - net0) / tck / dt * 100
        all_pct = (cpu_ticks(f"/proc/{pid}/stat") - all0) / tck / dt * 100
        lines_grown = serve.output().count("\n") - lines_before
        fds_flood = len(os.listdir(f"/proc/{pid}/fd"))
    finally:
        for s in socks:
            s.close()
    try:
        ok = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                status, _, _ = http_get(port, "/livez", timeout=3)
                if status == 200:
                    ok = time.monotonic() - (deadline - 10)
                    break
            except (OSError, CheckFailed, HandshakeFailed):
                pass
            time.sleep(0.2)
        errors = (metric(port, "headroom_accept_errors_total") or 0) - errors_before if ok is not None else None
    finally:
        subprocess.run(["prlimit", "--pid", str(pid), f"--nofile={old_soft}:{hard}"], capture_output=True)
    need(serve.alive(), "the server died")
    need(net_pct < 5.0, f"network thread used {net_pct:.1f} % CPU during the flood")
    need(lines_grown < 100, f"the log grew by {lines_grown} lines")
    need(ok is not None, "no normal request succeeded within 10 s after the flood")
    return (f"{fds_flood} fds held at nofile={soft}; network thread {net_pct:.1f} % CPU (whole process "
            f"{all_pct:.1f} %, JACK + worker included); log +{lines_grown} lines; {errors:g} accept errors; "
            f"GET /livez 200 {ok:.2f} s after the flood")


def check_s1(port, serve, clients=5):
    socks = []
    for _ in range(clients):
        s, status, _ = ws_connect(port)
        need(status == 101, f"handshake answered {status}")
        socks.append(s)
    time.sleep(1.0)
    results = [None] * clients

    def watch(i, s):
        code = close_code(s, timeout=10.0)
        results[i] = (code, time.monotonic() - t0)
        if isinstance(code, int):
            try:
                s.sendall(frame(8, struct.pack("!H", code)))  # answer the close like a browser
            except OSError:
                pass

    t0 = time.monotonic()
    serve.signal(signal.SIGTERM)
    threads = [threading.Thread(target=watch, args=(i, s)) for i, s in enumerate(socks)]
    for t in threads:
        t.start()
    code = serve.wait(15)
    exit_s = time.monotonic() - t0
    for t in threads:
        t.join(15)
    for s in socks:
        s.close()
    need(all(r is not None and r[0] == 1001 for r in results), f"close codes {results}")
    latest = max(r[1] for r in results)
    need(latest <= 2.0, f"last close 1001 after {latest:.2f} s")
    need(code == 0, f"exit status {code} ({exit_s:.1f} s after SIGTERM)")
    need(exit_s <= 5.0, f"exited {exit_s:.1f} s after SIGTERM")
    return f"{clients} clients got 1001 within {latest:.2f} s; exit 0 after {exit_s:.2f} s"


def check_h4_h5_o1(port):
    status, _, _ = http_get(port, "/livez", host=f"evil.example:{port}")
    need(status in (421, 403), f"Host evil.example -> {status}")
    status, headers, body = http_get(port, "/livez", host=f"localhost:{port}")
    need(status == 200 and body == b"ok\n", f"/livez {status} {body!r}")
    for k, v in (("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer")):
        need(headers.get(k) == v, f"{k}: {headers.get(k)}")
    need("default-src 'self'" in headers.get("content-security-policy", ""), "no CSP")
    status, _, body = http_get(port, "/readyz?verbose")
    need(status == 200, f"/readyz {status}: {body!r}")
    return "evil Host 421/403; /livez 200 with nosniff, no-referrer, CSP; /readyz 200"


def main():
    args = jacktest.common_arguments(__doc__).parse_args()
    run = Run()
    with jacktest.Harness("harden", args.workdir) as h:
        serve, _, _ = session.start_metered(h, args.headroom, args.headroom)
        port = jacktest.listening_port(serve, timeout=30)
        pid = serve.pid
        log(f"serve pid {pid} listens on {port}")
        h.wait_connected(session.CONNECTIONS, timeout=30)

        def ready():
            try:
                return http_get(port, "/readyz")[0] == 200
            except (OSError, CheckFailed, HandshakeFailed):
                return False

        jacktest.wait_for(ready, 30, "/readyz 200")

        run.check("O-1/H-4/H-5 health, Host allow-list, headers", check_h4_h5_o1, port)
        for name, payload, want in PROBE_CASES:
            run.check(f"W-3 probe {name} -> {want}", probe_case, port, payload(), want)
        run.check("W-4 no permessage-deflate", check_w4, port)
        run.check("H-2 Content-Length 2000000 refused", check_h2_content_length, port)
        run.check("H-2 chunked-extension flood", check_h2_chunked, port, pid)
        run.check("H-3 9 KiB header", check_h3_header_limit, port)

        # The slow ones, concurrently: the server's default timeouts (10 s, 15 s, 20 s).
        baseline = metric(port, "headroom_ws_clients")
        threads = [threading.Thread(target=run.check, args=a) for a in (
            ("H-3 slowloris", check_h3_slowloris, port),
            ("C-2 idle keep-alive", check_c2, port),
            ("W-7b unanswered pings", check_w7b, port, baseline),
        )]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        run.check("O-2 promtool check metrics", check_o2, port, h.workdir)
        run.check("C-1 fd exhaustion", check_c1, port, pid, serve)
        run.check("S-1 graceful shutdown", check_s1, port, serve)
        if serve.alive():
            log(f"serve log tail:\n{serve.output()[-2000:]}")

    skipped = f" ({run.skipped} skipped)" if run.skipped else ""
    print(f"{run.passed} passed, {run.failed} failed{skipped}", flush=True)
    sys.exit(1 if run.failed else 0)


if __name__ == "__main__":
    try:
        main()
    except jacktest.TestFailure as e:
        log(f"FAIL (setup): {e}")
        print("0 passed, 1 failed", flush=True)
        sys.exit(1)
