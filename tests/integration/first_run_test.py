#!/usr/bin/python3
"""The README's first command, run as a new user would, non-interactively.

deploy/run.sh with HEADROOM_SKIP_INSTALL=1 (no apt-get) and HEADROOM_BINARY (the tree CTest just
built, so nothing is rebuilt), `--for 150 --port 0`, its temporary files under this test's work
directory, and JACK_DEFAULT_SERVER naming a server that does not exist, so the script takes its
"no JACK server running" path and starts its own private `jackd -d dummy`. Within 60 s of the start:
the printed local URL carries a token; /readyz answers 200; / answers 200 when the dashboard
exists (web/index.html); /api/v1/snapshot shows every tap of the demo session active (signal at
every metering point) and the audio clock advancing (meters stream). Then SIGINT (Ctrl-C): the
script must exit promptly, every process it started (jackd, headroom demo, headroom serve) must be
gone, its private server's /dev/shm files and its temporary directory removed, and processes it
did not start (a bystander jackd and headroom of this test) must still be running.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jacktest  # noqa: E402
from jacktest import check, log  # noqa: E402


def children_of(pid):
    """Every descendant of pid (from /proc), as {pid: command line}."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        parents[int(entry)] = (ppid, cmdline)
    found, frontier = {}, [pid]
    while frontier:
        p = frontier.pop()
        for child, (ppid, cmdline) in parents.items():
            if ppid == p and child not in found:
                found[child] = cmdline
                frontier.append(child)
    return found


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def get(url, timeout=5, token=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return None, b""


def main():
    parser = jacktest.common_arguments(__doc__)
    parser.add_argument("--source", required=True, help="the source tree (holds deploy/run.sh)")
    args = parser.parse_args()
    with jacktest.Harness("first-run", args.workdir) as h:
        # Bystanders: a JACK server and a headroom client this test started, not the script.
        h.start_jackd(48000, 256, name="bystander-jackd")
        bystander = h.start("bystander-gen", [args.headroom, "generate", "--jack-server", h.server,
                                              "--client-name", "bystander", "--port", "a:sine:1000:-18"])
        time.sleep(1.0)
        check(bystander.alive(), "the bystander generator did not start")

        env = dict(os.environ)
        env.update({
            "HEADROOM_SKIP_INSTALL": "1",
            "HEADROOM_BINARY": args.headroom,
            "TMPDIR": h.workdir,
            "JACK_DEFAULT_SERVER": f"headroom-first-run-{os.getpid()}-absent",
        })
        env.pop("JACK_NO_START_SERVER", None)
        output_path = os.path.join(h.workdir, "run.sh.log")
        started = time.monotonic()
        with open(output_path, "wb") as output:
            run = subprocess.Popen([os.path.join(args.source, "deploy", "run.sh"), "--for", "150", "--port", "0"],
                                   stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                   cwd=h.workdir, preexec_fn=jacktest._die_with_parent)
        log(f"started deploy/run.sh (pid {run.pid})")

        def text():
            with open(output_path, "rb") as f:
                return f.read().decode(errors="replace")

        try:
            state = {}

            def url_printed():
                m = re.search(r"on this machine: +http://localhost:(\d+)/#token=([0-9a-f]+)", text())
                if m:
                    state["port"], state["token"] = int(m.group(1)), m.group(2)
                check(run.poll() is None, f"deploy/run.sh exited with {run.returncode}:\n{text()}")
                return m is not None

            jacktest.wait_for(url_printed, 60, "deploy/run.sh to print the dashboard URL", text)
            base = f"http://127.0.0.1:{state['port']}"
            check(re.search(r"tablets on the LAN: http://\S+/#token=[0-9a-f]+|no LAN address found", text()),
                  f"no LAN URL printed:\n{text()}")
            ours = children_of(run.pid)
            log("run.sh started: " + "; ".join(f"{p} {c[:70]}" for p, c in sorted(ours.items())))
            kinds = {"jackd": "jackd ", "demo": " demo ", "serve": " serve "}
            for kind, marker in kinds.items():
                check(any(marker in c + " " for c in ours.values()), f"no {kind} among run.sh's children: {ours}")

            status, _ = get(base + "/readyz")
            check(status == 200, f"/readyz answered {status}")
            if os.path.exists(os.path.join(args.source, "web", "index.html")):
                status, _ = get(base + "/")
                check(status == 200, f"/ answered {status}")

            status, _ = get(base + "/api/v1/snapshot")
            check(status == 401, f"/api/v1/snapshot without the token answered {status}, expected 401")

            def all_taps_active():
                status, body = get(base + "/api/v1/snapshot", token=state["token"])
                if status != 200:
                    return False
                snap = json.loads(body)
                taps = [(n["id"], t["stage"], t.get("active"), t.get("level_dbfs"))
                        for n in snap["nodes"] for t in n["taps"]]
                state["taps"] = taps
                state.setdefault("clock", []).append(snap.get("audio_seconds") or 0.0)
                return len(taps) >= 40 and all(a and lvl is not None for _, _, a, lvl in taps)

            remaining = 60 - (time.monotonic() - started)
            jacktest.wait_for(all_taps_active, max(remaining, 5), "every tap of the demo to be active",
                              lambda: f"taps: {state.get('taps')}")
            time.sleep(1.0)
            all_taps_active()
            clock = state["clock"]
            check(clock[-1] > clock[0], f"the audio clock did not advance: {clock}")
            log(f"{len(state['taps'])} taps active after {time.monotonic() - started:.1f} s; audio clock {clock[-1]} s")

            # Ctrl-C
            ours = children_of(run.pid)
            run.send_signal(signal.SIGINT)
            try:
                code = run.wait(timeout=30)
            except subprocess.TimeoutExpired:
                raise jacktest.TestFailure(f"deploy/run.sh did not stop within 30 s of SIGINT:\n{text()}")
            log(f"deploy/run.sh exited with {code} on SIGINT")
            check(code == 130, f"deploy/run.sh exited with {code} on SIGINT, expected 130:\n{text()}")
            check("stopped everything this run started" in text(), f"no stop message:\n{text()}")
            survivors = {p: c for p, c in ours.items() if alive(p)}
            check(not survivors, f"processes started by run.sh survived: {survivors}")
            private = re.search(r"starting a private one \('([^']+)'", text())
            check(private is not None, f"run.sh did not start a private server:\n{text()}")
            leftovers = [e for e in os.listdir("/dev/shm") if private.group(1) in e]
            check(not leftovers, f"the private server's /dev/shm files remain: {leftovers}")
            temporary = [e for e in os.listdir(h.workdir) if e.startswith("headroom-run.")]
            check(not temporary, f"run.sh left its temporary directory: {temporary}")
            check(h.jackd.alive() and bystander.alive(), "run.sh stopped a process it did not start")
        finally:
            if run.poll() is None:
                run.send_signal(signal.SIGTERM)
                try:
                    run.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    run.kill()


if __name__ == "__main__":
    jacktest.run(main)
