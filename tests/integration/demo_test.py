#!/usr/bin/python3
"""headroom demo + headroom serve on deploy/sessions/demo.json under a private jackd -d dummy.

- every tap of the session is active on /api/v1/snapshot (signal at every metering point) and the
  bus inputs measured by serve equal the sums of their members (the demo sums as Headroom does);
- a scenario typed on the demo's standard input switches it live: "hot-vocal" raises the vocal's
  input level by about 10 dB while its plugin input stays where it was (the trim followed);
- SIGUSR1 moves to the next scenario (logged);
- jackd killed and restarted: the demo comes back by itself (ports re-registered, serve reconnects,
  every tap active again);
- SIGTERM: the demo exits 0 and its ports are gone.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jacktest  # noqa: E402
from jacktest import check, log  # noqa: E402


class StdinProcess(jacktest.Process):
    """A jacktest.Process whose standard input is the given file descriptor."""

    def __init__(self, name, argv, env, workdir, stdin):
        self.name = name
        self.argv = argv
        self.output_path = os.path.join(workdir, f"{name}.log")
        self._output = open(self.output_path, "ab")
        self.popen = subprocess.Popen(argv, stdout=self._output, stderr=subprocess.STDOUT, stdin=stdin, env=env,
                                      preexec_fn=jacktest._die_with_parent, cwd=workdir)


def snapshot(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/snapshot", timeout=5) as r:
            return json.loads(r.read())
    except (OSError, ValueError):
        return None


def taps(snap):
    return {(n["id"], t["stage"]): t for n in snap["nodes"] for t in n["taps"]}


def wait_all_active(port, timeout):
    state = {}

    def done():
        snap = snapshot(port)
        if snap is None:
            return False
        state["inactive"] = [k for k, t in taps(snap).items() if not t.get("active")]
        state["snap"] = snap
        return len(taps(snap)) >= 50 and not state["inactive"]

    jacktest.wait_for(done, timeout, "every tap of the demo session to be active",
                      lambda: f"inactive: {state.get('inactive')}")
    return state["snap"]


def loudest(port, node, stage, seconds):
    """The highest 300 ms level of a tap over `seconds` (the vocal breathes every fourth bar)."""
    best = -200.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        snap = snapshot(port)
        if snap:
            level = taps(snap)[(node, stage)].get("level_dbfs")
            if level is not None:
                best = max(best, level)
        time.sleep(0.1)
    return best


def main():
    parser = jacktest.common_arguments(__doc__)
    parser.add_argument("--session", required=True, help="deploy/sessions/demo.json")
    args = parser.parse_args()
    with jacktest.Harness("demo", args.workdir) as h:
        h.start_jackd(48000, 256)
        # The demo's standard input is a pipe we keep: scenario names go through it.
        read_end, write_end = os.pipe()
        demo = StdinProcess("demo", [args.headroom, "demo", "--session", args.session, "--jack-server", h.server],
                            h.env, h.workdir, read_end)
        os.close(read_end)
        h.processes.append(demo)
        log(f"started demo (pid {demo.pid})")
        serve = h.start("serve", [args.headroom, "serve", "--session", args.session, "--jack-server", h.server,
                                  "--listen", "127.0.0.1:0"])
        port = jacktest.listening_port(serve)

        snap = wait_all_active(port, 30)
        log(f"{len(taps(snap))} taps active")
        # Ports connect one by one at the start: the bus comparison is judged once the 10 s window
        # holds only fully connected audio.
        jacktest.wait_for(lambda: all((n.get("bus") or {}).get("active_seconds", 99) >= 12
                                      for n in (snapshot(port) or {"nodes": [{"bus": {"active_seconds": 0}}]})["nodes"]),
                          30, "12 s of bus signal")
        snap = snapshot(port)
        for node in snap["nodes"]:
            bus = node.get("bus")
            if bus and bus.get("measured_minus_predicted_db") is not None:
                check(abs(bus["measured_minus_predicted_db"]) < 0.5,
                      f"{node['id']}: measured bus input differs from its members: {bus}")

        before_input = loudest(port, "vocal", "input", 9)
        before_plugin = loudest(port, "vocal", "pre_insert", 1)
        os.write(write_end, b"hot-vocal\n")
        jacktest.wait_for(lambda: "scenario hot-vocal" in demo.output(), 5, "the demo to switch", demo.output)
        time.sleep(1.0)
        after_input = loudest(port, "vocal", "input", 9)
        after_plugin = loudest(port, "vocal", "pre_insert", 1)
        log(f"vocal input {before_input:.1f} -> {after_input:.1f} dBFS; pre_insert {before_plugin:.1f} -> "
            f"{after_plugin:.1f}")
        check(after_input - before_input > 6.0, "hot-vocal did not raise the vocal input level")
        check(after_input > -6.0, f"hot-vocal's vocal input reads {after_input:.1f} dBFS, not hot")

        demo.signal(signal.SIGUSR1)
        jacktest.wait_for(lambda: "scenario gain-stacking" in demo.output(), 5, "SIGUSR1 to move to the next scenario",
                          demo.output)

        h.kill_jackd()
        time.sleep(1.0)
        check(demo.alive(), "the demo exited when the JACK server went away")
        h.start_jackd(48000, 256, name="jackd-2")
        jacktest.wait_for(lambda: demo.output().count("playing 68 ports") >= 2, 20, "the demo to come back",
                          demo.output)
        wait_all_active(port, 40)
        log("demo and serve back after the JACK restart")

        os.close(write_end)
        code = demo.stop(timeout=10)
        check(code == 0, f"demo exited with {code} on SIGTERM\n{demo.output()[-2000:]}")
        ports = h.jack_lsp() or {}
        check(not any(p.startswith("headroom-demo:") for p in ports), "the demo's ports remain after it stopped")


if __name__ == "__main__":
    jacktest.run(main)
