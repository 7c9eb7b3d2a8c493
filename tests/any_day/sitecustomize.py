"""Loaded only by ``make test-any-day`` (on PYTHONPATH there): keeps ``time.sleep`` working under libfaketime.

libfaketime 0.9.10 (Debian's) cannot fake time for Python 3.11 and keep both kinds of wait: with the
monotonic clock faked, every timed wait on a lock hangs; with it left alone
(``FAKETIME_DONT_FAKE_MONOTONIC=1``), ``time.sleep`` fails with EINVAL, because it sleeps until an
absolute monotonic deadline that libfaketime shifts by the fake offset. Waits through ``select()`` take
a relative timeout and are unaffected, so in every Python process of that run (the suite, gunicorn, the
``flask`` command) sleeping goes through ``select()``. Nothing of the service itself changes.
"""

import os
import select
import time

if "faketime" in os.environ.get("LD_PRELOAD", ""):

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        select.select([], [], [], seconds)

    time.sleep = _sleep
