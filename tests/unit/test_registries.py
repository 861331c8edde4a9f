"""The registries a new resource joins agree with what exists."""

from __future__ import annotations

import importlib
import pkgutil
import typing

import prefect_http.routes
import prefect_http.ws
from prefect_core.ports import UnitOfWork
from prefect_http.registry import ROUTE_MODULES
from prefect_storage_sql.unit_of_work import REPOSITORIES, repository_class


def test_every_unit_of_work_repository_is_registered_and_nothing_else() -> None:
    declared = set(typing.get_type_hints(UnitOfWork))
    assert declared == set(REPOSITORIES)


def test_every_registered_repository_class_exists() -> None:
    for name in REPOSITORIES:
        cls = repository_class(name)
        assert isinstance(cls, type), name


def test_every_module_with_routes_is_registered_once() -> None:
    with_routes = set()
    for package in (prefect_http.routes, prefect_http.ws):
        for info in pkgutil.iter_modules(package.__path__):
            name = f"{package.__name__}.{info.name}"
            if hasattr(importlib.import_module(name), "routes"):
                with_routes.add(name)
    assert sorted(ROUTE_MODULES) == sorted(with_routes)
