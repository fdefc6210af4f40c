"""Crash points for the tests of resumable jobs: `point("close-month.batch")` kills the process
with SIGKILL when the environment variable PFDO_FAULT names that point and its count
(`close-month.batch:3` — at the third pass). Unset (always, outside those tests), it does
nothing."""

from __future__ import annotations

import os
import signal
from collections import Counter

_passes: Counter[str] = Counter()


def point(name: str) -> None:
    wanted = os.environ.get("PFDO_FAULT")
    if not wanted:
        return
    target, _, count = wanted.partition(":")
    if target != name:
        return
    _passes[name] += 1
    if _passes[name] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
