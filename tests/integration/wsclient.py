"""A small RFC 6455 client for the integration tests (standard library only): the raw pieces the
hardening probe needs (handshake, frames, a frame reader) and a Client that reads in the background
and decodes the server's messages (text as JSON, binary meter frames' headers).
"""

import base64
import json
import os
import socket
import struct
import threading
import time

HOST = "127.0.0.1"


class HandshakeFailed(Exception):
    pass


def connect(port, timeout=10.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.settimeout(timeout)
    return s


def read_head(s, limit=65536):
    data = b""
    while b"\r\n\r\n" not in data:
        d = s.recv(1)
        if not d:
            raise HandshakeFailed(f"connection closed before a full response header: {data[:200]!r}")
        data += d
        if len(data) > limit:
            raise HandshakeFailed("response header too long")
    head = data.decode(errors="replace")
    lines = head.split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


def ws_connect(port, extra="", origin=True, timeout=10.0):
    s = connect(port, timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    h = (f"GET /ws HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: headroom.v1\r\n"
         + (f"Origin: http://{HOST}:{port}\r\n" if origin else "") + extra + "\r\n")
    s.sendall(h.encode())
    status, headers = read_head(s)
    return s, status, headers


def frame(op, payload, fin=True, mask=True, rsv=0):
    n = len(payload)
    hdr = bytes([(0x80 if fin else 0) | (rsv << 4) | op])
    m = 0x80 if mask else 0
    if n < 126:
        hdr += bytes([m | n])
    elif n < 65536:
        hdr += bytes([m | 126]) + struct.pack("!H", n)
    else:
        hdr += bytes([m | 127]) + struct.pack("!Q", n)
    if mask:
        k = os.urandom(4)
        hdr += k
        payload = bytes(c ^ k[i % 4] for i, c in enumerate(payload))
    return hdr + payload


class FrameReader:
    def __init__(self, s):
        self.s = s
        self.buf = b""

    def _need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read(self):
        """(opcode, payload); raises EOFError or OSError (timeout, reset)."""
        b0, b1 = self._need(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        key = self._need(4) if b1 & 0x80 else None
        payload = self._need(n)
        if key:
            payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
        return b0 & 0x0F, payload



def meter_header(payload):
    """The fields of a binary meter frame's 32-byte header (proto/PROTOCOL.md §3)."""
    version, kind, flags, fields, ranges, sequence, server_time_us, topology_version, count = struct.unpack_from(
        "<BBHHHQQII", payload)
    return {"version": version, "frame_type": kind, "flags": flags, "fields": fields, "range_count": ranges,
            "sequence": sequence, "server_time_us": server_time_us, "topology_version": topology_version,
            "count": count}


class Client:
    """A WebSocket client on /ws that keeps every message: text as parsed JSON, binary frames as
    their header fields ({"type": "meter", ...}). Answers pings; stops at close or EOF."""

    def __init__(self, port, extra=""):
        self.sock, status, _ = ws_connect(port, extra=extra)
        if status != 101:
            raise HandshakeFailed(f"WebSocket upgrade answered {status}")
        self.sock.settimeout(None)
        self.messages = []
        self.closed = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        reader = FrameReader(self.sock)
        try:
            while True:
                op, payload = reader.read()
                if op == 1:
                    message = json.loads(payload)
                elif op == 2:
                    message = {"type": "meter", **meter_header(payload)}
                elif op == 9:
                    self.sock.sendall(frame(10, payload))
                    continue
                elif op == 8:
                    self.closed = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    return
                else:
                    continue
                with self._lock:
                    self.messages.append(message)
        except (EOFError, OSError):
            self.closed = self.closed or "EOF"

    def snapshot(self):
        with self._lock:
            return list(self.messages)

    def wait_for(self, predicate, timeout, what):
        """The first message (after those already seen by earlier waits) that satisfies predicate."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.snapshot():
                if predicate(m):
                    return m
            time.sleep(0.05)
        raise TimeoutError(f"no {what} within {timeout} s (closed: {self.closed})")

    def close(self):
        try:
            self.sock.sendall(frame(8, struct.pack("!H", 1000)))
        except OSError:
            pass
        self.sock.close()
