"""Which engines exist in this process, loaded lazily once and shared by every caller."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .engine import Engine
from .types import InvalidRequest, Voice

_lock = threading.Lock()
_factories: dict[str, Callable[[], Engine]] = {}
_engines: dict[str, Engine] = {}


def register(name: str, factory: Callable[[], Engine]) -> None:
    """Make an engine available under `name`; it is built on first use."""
    with _lock:
        _factories[name] = factory
        _engines.pop(name, None)


def unregister(name: str) -> None:
    with _lock:
        _factories.pop(name, None)
        _engines.pop(name, None)


def engine(name: str) -> Engine:
    with _lock:
        if name not in _engines:
            if name not in _factories:
                raise InvalidRequest(f"unknown engine {name!r}")
            _engines[name] = _factories[name]()
        return _engines[name]


def engine_names() -> list[str]:
    with _lock:
        return list(_factories)


def loaded_engine_names() -> list[str]:
    with _lock:
        return list(_engines)


def voices() -> list[Voice]:
    """Every voice of every registered engine, loading engines as needed."""
    result: list[Voice] = []
    for name in engine_names():
        result.extend(engine(name).voices())
    return result


def engine_for_voice(voice_id: str) -> Engine:
    for name in engine_names():
        eng = engine(name)
        if any(v.id == voice_id for v in eng.voices()):
            return eng
    known = ", ".join(v.id for v in voices())
    raise InvalidRequest(f"unknown voice {voice_id!r}; available: {known}")


def register_defaults(*, threads: int = 2, modelscope_model_dir: str | None = None) -> None:
    """The built-in voice always; ModelScope's Sambert-Hifigan when its model is on disk."""

    def builtin_factory() -> Engine:
        from . import builtin

        return builtin.create(threads=threads)

    if "builtin" not in _factories:
        register("builtin", builtin_factory)
    if modelscope_model_dir and "modelscope" not in _factories:

        def modelscope_factory() -> Engine:
            from .modelscope_engine import ModelScopeEngine

            return ModelScopeEngine(modelscope_model_dir, threads=threads)

        register("modelscope", modelscope_factory)
