"""How long a client denied concurrency slots is told to wait (the 423's Retry-After).

Pure functions: the limits as the denial left them in, the settings, a random source.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from prefect_core.ports_concurrency import SlotWaits
from prefect_core.schemas.concurrency_limits import TAG_PREFIX, ConcurrencyLimitV2

#: Waits are jittered within [mean * lower, mean * (1 + JITTER)], so that denied clients
#: do not all come back at once.
JITTER = 0.3


def _queue_length(limit: ConcurrencyLimitV2) -> float:
    """How many slot-turns the waiting requests (this one included) are behind on `limit`.

    `denied_slots` as the denial left it counts this request too. A rate limit frees one
    slot per decay interval; a limit without decay frees `limit` slots per occupancy."""
    if limit.slot_decay_per_second > 0:
        return float(limit.denied_slots)
    return limit.denied_slots / max(limit.limit, 1)


def mean_wait(limits: Sequence[ConcurrencyLimitV2], waits: SlotWaits) -> float:
    """The expected wait until the most contended of `limits` frees a slot for this request."""
    if not limits:
        return 0.0
    blocking = max(limits, key=_queue_length)
    queue = _queue_length(blocking)
    if blocking.slot_decay_per_second > 0:
        return queue / blocking.slot_decay_per_second
    cap = waits.tag_seconds if blocking.name.startswith(TAG_PREFIX) else waits.other_seconds
    return min(min(blocking.avg_slot_occupancy_seconds, cap) * queue, cap)


def jittered(mean: float, rng: random.Random | None = None) -> float:
    """A wait drawn from an exponential distribution of this mean, truncated to
    [mean * lower, mean * (1 + JITTER)] with `lower` chosen so that the median stays
    centred between the bounds; 0 for a mean of 0 or less."""
    if mean <= 0:
        return 0.0
    upper_multiple = 1 + JITTER
    lower_multiple = math.log2(2**upper_multiple / (2**upper_multiple - 1))

    def cdf(x: float) -> float:
        return 1 - math.exp(-x / mean)

    u = (rng or random).uniform(cdf(mean * lower_multiple), cdf(mean * upper_multiple))
    return -math.log(max(1 - u, 1e-10)) * mean


def retry_after(limits: Sequence[ConcurrencyLimitV2], waits: SlotWaits, rng: random.Random | None = None) -> float:
    """The Retry-After (seconds) for a request denied by `limits` (the active ones, as denied)."""
    return jittered(mean_wait(limits, waits), rng)
