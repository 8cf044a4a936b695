"""Bundled example scenarios, addressable by name, shipped inside the package.

A scenario reference is a bundled name, a folder or a file, optionally followed by
``:VARIANT``, a named what-if the scenario declares (``ocs-2022:spread``,
``path/to/scenario.yaml:no-backup``): :func:`split_variant` takes it apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from aftershock.errors import Problem, ScenarioError

SCENARIO_FILE = "scenario.yaml"


def bundled_root() -> Path:
    """Folder of the bundled scenarios inside the installed package."""
    return Path(str(resources.files("aftershock") / "scenarios"))


#: A variant name after the last ':' of a reference: an id (no folder separator), so a
#: Windows path such as ``C:\\scenarios\\mine.yaml`` is never split.
_VARIANT_TAIL = re.compile(r"^[^/\\]*$")


@dataclass(frozen=True)
class BundledVariant:
    """A named what-if of a bundled scenario, as its file declares it."""

    name: str
    description: str


@dataclass(frozen=True)
class BundledScenario:
    """A bundled scenario's name, title and one-line description, and its variants."""

    name: str
    title: str
    description: str
    path: Path
    sources: tuple[str, ...]
    variants: tuple[BundledVariant, ...] = ()


def bundled_scenarios() -> list[BundledScenario]:
    """Every bundled scenario, sorted by name."""
    out = []
    for folder in sorted(bundled_root().iterdir()):
        file = folder / SCENARIO_FILE
        if not file.is_file():
            continue
        head = yaml.safe_load(file.read_text(encoding="utf-8"))
        out.append(
            BundledScenario(
                name=folder.name,
                title=str(head.get("title", folder.name)),
                description=" ".join(str(head.get("description", "")).split()),
                path=file,
                sources=tuple(str(s.get("url") or s.get("title")) for s in head.get("sources", []) or []),
                variants=_variants_of(head),
            )
        )
    return out


def _variants_of(head: dict[str, object]) -> tuple[BundledVariant, ...]:
    variants = head.get("variants")
    if not isinstance(variants, dict):
        return ()
    return tuple(
        BundledVariant(
            name=str(name),
            description=" ".join(str(v.get("description") or "").split()) if isinstance(v, dict) else "",
        )
        for name, v in variants.items()
    )


def split_variant(ref: str | Path, *, files: bool = True) -> tuple[str | Path, str | None]:
    """``(scenario reference, variant name)`` of ``NAME:VARIANT`` or ``path:VARIANT``.

    A reference without ``:`` (or whose last ``:`` is followed by a folder separator, as in
    ``C:\\x.yaml``, or, with ``files``, whose whole text names an existing file or folder)
    has no variant. A reference ending in ``:`` is an error: the variant name is missing.
    The web API passes ``files=False``: its references are names and ids, never paths.
    """
    text = str(ref)
    head, sep, tail = text.rpartition(":")
    if not sep or not head or not _VARIANT_TAIL.match(tail):
        return ref, None
    try:
        if files and Path(text).exists():  # a file whose name holds a ':'
            return ref, None
    except (OSError, ValueError):  # a name too long, a NUL: resolving it says so
        return ref, None
    if not tail:
        raise ScenarioError.from_problems(
            [Problem(_shown(text), "expected a variant name after ':' (such as ocs-2022:spread)")]
        )
    return head, tail


def resolve_scenario_path(ref: str | Path) -> Path:
    """A bundled scenario's file, or the given path; a clear error when neither exists."""
    try:
        return _resolve(ref)
    except OSError as exc:  # e.g. a name too long for the file system
        raise ScenarioError.from_problems(
            [Problem(_shown(str(ref)), f"cannot use this path: {exc.strerror}")]
        ) from None


def _shown(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _resolve(ref: str | Path) -> Path:
    path = Path(ref)
    if path.is_dir() and (path / SCENARIO_FILE).is_file():
        return path / SCENARIO_FILE
    if path.is_file():
        return path
    text = str(ref)
    if "/" not in text and not path.suffix:
        bundled = bundled_root() / text / SCENARIO_FILE
        if bundled.is_file():
            return bundled
        names = [b.name for b in bundled_scenarios()]
        import difflib

        close = difflib.get_close_matches(text, names, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ScenarioError.from_problems(
            [
                Problem(
                    text,
                    f"no such scenario file or bundled scenario{hint} (bundled: {', '.join(names)})",
                )
            ]
        )
    if path.is_dir():
        raise ScenarioError.from_problems([Problem(text, f"a folder without a {SCENARIO_FILE} in it")])
    raise ScenarioError.from_problems([Problem(text, "file not found")])
