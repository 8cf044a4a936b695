"""Write a measured table into its marked section of benchmarks/README.md."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).parent / "README.md"


def update_section(name: str, heading: str, text: str) -> None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->`` (or append it)."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text}\n{end}"
    current = README.read_text() if README.exists() else "# Benchmarks\n"
    if start in current:
        head, rest = current.split(start, 1)
        current = head + block + rest.split(end, 1)[1]
    else:
        current += f"\n## {heading}\n\n{block}\n"
    README.write_text(current)
