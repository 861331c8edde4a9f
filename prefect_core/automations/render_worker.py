"""The child side of sandboxed template rendering: the render worker process.

`python -m prefect_core.automations.render_worker <memory budget bytes>` reads requests on
stdin and answers on stdout, one after another, each a 4-byte big-endian length and a body:
a request is a pickle of (template, context, cpu_seconds, max_output_chars) from the server
(the only writer of the pipe), an answer is JSON (`Outcome`), so nothing a template does
can make the server unpickle anything.

The worker renders with the same Jinja2 environment as `templates` (imported here, in the
child), under operating-system limits: an address-space cap set once at start
(`limit_memory`) and a CPU-time budget renewed for every render (RLIMIT_CPU counts the
process's whole life, so each render gets "used so far + budget"). A render past its memory
cap fails with MemoryError (answered as the render's error); one past its CPU budget is
killed by the kernel (SIGXCPU), which the server sees as the pipe closing. Only the standard
library and Jinja2 are used, so `prefect_core` stays adapter-free.
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import struct
import sys
from typing import IO, Any

#: What a render sends back: ("ok", text) or ("error", repr of the exception, its text).
Outcome = tuple[str, str] | tuple[str, str, str]


def _address_space_in_use() -> int:
    """The process's current virtual size in bytes (Linux), or 0 where it cannot be read."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def limit_memory(budget_bytes: int) -> None:
    """Cap the worker's address space at what it holds now plus `budget_bytes`
    (the interpreter and Jinja2 are already loaded, so the budget is what a render may add)."""
    # Built now (Jinja2 imported), so the first render does not spend its budget on imports.
    from prefect_core.automations import templates

    templates.environment()

    limit = _address_space_in_use() + budget_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _renew_cpu_budget(seconds: int) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def render(template: str, context: dict[str, Any], cpu_seconds: int, max_output_chars: int) -> Outcome:
    """Render one template (already validated by the parent) within a fresh CPU budget.
    Errors come back as text: a Jinja exception need not survive pickling."""
    from prefect_core.automations.templates import environment

    _renew_cpu_budget(cpu_seconds)
    try:
        text = environment().from_string(template).render(**context)
        if len(text) > max_output_chars:
            raise OverflowError(
                f"The rendered template is {len(text)} characters long; templates may render at most "
                f"{max_output_chars} characters."
            )
        return ("ok", text)
    except MemoryError:
        return ("error", "MemoryError('the template used more memory than a template may use')", "out of memory")
    except Exception as exc:  # whatever the user's template raised is the template's failure
        return ("error", repr(exc), str(exc))


def _read(stream: IO[bytes]) -> bytes | None:
    header = stream.read(4)
    if len(header) < 4:
        return None
    (size,) = struct.unpack(">I", header)
    return stream.read(size)


def serve(memory_budget_bytes: int) -> None:
    """Answer render requests on stdin until it closes."""
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but answers may reach the answer pipe
    limit_memory(memory_budget_bytes)
    while (request := _read(requests)) is not None:
        template, context, cpu_seconds, max_output_chars = pickle.loads(request)
        outcome = render(template, context, cpu_seconds, max_output_chars)
        try:
            body = json.dumps(outcome).encode()
        except MemoryError:
            body = json.dumps(["error", "MemoryError('the rendered template is too large')", "out of memory"]).encode()
        answers.write(struct.pack(">I", len(body)) + body)
        answers.flush()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
