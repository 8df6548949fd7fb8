#!/usr/bin/python3
"""headroom serve takes up an edited session on SIGHUP (`systemctl reload headroom`).

A private `jackd -d dummy`, our generator and `headroom serve` on the integration session, a
WebSocket client on it. Then:
- the session file is broken (an unknown key) and SIGHUP sent: the refusal names the file and the
  JSON pointer, and nothing is lost: the client stays connected and meter frames keep coming;
- the session gets a fourth channel and SIGHUP is sent: the client is closed with 1012, the same
  port answers again (port 0 was asked for), the new hello has the channel, its JACK port is
  registered and connected, it meters -18.0 dBFS and the virtual bus it joins sums three members
  (-8.46 dBFS); the process is the same (pid);
- SIGTERM: exit 0.
"""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jacktest  # noqa: E402
import session  # noqa: E402
import wsclient  # noqa: E402
from jacktest import check, log  # noqa: E402

def node_ids(hello):
    return [n["id"] for n in hello["topology"]["nodes"]]


def meter_frames(client):
    return sum(1 for m in client.snapshot() if m.get("type") == "meter")


def main():
    args = jacktest.common_arguments(__doc__).parse_args()
    sources = args.generator or args.headroom
    with jacktest.Harness("reload", args.workdir) as h:
        serve, session_path, stats_path = session.start_metered(h, args.headroom, sources)
        h.wait_connected(session.CONNECTIONS, timeout=20)
        port = jacktest.listening_port(serve)
        client = wsclient.Client(port)
        hello = client.wait_for(lambda m: m.get("type") == "hello", 10, "hello")
        check("gtr3" not in node_ids(hello), f"unexpected node list {node_ids(hello)}")

        # A broken edit: refused with file and pointer; the running session goes on untouched.
        broken = json.loads(json.dumps(session.SESSION))
        broken["channels"][0]["colour"] = "red"
        with open(session_path, "w") as f:
            json.dump(broken, f)
        serve.signal(signal.SIGHUP)
        jacktest.wait_for(lambda: "still serving session" in serve.output(), 10, "the reload to be refused",
                          serve.output)
        refusal = [line for line in serve.output().splitlines() if "reload refused" in line]
        log("refused: " + " | ".join(refusal))
        check(any(session_path in line and "/channels/0/colour" in line for line in refusal),
              f"the refusal does not name the file and the JSON pointer: {refusal}")
        frames = meter_frames(client)
        time.sleep(1.0)
        check(client.closed is None, f"the client was closed ({client.closed}) by a refused reload")
        check(meter_frames(client) > frames + 10, "meter frames stopped after a refused reload")

        # A good edit: a fourth channel. Every client is told to reconnect (1012), same address.
        edited = json.loads(json.dumps(session.SESSION))
        edited["channels"].append({"id": "gtr3", "bus": "guitars", "taps": {"post_fader": [f"{session.GENERATOR}:b"]}})
        with open(session_path, "w") as f:
            json.dump(edited, f)
        pid = serve.pid
        serve.signal(signal.SIGHUP)
        jacktest.wait_for(lambda: client.closed is not None, 10, "the client to be closed for the reload")
        check(client.closed == 1012, f"closed with {client.closed}, not 1012 (service restart)")
        again = jacktest.listening_port(serve, occurrence=2)
        check(again == port, f"reloaded on port {again}, not on {port}")
        client = wsclient.Client(port)
        hello = client.wait_for(lambda m: m.get("type") == "hello", 10, "hello after the reload")
        check("gtr3" in node_ids(hello), f"the new channel is not in the new hello: {node_ids(hello)}")
        new_port = "headroom:gtr3/post_fader/1"
        h.wait_connected(session.CONNECTIONS + [(f"{session.GENERATOR}:b", new_port)], timeout=20)
        stats = jacktest.StatisticsLog(stats_path)
        stats.skip_to_end()
        # The virtual bus now sums three coherent -18 dBFS members: -18 + 20*log10(3) = -8.46.
        expected = {**session.EXPECTED, ("gtr3", "post_fader"): -18.0, ("guitars", "pre_insert"): -8.46}
        values = stats.wait_levels(expected, timeout=30)
        log(f"after the reload: {values}")
        check(serve.alive() and serve.pid == pid, "serve did not keep running as the same process")
        client.close()

        code = serve.stop(timeout=10)
        check(code == 0, f"serve exited with {code} on SIGTERM")


if __name__ == "__main__":
    jacktest.run(main)
