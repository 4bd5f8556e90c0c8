"""Pieces of validation messages shared by the naming rules: characters, counts, articles."""

from __future__ import annotations

import re


def _describe(char: str) -> str:
    names = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a line break"}
    if char in names:
        return names[char]
    if not char.isprintable():
        return f"the character U+{ord(char):04X}"
    return f"'{char}'"


def _first_bad_char(value: str, allowed: re.Pattern[str]) -> str | None:
    return next((char for char in value if not allowed.fullmatch(char)), None)


def _characters(count: int) -> str:
    return "1 character" if count == 1 else f"{count} characters"


def _article(noun: str) -> str:
    return "an" if noun[:1] in tuple("aeiou") else "a"
