"""Progress lines on the terminal, visible even while pytest captures output."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class Progress:
    """Write flushed `[component] message` lines to the terminal and a log file."""

    def __init__(self, stream: TextIO | None = None) -> None:
        # pytest's fd-level capture redirects fd 1 while steps run; a duplicate of
        # the original fd keeps progress on the real terminal.
        self._stream = stream or os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
        self._log: TextIO | None = None
        self._started = time.monotonic()

    def attach_log(self, log: TextIO) -> None:
        """Also append every line to log (the evidence copy of the progress)."""
        self._log = log

    def say(self, component: str, message: str) -> None:
        """Print one progress line for component."""
        elapsed = time.monotonic() - self._started
        line = f"[{component}] {message}"
        self._stream.write(line + "\n")
        self._stream.flush()
        if self._log is not None:
            self._log.write(f"{elapsed:8.2f}s {line}\n")
            self._log.flush()

    def close(self) -> None:
        """Close the progress log (the terminal stream stays open)."""
        if self._log is not None:
            self._log.close()
            self._log = None
