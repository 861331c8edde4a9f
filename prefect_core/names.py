"""Generated run names, `adjective-animal` like the reference's."""

from __future__ import annotations

import random

_ADJECTIVES = (
    "amber", "bold", "brave", "bright", "calm", "clever", "cosmic", "crimson", "daring",
    "eager", "fancy", "fearless", "gentle", "golden", "grumpy", "happy", "hidden", "humble",
    "icy", "jolly", "keen", "lively", "lucky", "mighty", "misty", "nimble", "noble", "proud",
    "quick", "quiet", "rapid", "rustic", "shiny", "silver", "smart", "snowy", "solid", "spry",
    "steady", "sunny", "swift", "tidy", "tiny", "vivid", "warm", "wild", "wise", "witty",
)
_ANIMALS = (
    "albatross", "antelope", "badger", "bat", "beaver", "bison", "bobcat", "camel", "cheetah",
    "cobra", "condor", "coyote", "crane", "dingo", "dolphin", "eagle", "falcon", "ferret",
    "finch", "fox", "gazelle", "gecko", "heron", "hyena", "ibis", "jackal", "jaguar", "koala",
    "lemur", "lynx", "marmot", "mink", "moose", "newt", "ocelot", "otter", "panda", "parrot",
    "puffin", "quail", "raven", "salmon", "seal", "sloth", "stork", "tapir", "toucan", "wolf",
)


def run_name(rng: random.Random | None = None) -> str:
    """A random two-word name for a run."""
    r = rng or random
    return f"{r.choice(_ADJECTIVES)}-{r.choice(_ANIMALS)}"
