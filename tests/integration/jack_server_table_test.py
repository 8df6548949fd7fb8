#!/usr/bin/python3
"""The harness's upkeep of JACK's server table (jacktest.reclaim_dead_servers) works on this jackd.

JACK keeps at most 8 servers in /dev/shm/jack-shm-registry, and one killed with SIGKILL keeps its
row; a full table fails every later test with "Too many servers already active". This kills a
private server, expects the harness to read its row as dead (so the table layout it parses is the
installed jackd's), to give the row back, and to leave a live server's row alone.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import jacktest  # noqa: E402
from jacktest import check, log  # noqa: E402


def main():
    args = jacktest.common_arguments(__doc__).parse_args()
    with jacktest.Harness("table", args.workdir) as h:
        h.start_jackd(48000, 1024)
        live = (h.server, h.jackd.pid)
        check(live in jacktest.server_table_rows(), f"the running server is not in JACK's table: "
                                                     f"{jacktest.server_table_rows()}")
        check(live not in jacktest.dead_servers(), "a running server was read as dead")
        jacktest.reclaim_dead_servers(h.env)
        check(live in jacktest.server_table_rows(), "reclaiming took a running server's row")

        h.kill_jackd()
        check(live in jacktest.dead_servers(), f"the killed server's row was not read as dead: "
                                               f"{jacktest.server_table_rows()}")
        jacktest.reclaim_dead_servers(h.env)
        rows = jacktest.server_table_rows()
        check(all(name != h.server for name, _ in rows), f"the killed server's row is still there: {rows}")
        log(f"a killed server's row was read as dead and given back; rows now: {rows}")


if __name__ == "__main__":
    jacktest.run(main)
