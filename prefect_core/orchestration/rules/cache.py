"""Rules for task result caching: reuse a cached completion, remember new ones."""

from __future__ import annotations

from prefect_core.orchestration.base import (
    ALL_STATES,
    CacheWrite,
    Outcome,
    TransitionContext,
    accept,
    reject,
    rule,
)
from prefect_core.orchestration.needs import Need
from prefect_core.schemas.states import State, StateType


@rule(ALL_STATES, {StateType.RUNNING}, needs={Need.CACHED_STATE})
def cache_retrieval(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A task about to run whose cache key has an unexpired cached completion does not
    run: it takes a copy of that state, named "Cached".

    The service looks the key up beforehand (`Need.CACHED_STATE`) and passes the hit
    as `ctx.cached_state`.
    """
    details = proposed.state_details
    if not details.cache_key or details.refresh_cache or ctx.cached_state is None:
        return None
    cached = ctx.cached_state.fresh_copy(timestamp=ctx.now, name="Cached")
    return reject(cached, "Retrieved state from cache")


@rule(ALL_STATES, {StateType.COMPLETED})
def cache_insertion(ctx: TransitionContext, proposed: State) -> Outcome | None:
    """A completion carrying a cache key is remembered under that key (a `CacheWrite`).

    An over-long key is refused, though the reference still writes the state and
    the cache entry; that is kept here so clients see the same thing.
    """
    cache_key = proposed.state_details.cache_key
    if not cache_key:
        return None
    effect = CacheWrite(cache_key, proposed.state_details.cache_expiration)
    if len(cache_key) > ctx.max_cache_key_length:
        reason = f"Cache key exceeded maximum allowed length of {ctx.max_cache_key_length} characters."
        return Outcome("REJECT", proposed, reason, effects=(effect,))
    return accept(effects=(effect,))
