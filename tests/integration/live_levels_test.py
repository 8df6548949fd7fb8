#!/usr/bin/python3
"""headroom serve meters known signals right at every period size.

A private `jackd -d dummy` at 48 kHz, our generator playing coherent -18 dBFS sines, and
`headroom serve` with a session whose virtual bus sums two of them. Each tap must read -18.0
±0.1 dBFS AES17 RMS and the virtual bus -12.0 ±0.1, at periods 256, 64, 1024 and 384 (not a power
of two; jackd2 accepts it), changed live with jack_bufsize.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jacktest  # noqa: E402
import session  # noqa: E402
from jacktest import check, log  # noqa: E402


def main():
    args = jacktest.common_arguments(__doc__).parse_args()
    sources = args.generator or args.headroom
    with jacktest.Harness("levels", args.workdir) as h:
        serve, _, stats_path = session.start_metered(h, args.headroom, sources, late=True)
        h.wait_connected(session.CONNECTIONS + session.LATE_CONNECTIONS, timeout=20)
        stats = jacktest.StatisticsLog(stats_path)
        expected = {**session.EXPECTED, **session.EXPECTED_LATE}

        for period in (256, 64, 1024, 384):
            if period != 256:
                h.set_buffer_size(period)
            stats.skip_to_end()
            values = stats.wait_levels(expected, timeout=30)
            log(f"period {period}: {values}")
            check(f"period size now {period} frames" in serve.output() or period == 256,
                  f"serve did not notice the period change to {period}")
            check(serve.alive(), "serve exited")

        code = serve.stop(timeout=10)
        check(code == 0, f"serve exited with {code} on SIGTERM, expected 0\n{serve.output()[-3000:]}")


if __name__ == "__main__":
    jacktest.run(main)
