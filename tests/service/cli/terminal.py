"""Start a server the way a terminal does, so that SIGINT (Ctrl-C) stops it."""

from __future__ import annotations

import signal


def sigint_restored() -> None:
    """A `preexec_fn`: give the child SIGINT's default disposition back.

    A shell starts background jobs (`cmd &`, many CI runners) with SIGINT ignored, and a
    child inherits that; Python then never installs its KeyboardInterrupt handler, and the
    tests' Ctrl-C did nothing until their stop timeout killed the server (10-15 s each in CI).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
