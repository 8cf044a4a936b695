"""Turn pydantic's errors into :class:`Problem` lines with file, line, field and a hint."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from aftershock.errors import Problem
from aftershock.io.yaml_lines import Path_, dotted, line_of

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def problems_from_validation(
    exc: ValidationError, source: str, lines: dict[Path_, int], root: type[BaseModel]
) -> list[Problem]:
    """One problem per pydantic error, each with the line of the offending key."""
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not _is_type_tag(p))
        problems.append(
            Problem(
                source,
                _message(err, loc, root),
                line=line_of(lines, loc),
                field=dotted(loc) or None,
            )
        )
    return problems


def _is_type_tag(part: str | int) -> bool:
    # pydantic puts the member type of a union in the location ("str", "list[...]")
    return isinstance(part, str) and (
        part in {"str", "int", "float", "bool"} or part.endswith("]") or part.startswith("function-")
    )


def _message(err: Any, loc: Path_, root: type[BaseModel]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = sorted(fields_at(root, loc[:-1]))
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6) if len(name) <= 60 else []
        hint = f"; did you mean '{close[0]}'?" if close else ""
        shown_name = name if len(name) <= 60 else name[:57] + "..."
        return f"unknown key '{shown_name}'{hint} (expected one of: {', '.join(allowed)})"
    if kind == "missing":
        return "required field is missing"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    got = err.get("input")
    shown = repr(got.isoformat() if isinstance(got, dt.date) else got)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    ctx = err.get("ctx") or {}
    bound = str(ctx.get("le", ctx.get("ge", "")))
    if kind in ("less_than_equal", "greater_than_equal") and _DATE.fullmatch(bound):  # a date out of range
        return f"expected a date {'on or before' if 'le' in ctx else 'on or after'} {bound}, got {shown}"
    if msg.startswith("Input should be "):
        rest = msg.removeprefix("Input should be ")
        is_bound = rest.startswith(("greater", "less"))
        msg = "expected " + ("a value " if is_bound else "") + rest
    return f"{msg}, got {shown}"


def fields_at(root: type[BaseModel], loc: Path_) -> set[str]:
    """Names (aliases where set) of the model's fields reached by following ``loc``."""
    current: Any = root
    for part in loc:
        model = _model_in(current)
        if model is not None and isinstance(part, str):
            field = _field_named(model, part)
            if field is None:
                return set()
            current = field.annotation
            continue
        current = _element_type(current, part)
        if current is None:
            return set()
    model = _model_in(current)
    if model is None:
        return set()
    return {f.alias or name for name, f in model.model_fields.items()}


def _field_named(model: type[BaseModel], name: str) -> Any:
    for field_name, field in model.model_fields.items():
        if name in (field_name, field.alias):
            return field
    return None


def _unwrap(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return out
    return [tp]


def _model_in(tp: Any) -> type[BaseModel] | None:
    for member in _unwrap(tp):
        if isinstance(member, type) and issubclass(member, BaseModel):
            return member
    return None


def _element_type(tp: Any, part: str | int) -> Any:
    for member in _unwrap(tp):
        origin = typing.get_origin(member)
        args = typing.get_args(member)
        if origin is list and isinstance(part, int) and args:
            return args[0]
        if origin is dict and args:
            return args[1]
    return None
