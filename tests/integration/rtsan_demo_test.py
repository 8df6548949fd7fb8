#!/usr/bin/python3
"""The demo's process callback obeys the real-time rules, proven by RealtimeSanitizer.

`headroom_rtsan demo` (the demo built with clang-19's rtsan runtime, which exits 1 at the first
allocation, lock, blocking system call or I/O inside a process callback) plays the demo session
into a private `jackd -d dummy` for about 15 s while the period size changes (384, 1024, 64, 1) and
the scenario is switched live through every scenario (standard input and SIGUSR1: the glide runs in
the callback), with `headroom serve` metering it; the demo must keep running, every tap must be
live, and it must exit 0 on SIGTERM with no "Real-time violation" in its output.
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

SYMBOLIZER = "/usr/lib/llvm-19/bin/llvm-symbolizer"
VIOLATION = "Real-time violation"
SCENARIOS = ["hot-vocal", "mix-bus-red", "clean", "drum-bus-overdriven"]  # each followed by SIGUSR1: the next one


def main():
    parser = jacktest.common_arguments(__doc__)
    parser.add_argument("--rtsan", required=True, help="the headroom_rtsan executable")
    parser.add_argument("--session", required=True, help="deploy/sessions/demo.json")
    args = parser.parse_args()
    with jacktest.Harness("rtsan-demo", args.workdir) as h:
        if os.path.exists(SYMBOLIZER):
            h.env["RTSAN_OPTIONS"] = f"external_symbolizer_path={SYMBOLIZER}"
        h.start_jackd(48000, 256)
        read_end, write_end = os.pipe()
        output_path = os.path.join(h.workdir, "demo.log")
        with open(output_path, "ab") as output:
            demo = subprocess.Popen([args.rtsan, "demo", "--session", args.session, "--jack-server", h.server],
                                    stdout=output, stderr=subprocess.STDOUT, stdin=read_end, env=h.env,
                                    preexec_fn=jacktest._die_with_parent, cwd=h.workdir)
        os.close(read_end)

        def text():
            with open(output_path, "rb") as f:
                return f.read().decode(errors="replace")

        def no_violation():
            check(VIOLATION not in text(), f"demo: RealtimeSanitizer report:\n{text()[-6000:]}")
            check(demo.poll() is None, f"demo exited ({demo.returncode}):\n{text()[-6000:]}")

        try:
            serve = h.start("serve", [args.headroom, "serve", "--session", args.session, "--jack-server", h.server,
                                      "--listen", "127.0.0.1:0"])
            port = jacktest.listening_port(serve)

            def all_active():
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/snapshot", timeout=5) as r:
                        snap = json.loads(r.read())
                except (OSError, ValueError):
                    return False
                taps = [t for n in snap["nodes"] for t in n["taps"]]
                return len(taps) >= 50 and all(t.get("active") for t in taps)

            jacktest.wait_for(all_active, 30, "every tap to be live")
            for i, period in enumerate((384, 1024, 64, 1)):
                h.set_buffer_size(period)
                os.write(write_end, (SCENARIOS[i] + "\n").encode())
                time.sleep(1.5)
                demo.send_signal(signal.SIGUSR1)
                time.sleep(1.5)
                no_violation()
            h.set_buffer_size(256)
            jacktest.wait_for(all_active, 30, "every tap to be live after the period changes")
            no_violation()
            # the first scenario and 8 switches
            check(text().count("scenario ") >= 9, f"the scenario switches were not all taken:\n{text()}")
        finally:
            if demo.poll() is None:
                demo.send_signal(signal.SIGTERM)
            try:
                code = demo.wait(timeout=10)
            except subprocess.TimeoutExpired:
                demo.kill()
                code = demo.wait()
            os.close(write_end)
        check(code == 0, f"demo exited with {code}, expected 0:\n{text()[-6000:]}")
        check(VIOLATION not in text(), f"demo: RealtimeSanitizer report:\n{text()[-6000:]}")
        log("no real-time violation in the demo through 4 period sizes and 8 scenario switches")


if __name__ == "__main__":
    jacktest.run(main)
