"""Bilingual text: every title the dashboards show, in Chinese (default) and English.

Examples:
    >>> T("上行链路", "uplinks").get("en")
    'uplinks'
    >>> T("上行链路", "uplinks").get("zh")
    '上行链路'
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


class T(NamedTuple):
    """A text in both languages."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        """The text in ``lang``."""
        return self.en if lang == "en" else self.zh


def parse_lang(value: str) -> Lang:
    """Validate a ``--lang`` value.

    Examples:
        >>> parse_lang("EN")
        'en'
        >>> parse_lang("fr")
        Traceback (most recent call last):
        ...
        ValueError: language 'fr': use zh or en
    """
    low = value.strip().lower()
    if low == "zh":
        return "zh"
    if low == "en":
        return "en"
    msg = f"language '{value}': use zh or en"
    raise ValueError(msg)
