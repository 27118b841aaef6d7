"""Hostile values for the fuzz suite."""

from __future__ import annotations

from hypothesis import strategies as st

# characters an attacker (or a bad copy and paste) brings: line breaks of every kind, bidi
# overrides, zero-width characters, escapes, quotes, CLI and YAML delimiters
NASTY = ["\n", "\r", "\r\n", "\x00", "\x1b[2J", "\u2028", "\u2029", "\u0085", "\u202e",
         "\u200b", "\ufeff", "\t", "\x7f", "\\", '"', "'", "#", ":", "{", "}", "[", "]",
         "!", "&", "*", "|", ">", "%", "@", "`", "=", "+", "-", " ", "\u3000", "\xa0",
         "undo stelnet server enable", "no ip ssh", "quit", "return", "[/bold]",
         "=cmd|' /C calc'!A0",
         "${jndi:x}", "{{ 7*7 }}", "中", "ǅ", "\U0001f600"]

nasty_text = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), max_size=8
).map("".join)
"""Short strings mixing hostile pieces with arbitrary Unicode."""

interface_like = st.one_of(
    st.sampled_from(["GigabitEthernet0/0/1", "GigabitEthernet 0/1", "Eth-Trunk1.100",
                     "XGigabitEthernet0/0/1", "Vlanif10"]),
    st.tuples(st.sampled_from(["GigabitEthernet0/0/", "GigabitEthernet 0/", "Vlanif"]),
              nasty_text).map("".join),
)

yaml_scalar = st.one_of(
    nasty_text, st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.none(), st.sampled_from(["007", "~", "1e3", ".nan", ".inf", "yes", "0x1F", "2026-12-06"]),
)
