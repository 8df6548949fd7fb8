#!/usr/bin/python3
"""The gain-staging advisor live: raised after its raise delay, cleared after its clear delay.

A private `jackd -d dummy` at 48 kHz and `headroom serve --log FILE` on a session whose vocal input
is fed by our generator, with short advisor timings (raise_after_s 1, clear_after_s 2). The
generator first plays a 1 kHz sine at -3 dBFS (6 dB over the recording range's top of -12 dBFS
average, 3 dB over the -6 dBFS peak limit): the log must show `advisory_raised` for
recording_too_hot on the vocal, no sooner than 1 s of audio after the hot signal began, with an
amount that brings it to the range (-12 dB: -3 to -15, the range's centre). Then a generator plays
-16 dBFS (in range) on the same port: the advisory must clear, once, no sooner than 2 s of audio
after the 10 s recent average fell back under the clear threshold, and never flap on the way.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jacktest  # noqa: E402
from jacktest import check, log  # noqa: E402

SOURCE = "src"
RAISE_AFTER_S = 1.0
CLEAR_AFTER_S = 2.0
ADVISORY_ID_PREFIX = "recording_too_hot:vox:"

SESSION = {
    "name": "Advisor live test",
    "room": "CI",
    "targets": {"advisor": {"raise_after_s": RAISE_AFTER_S, "clear_after_s": CLEAR_AFTER_S}},
    "channels": [{"id": "vox", "label": "Lead vocal", "bus": "master", "taps": {"input": [f"{SOURCE}:out"]}}],
    "master": {"channels": 1},
}


def write_session(workdir):
    import json
    path = os.path.join(workdir, "session.json")
    with open(path, "w") as f:
        json.dump(SESSION, f, indent=2)
    return path


def generator(h, headroom, level_db):
    return h.start(f"gen{level_db}", [headroom, "generate", "--jack-server", h.server, "--client-name", SOURCE,
                                      "--port", f"out:sine:1000:{level_db}"])


def vox_input(line):
    if line.get("node") != "vox":
        return None
    for tap in line.get("taps", []):
        if tap.get("stage") == "input":
            return tap
    return None


def main():
    args = jacktest.common_arguments(__doc__).parse_args()
    with jacktest.Harness("advisor", args.workdir) as h:
        session_path = write_session(h.workdir)
        log_path = os.path.join(h.workdir, "statistics.jsonl")
        h.start_jackd(48000, 256)
        hot = generator(h, args.headroom, -3)
        serve = h.start("serve", [args.headroom, "serve", "--session", session_path, "--jack-server", h.server,
                                  "--log", log_path, "--listen", "127.0.0.1:0"])
        h.wait_connected([(f"{SOURCE}:out", "headroom:vox/input/1")], timeout=20)
        stats = jacktest.StatisticsLog(log_path)

        events = []
        hot_start = None  # audio time the hot signal began (the tap's first active second)
        state = {}

        def raised():
            for line in stats.new_lines():
                if "event" in line:
                    events.append(line)
                    log(f"{line['event']} {line['advisory']['id']} at {line['audio_seconds']} s: "
                        f"{line['advisory']['fix']}")
                tap = vox_input(line)
                if tap and tap.get("active") and state.get("hot_start") is None:
                    target = tap.get("target") or {}
                    state["hot_start"] = line["audio_seconds"] - target.get("active_seconds", 0.0)
            return any(e["event"] == "advisory_raised" and e["advisory"]["id"].startswith(ADVISORY_ID_PREFIX)
                       for e in events)

        jacktest.wait_for(raised, 20, "recording_too_hot to be raised", lambda: f"events: {events}")
        hot_start = state.get("hot_start")
        check(hot_start is not None, "no log line showed the vocal input active before the advisory")
        up = next(e for e in events if e["event"] == "advisory_raised")
        advisory = up["advisory"]
        delay = up["audio_seconds"] - hot_start
        log(f"hot from {hot_start:.2f} s, raised at {up['audio_seconds']:.2f} s ({delay:.2f} s later)")
        check(delay >= RAISE_AFTER_S - 0.15, f"raised {delay:.2f} s after the hot signal began, before the "
                                             f"{RAISE_AFTER_S} s raise delay")
        check(delay <= RAISE_AFTER_S + 1.5, f"raised only {delay:.2f} s after the hot signal began")
        check(advisory["rule"] == "recording_too_hot" and advisory["node"] == "vox" and
              advisory["stage"] == "input", f"unexpected advisory {advisory}")
        check(abs(advisory["amount_db"] - (-12.0)) <= 1.0, f"amount {advisory['amount_db']} dB, expected -12 ±1")
        check(advisory["raised_time"] is not None, "a live advisory carries the wall-clock time it was raised")

        # The fix: the same port now plays an in-range level.
        hot.stop(timeout=5.0)
        generator(h, args.headroom, -16)
        h.wait_connected([(f"{SOURCE}:out", "headroom:vox/input/1")], timeout=20)
        fell_back = {}

        def cleared():
            for line in stats.new_lines():
                if "event" in line:
                    events.append(line)
                    log(f"{line['event']} {line['advisory']['id']} at {line['audio_seconds']} s")
                tap = vox_input(line)
                if tap and tap.get("average_dbfs") is not None and tap["average_dbfs"] <= -13.0 \
                        and "at" not in fell_back:
                    fell_back["at"] = line["audio_seconds"]
                    log(f"recent average back in range ({tap['average_dbfs']} dBFS) at {line['audio_seconds']} s")
            return any(e["event"] == "advisory_cleared" for e in events)

        jacktest.wait_for(cleared, 45, "recording_too_hot to clear", lambda: f"events: {events}")
        down = next(e for e in events if e["event"] == "advisory_cleared")
        check(down["advisory"]["id"] == advisory["id"], f"cleared {down['advisory']['id']}, raised {advisory['id']}")
        check("at" in fell_back, "cleared before any log line showed the average back under -13 dBFS")
        # The log has one line per second, so the average may have fallen up to 1 s before its line.
        check(down["audio_seconds"] - fell_back["at"] >= CLEAR_AFTER_S - 1.0 - 0.15,
              f"cleared at {down['audio_seconds']} s, less than the {CLEAR_AFTER_S} s clear delay after the "
              f"average fell back ({fell_back['at']} s)")
        # No flapping: one raise, one clear.
        check([e["event"] for e in events] == ["advisory_raised", "advisory_cleared"], f"events: {events}")
        check(serve.alive(), "serve exited")
        code = serve.stop(timeout=10)
        check(code == 0, f"serve exited with {code} on SIGTERM\n{serve.output()[-3000:]}")


if __name__ == "__main__":
    jacktest.run(main)
