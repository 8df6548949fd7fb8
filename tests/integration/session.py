"""The session the JACK integration tests meter, and what it must read (docs/SESSION.md format).

Generator client "gen" plays three coherent 1 kHz sines at -18 dBFS peak (ports a, b, c); the
late client "late" plays 500 Hz at -24 dBFS. A -18 dBFS sine reads -18.0 dBFS AES17 RMS; the
virtual bus "guitars" sums gtr1 and gtr2 post-fader (two coherent -18 dBFS members, same channel
count as the bus) and reads -18 + 20*log10(2) = -11.98 dBFS.
"""

import json
import os

GENERATOR = "gen"
LATE = "late"
GENERATOR_PORTS = ["a:sine:1000:-18", "b:sine:1000:-18", "c:sine:1000:-18"]
LATE_PORTS = ["out:sine:500:-24"]

SESSION = {
    "name": "JACK integration test",
    "room": "CI",
    "reference": {"zero_vu_dbfs": -18, "rms": "aes17"},
    "channels": [
        {"id": "gtr1", "bus": "guitars", "taps": {"input": [f"{GENERATOR}:a"], "post_fader": [f"{GENERATOR}:a"]}},
        {"id": "gtr2", "bus": "guitars", "taps": {"post_fader": [f"{GENERATOR}:b"]}},
        {"id": "vox", "bus": "master", "taps": {"post_fader": [f"{LATE}:out"]}},
    ],
    # Mono bus with an untapped input: Headroom computes it (a virtual bus).
    "buses": [{"id": "guitars", "channels": 1, "to": "master", "taps": {"post_fader": [f"{GENERATOR}:c"]}}],
    "master": {"channels": 1},
}

# (node, stage) -> dBFS (AES17 RMS)
EXPECTED = {
    ("gtr1", "input"): -18.0,
    ("gtr1", "post_fader"): -18.0,
    ("gtr2", "post_fader"): -18.0,
    ("guitars", "pre_insert"): -12.0,
}
EXPECTED_LATE = {("vox", "post_fader"): -24.0}

# (source, our port) pairs serve must connect, with the default client name "headroom"
CONNECTIONS = [
    (f"{GENERATOR}:a", "headroom:gtr1/input/1"),
    (f"{GENERATOR}:a", "headroom:gtr1/post_fader/1"),
    (f"{GENERATOR}:b", "headroom:gtr2/post_fader/1"),
    (f"{GENERATOR}:c", "headroom:guitars/post_fader/1"),
]
LATE_CONNECTIONS = [(f"{LATE}:out", "headroom:vox/post_fader/1")]
OUR_PORTS = {ours for _, ours in CONNECTIONS + LATE_CONNECTIONS}


def write(workdir):
    path = os.path.join(workdir, "session.json")
    with open(path, "w") as f:
        json.dump(SESSION, f, indent=2)
    return path


def generator_argv(headroom, server, client=GENERATOR, ports=None):
    argv = [headroom, "generate", "--jack-server", server, "--client-name", client]
    for p in ports if ports is not None else GENERATOR_PORTS:
        argv += ["--port", p]
    return argv


def serve_argv(headroom, server, session_path, log_path):
    # --listen on port 0: parallel runs (and anything already on 8080) never collide on the HTTP port.
    return [headroom, "serve", "--session", session_path, "--jack-server", server, "--log", log_path,
            "--listen", "127.0.0.1:0"]


def start_metered(h, serve_binary, sources, late=False):
    """Where most JACK tests start: jackd at 48 kHz / 256 frames, the generator (and the late
    source), and `serve_binary serve` on this session logging to statistics.jsonl.
    Returns (serve, session_path, stats_path)."""
    session_path = write(h.workdir)
    stats_path = os.path.join(h.workdir, "statistics.jsonl")
    h.start_jackd(48000, 256)
    h.start("gen", generator_argv(sources, h.server))
    if late:
        h.start("late", generator_argv(sources, h.server, LATE, LATE_PORTS))
    serve = h.start("serve", serve_argv(serve_binary, h.server, session_path, stats_path))
    return serve, session_path, stats_path
