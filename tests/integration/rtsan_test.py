#!/usr/bin/python3
"""The process callbacks obey the real-time rules, proven by RealtimeSanitizer.

headroom_rtsan (cmake -DHEADROOM_RTSAN=ON) is `serve` and `generate` linked with clang-19's rtsan
runtime; it exits 1 at the first allocation, lock, blocking system call or I/O inside a process
callback. First its selftest must die that way (proof the runtime is armed), then serve and the
generator run under a private `jackd -d dummy` with traffic for about 10 s while the period size
changes (384, 1024, 64); both must still be running, read the right levels, and exit 0 on SIGTERM
with no "Real-time violation" in their output.
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jacktest  # noqa: E402
import session  # noqa: E402
from jacktest import check, log  # noqa: E402

SYMBOLIZER = "/usr/lib/llvm-19/bin/llvm-symbolizer"
VIOLATION = "Real-time violation"


def main():
    parser = jacktest.common_arguments(__doc__)
    parser.add_argument("--rtsan", required=True, help="the headroom_rtsan executable")
    args = parser.parse_args()
    with jacktest.Harness("rtsan", args.workdir) as h:
        if os.path.exists(SYMBOLIZER):
            h.env["RTSAN_OPTIONS"] = f"external_symbolizer_path={SYMBOLIZER}"

        selftest = subprocess.run([args.rtsan, "selftest"], env=h.env, capture_output=True, text=True, timeout=30)
        check(selftest.returncode == 1 and VIOLATION in selftest.stderr,
              f"the RTSan selftest must fail with a violation (runtime armed); got exit {selftest.returncode}:\n"
              f"{selftest.stderr}")
        log("selftest: an allocation in a real-time scope is caught (exit 1)")

        session_path = session.write(h.workdir)
        stats_path = os.path.join(h.workdir, "statistics.jsonl")
        h.start_jackd(48000, 256)
        gen = h.start("gen", session.generator_argv(args.rtsan, h.server))
        late = h.start("late", session.generator_argv(args.rtsan, h.server, session.LATE, session.LATE_PORTS))
        serve = h.start("serve", session.serve_argv(args.rtsan, h.server, session_path, stats_path))
        h.wait_connected(session.CONNECTIONS + session.LATE_CONNECTIONS, timeout=20)
        clients = [serve, gen, late]

        def no_violation():
            for p in clients:
                check(VIOLATION not in p.output(), f"{p.name}: RealtimeSanitizer report:\n{p.output()[-6000:]}")
                check(p.alive(), f"{p.name} exited ({p.popen.returncode}):\n{p.output()[-6000:]}")

        time.sleep(2.0)
        for period in (384, 1024, 64):
            h.set_buffer_size(period)
            time.sleep(2.5)
            no_violation()
        stats = jacktest.StatisticsLog(stats_path)
        stats.skip_to_end()
        log(f"levels at period 64: {stats.wait_levels({**session.EXPECTED, **session.EXPECTED_LATE}, timeout=30)}")
        no_violation()

        for p in clients:
            code = p.stop(timeout=10)
            check(code == 0, f"{p.name} exited with {code}, expected 0:\n{p.output()[-6000:]}")
            check(VIOLATION not in p.output(), f"{p.name}: RealtimeSanitizer report:\n{p.output()[-6000:]}")
        log("no real-time violation in serve or the generator")


if __name__ == "__main__":
    jacktest.run(main)
