"""Bundled example scenarios, addressable by name, shipped inside the package."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from aftershock.errors import Problem, ScenarioError

SCENARIO_FILE = "scenario.yaml"


def bundled_root() -> Path:
    """Folder of the bundled scenarios inside the installed package."""
    return Path(str(resources.files("aftershock") / "scenarios"))


@dataclass(frozen=True)
class BundledScenario:
    """A bundled scenario's name, title and one-line description."""

    name: str
    title: str
    description: str
    path: Path
    sources: tuple[str, ...]


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
            )
        )
    return out


def resolve_scenario_path(ref: str | Path) -> Path:
    """A bundled scenario's file, or the given path; a clear error when neither exists."""
    try:
        return _resolve(ref)
    except OSError as exc:  # e.g. a name too long for the file system
        text = str(ref)
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise ScenarioError.from_problems([Problem(shown, f"cannot use this path: {exc.strerror}")]) from None


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
