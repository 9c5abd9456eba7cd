"""A worker process for the kill -9 test: one follower that writes each update's key to a file.

``python -m tests.support.follower_worker STORE OUT DELAY`` runs until killed. Each key is
written and fsynced before the follower returns (the side effect is done), and only then does
the runner record the position: a kill in between delivers that key again on restart.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from orderstate.adapters.bootstrap import build_service
from orderstate.adapters.service import OrderUpdate

FOLLOWER = "killed-worker"


def main(store: str, out: str, delay: float) -> None:
    service = build_service(store=store)
    with open(out, "a", encoding="ascii") as keys:

        def record(update: OrderUpdate) -> None:
            keys.write(f"{update.key}\n")
            keys.flush()
            os.fsync(keys.fileno())
            time.sleep(delay)

        service.subscribe(record, name=FOLLOWER)
        service.followers.run(threading.Event(), interval=0.05)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
