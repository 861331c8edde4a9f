"""Rendering untrusted templates away from the server's event loop, in worker processes
with resource limits.

Jinja2's sandbox refuses unsafe attributes but caps neither CPU nor memory: `{{ 'a' * 10**10 }}`
or two nested loops over a long string would stall or exhaust the server if rendered in
its process. `RenderPool` sends each render to a worker process
(`python -m prefect_core.automations.render_worker`, see there for the protocol and the
limits it sets on itself: address space, and CPU time per render) and awaits the answer
against a wall-clock deadline; a worker that overruns is killed and the next render starts
a new one. The caller gets `RenderRefused`, whose sentence says which limit was hit.

Workers are plain subprocesses rather than `multiprocessing` children: those re-import the
server's `__main__` in every worker, which runs an unguarded launcher script a second time.
The blocking pipe I/O runs in the loop's default thread pool, so the loop only awaits it
(and a worker is not tied to one event loop).

The pool starts a worker on the first render (a server that never renders a template holds
none) and keeps up to `workers` idle ones; `close()` stops them (the HTTP app does so on
shutdown; a later render starts new ones). Only the standard library is used.
"""

from __future__ import annotations

import asyncio
import json
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import IO, Any, cast


@dataclass(frozen=True)
class RenderLimits:
    """What one render may use: CPU seconds, wall-clock seconds, extra memory, output length;
    and how many renders run at once."""

    cpu_seconds: int = 2
    wall_seconds: float = 10.0
    memory_bytes: int = 512 * 1024 * 1024
    max_output_chars: int = 10_000_000
    workers: int = 2


class RenderRefused(Exception):
    """A render that failed in the worker or broke a limit; `error_repr` is how the
    template's error reads (`repr` of the exception raised in the worker)."""

    def __init__(self, message: str, error_repr: str) -> None:
        super().__init__(message)
        self.message = message
        self.error_repr = error_repr

    def __repr__(self) -> str:
        return self.error_repr


class _WorkerGone(Exception):
    """The worker closed its pipe (killed by a limit, or it crashed)."""


class _Worker:
    def __init__(self, memory_bytes: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prefect_core.automations.render_worker", str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            # The worker imports what the server imports, however the server found it.
            env={**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)},
        )

    def exchange(self, request: bytes) -> Any:
        """Send one request and wait for its answer (blocking: runs in a thread)."""
        stdin, stdout = cast(IO[bytes], self.process.stdin), cast(IO[bytes], self.process.stdout)
        try:
            stdin.write(struct.pack(">I", len(request)) + request)
            stdin.flush()
            header = stdout.read(4)
            if len(header) < 4:
                raise _WorkerGone
            (size,) = struct.unpack(">I", header)
            body = stdout.read(size)
        except (BrokenPipeError, ValueError, OSError):
            raise _WorkerGone from None
        if len(body) < size:
            raise _WorkerGone
        return json.loads(body)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


class RenderPool:
    """Worker processes that render templates under `limits` (see the module's docstring)."""

    def __init__(self, limits: RenderLimits | None = None) -> None:
        self.limits = limits or RenderLimits()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        # Renders wait for a free worker here, so the deadline counts only their own run.
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None

    @property
    def started(self) -> bool:
        """Whether any worker process is running."""
        with self._lock:
            return bool(self._idle or self._busy)

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:
            self._slots, self._slots_loop = asyncio.Semaphore(self.limits.workers), loop
        return self._slots

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    self._busy.add(worker)
                    return worker
        worker = _Worker(self.limits.memory_bytes)
        with self._lock:
            self._busy.add(worker)
        return worker

    def _give_back(self, worker: _Worker, healthy: bool) -> None:
        with self._lock:
            self._busy.discard(worker)
            if healthy and len(self._idle) < self.limits.workers:
                self._idle.append(worker)
                return
        worker.kill()

    async def render(self, template: str, context: dict[str, Any]) -> str:
        """The rendered text; `RenderRefused` if the template failed or broke a limit."""
        limits = self.limits
        request = pickle.dumps((template, context, limits.cpu_seconds, limits.max_output_chars))
        async with self._semaphore():
            loop = asyncio.get_running_loop()
            worker = await loop.run_in_executor(None, self._take)
            exchange = loop.run_in_executor(None, worker.exchange, request)
            try:
                outcome = await asyncio.wait_for(exchange, limits.wall_seconds)
            except TimeoutError:
                await loop.run_in_executor(None, self._give_back, worker, False)
                sentence = f"the template took longer than {limits.wall_seconds:g} seconds to render"
                raise RenderRefused(sentence, repr(TimeoutError(sentence))) from None
            except _WorkerGone:
                await loop.run_in_executor(None, self._give_back, worker, False)
                raise _refusal(worker.process.returncode, limits) from None
            except BaseException:  # cancelled: the worker may still be rendering
                await asyncio.shield(loop.run_in_executor(None, self._give_back, worker, False))
                raise
            self._give_back(worker, True)
        if outcome[0] == "ok":
            return str(outcome[1])
        raise RenderRefused(str(outcome[2]), str(outcome[1]))

    def close(self) -> None:
        """Stop the workers (killing any render still running)."""
        with self._lock:
            workers = [*self._idle, *self._busy]
            self._idle.clear()
            self._busy.clear()
        for worker in workers:
            worker.kill()


def _refusal(returncode: int | None, limits: RenderLimits) -> RenderRefused:
    if returncode == -signal.SIGXCPU:
        sentence = f"the template used more than {limits.cpu_seconds} seconds of CPU time to render"
        return RenderRefused(sentence, repr(TimeoutError(sentence)))
    sentence = f"the template's render worker stopped (exit status {returncode}) before it finished"
    return RenderRefused(sentence, repr(RuntimeError(sentence)))


#: The server's pool (one per process; its first render starts a worker).
POOL = RenderPool()
