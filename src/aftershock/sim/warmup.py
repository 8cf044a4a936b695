"""Compile the engine's kernel into Numba's disk cache: ``python -m aftershock.sim.warmup``.

The first run after installing (or changing) the engine compiles the kernel, which takes
about a minute on two cores; ``make demo`` and ``make test`` do it here once, with a word,
rather than inside the first simulation.
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    """Run one replication of a bundled scenario on the compiled kernel."""
    from aftershock import api

    print("aftershock: compiling the simulation kernel (cached on disk; about a minute the first time)")
    started = time.perf_counter()
    api.simulate("ocs-2022", replications=1, seed=0)
    print(f"aftershock: kernel ready in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
