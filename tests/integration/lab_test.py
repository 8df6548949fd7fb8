"""Lab mode end to end (docs/LAB.md): a private Mosquitto on loopback, two real rooms (each a
`headroom serve --mqtt` with its own `jackd -d dummy`) and `headroom hub`. Room 1 is a student's
calibrated input: `headroom generate` plays four -24 dBFS sines summed into one port (loudest moments
-12.4 dBFS, average -18 dBFS). Room 2 is the demo studio (`headroom demo` on deploy/sessions/demo.json)
playing the hot-vocal scenario, with exercise 1 on its vocal input.
Checks: both rooms live on the hub's WebSocket; a room killed with SIGKILL is marked offline by its
last will within seconds, and live again when it returns; exercise 1 started from the hub (control
role) passes in room 1 and fails in room 2 (the vocal recorded too hot); a viewer may not start
exercises; the results CSV lists both runs.
"""

import json
import os
import shutil
import signal
import socket
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jacktest  # noqa: E402
from jacktest import Harness, check, listening_port, log, wait_for  # noqa: E402
import wsclient  # noqa: E402

SESSION = {
    "name": "lab room",
    "room": "lab",
    "reference": {"zero_vu_dbfs": -18, "rms": "aes17"},
    "channels": [
        {"id": "vox", "bus": "master", "taps": {"input": ["gen:a"], "pre_insert": ["gen:a"], "post_fader": ["gen:a"]}},
    ],
    "master": {"channels": 1},
}
CALIBRATED = ["a:sine:1000:-24", "b:sine:1250:-24", "c:sine:1500:-24", "d:sine:1750:-24"]
DEMO_SESSION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "sessions", "demo.json")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    args = jacktest.common_arguments(__doc__).parse_args()
    if shutil.which("mosquitto") is None and not os.path.exists("/usr/sbin/mosquitto"):
        log("mosquitto not installed (apt-get install mosquitto): skipping")
        sys.exit(jacktest.SKIP)
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    headroom = args.headroom
    with Harness("lab1", os.path.join(args.workdir, "room1")) as room1, \
            Harness("lab2", os.path.join(args.workdir, "room2")) as room2:
        broker_port = free_port()
        conf = os.path.join(room1.workdir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {broker_port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
        broker = room1.start("mosquitto", [mosquitto, "-c", conf])
        wait_for(lambda: "running" in broker.output() or _connectable(broker_port), 10, "mosquitto to listen",
                 broker.output)
        url = f"mqtt://127.0.0.1:{broker_port}"

        def start_room(h, name, session_path=None):
            if session_path is None:
                session_path = os.path.join(h.workdir, "session.json")
                with open(session_path, "w") as f:
                    json.dump(SESSION, f)
            serve = h.start(f"serve-{name}", [headroom, "serve", "--session", session_path, "--jack-server", h.server,
                                              "--listen", "127.0.0.1:0", "--mqtt", url, "--site", "lab",
                                              "--room", name])
            listening_port(serve)
            return serve

        room1.start_jackd(48000, 256)
        start_room(room1, "room1")
        argv = [headroom, "generate", "--jack-server", room1.server, "--client-name", "gen"]
        for p in CALIBRATED:
            argv += ["--port", p]
        for p in CALIBRATED[1:]:  # JACK sums every connection into the one input port
            argv += ["--connect", f"{p.split(':')[0]}=headroom:vox/input/1"]
        room1.start("gen-room1", argv)
        room2.start_jackd(48000, 256)
        start_room(room2, "room2", DEMO_SESSION)
        room2.start("demo-room2", [headroom, "demo", "--session", DEMO_SESSION, "--jack-server", room2.server,
                                   "--scenario", "hot-vocal", "--no-stdin"])

        hub = room1.start("hub", [headroom, "hub", "--mqtt", url, "--listen", "127.0.0.1:0",
                                  "--control-token", "teach3r"])
        hub_port = listening_port(hub)
        control = wsclient.Client(hub_port, extra="Sec-WebSocket-Protocol: headroom.token.teach3r\r\n")
        viewer = wsclient.Client(hub_port)
        hello = control.wait_for(lambda m: m.get("type") == "lab_hello", 10, "hello")
        check(hello["role"] == "control", f"control token gives the control role: {hello}")
        check(viewer.wait_for(lambda m: m.get("type") == "lab_hello", 10, "hello")["role"] == "viewer", "viewer role")

        def latest(client, key):
            tile = None
            for m in client.snapshot():
                if m.get("type") == "room" and m.get("key") == key:
                    tile = m
                elif m.get("type") == "rooms":
                    for t in m["rooms"]:
                        if t["key"] == key:
                            tile = t
            return tile

        def live(key, want=True, client=viewer):
            t = latest(client, key)
            return t is not None and t["live"] == want and (not want or t["summary"] is not None)

        for key in ("lab/room1", "lab/room2"):
            wait_for(lambda key=key: live(key), 30, f"{key} live on the hub", hub.output)
        t = latest(viewer, "lab/room1")
        check(t["dashboard"].startswith("http://127.0.0.1:"), f"dashboard link: {t['dashboard']}")
        s = t["summary"]
        check(s["nodes"] and s["nodes"][0]["id"] == "vox", f"nodes in the summary: {s['nodes']}")
        check(s["master"]["tp"] is not None, f"master true peak: {s['master']}")
        log(f"both rooms live; room1 master {s['master']}")

        # Age of updates at the viewer: the summaries are forwarded as they arrive.
        ages = [m["received"] - m["summary"]["t"] for m in viewer.snapshot() if m.get("type") == "room" and m["summary"]]
        check(ages and max(ages) < 1000, f"hub receipt age of the summaries (ms): {ages[-10:]}")

        # SIGKILL: no goodbye, the broker publishes the last will.
        serve2 = [p for p in room2.processes if p.name == "serve-room2"][-1]
        killed_at = time.monotonic()
        serve2.signal(signal.SIGKILL)
        serve2.wait(5)
        wait_for(lambda: live("lab/room2", False), 8, "room2 offline after SIGKILL", hub.output)
        log(f"room2 offline {time.monotonic() - killed_at:.1f} s after SIGKILL")
        check(live("lab/room1"), "room1 stays live")
        start_room(room2, "room2", DEMO_SESSION)
        # room2's demo kept running: the new serve connects its source ports by itself.
        wait_for(lambda: live("lab/room2"), 30, "room2 live again", hub.output)
        log("room2 live again")

        # A viewer may not run exercises.
        viewer.sock.sendall(wsclient.frame(1, json.dumps({"type": "exercise", "action": "start", "exercise": 1,
                                                          "rooms": "all"}).encode()))
        viewer.wait_for(lambda m: m.get("type") == "error" and m.get("code") == "forbidden", 5, "forbidden")

        # Exercise 1 in every room (room 1: its first channel's input), then again in room 2 on its
        # vocal input (a start replaces the running exercise).
        control.sock.sendall(wsclient.frame(1, json.dumps({"type": "exercise", "action": "start", "exercise": 1,
                                                           "rooms": "all", "hold_s": 3, "limit_s": 20}).encode()))
        ack = control.wait_for(lambda m: m.get("type") == "ack", 5, "ack")
        check(ack["sent"] == 2, f"command sent to both rooms: {ack}")
        control.sock.sendall(wsclient.frame(1, json.dumps({"type": "exercise", "action": "start", "exercise": 1,
                                                           "rooms": ["lab/room2"], "target": "vocal/input",
                                                           "hold_s": 3, "limit_s": 20}).encode()))
        control.wait_for(lambda m: m.get("type") == "ack" and m.get("sent") == 1, 5, "ack for room2")

        def exercise(key):
            t = latest(control, key)
            return (t or {}).get("summary", {}) and t["summary"]["exercise"]

        wait_for(lambda: (exercise("lab/room1") or {}).get("state") == "passed", 30, "room1 passes exercise 1",
                 lambda: exercise("lab/room1"))
        e1 = exercise("lab/room1")
        check(e1["score"] >= 70, f"room1 score: {e1}")
        log(f"room1 passed: {e1['score']} '{e1['message']}'")
        wait_for(lambda: (exercise("lab/room2") or {}).get("state") == "failed", 40, "room2 fails exercise 1",
                 lambda: exercise("lab/room2"))
        log(f"room2 failed: '{exercise('lab/room2')['message']}'")

        request = urllib.request.Request(f"http://127.0.0.1:{hub_port}/api/v1/results.csv",
                                         headers={"Authorization": "Bearer teach3r"})
        csv = urllib.request.urlopen(request, timeout=5).read().decode()
        rows = [line.split(",") for line in csv.strip().splitlines()]
        check(rows[0][:5] == ["site", "room", "run", "exercise", "state"], f"CSV header: {rows[0]}")
        states = {(r[1], r[4]) for r in rows[1:]}
        check(("room1", "passed") in states and ("room2", "failed") in states, f"CSV rows: {rows}")
        # The lab page itself is served at /.
        page = urllib.request.urlopen(f"http://127.0.0.1:{hub_port}/", timeout=5).read().decode()
        check("Headroom lab" in page, "the hub serves web/lab.html at /")
        control.close()
        viewer.close()


def _connectable(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    jacktest.run(main)
