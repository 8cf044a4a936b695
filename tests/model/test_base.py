"""Identifiers, days and fractions shared by the whole schema."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aftershock.model import Party


@pytest.mark.parametrize("ident", ["a", "pos-main", "dc_1", "3pl-parent", "x.y", "A" * 128])
def test_good_ids(ident: str) -> None:
    assert Party(id=ident).id == ident


@pytest.mark.parametrize("ident", ["", "-lead", ".hidden", "has space", "slash/no", "é", "A" * 129])
def test_bad_ids(ident: str) -> None:
    with pytest.raises(ValidationError):
        Party(id=ident)


def test_unknown_keys_are_errors() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Party.model_validate({"id": "a", "knd": "msp"})
