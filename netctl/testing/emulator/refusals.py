"""What each platform's real OS refuses although the words are known, with its error text.

Data only, one table per platform (see :class:`~netctl.testing.emulator.profile.Refusal`).
Every entry names its source; the texts marked *approximation* are the emulator's best guess
and say which ``?`` check on a device would settle them (docs/emulator.md, "Refusals").
"""

from __future__ import annotations

from netctl.testing.emulator.profile import Refusal

HUAWEI_REFUSALS: tuple[Refusal, ...] = (
    Refusal(
        r"^undo user-interface (?P<at>con|console|aux)\b",
        "unknown",
        "VRP command references list `undo user-interface` only as `undo user-interface "
        "maximum-vty` and `undo user-interface vty security-policy disable|available-vty-"
        "threshold` (NE40E V800R012C10 / CE6800 V300R023C00 command references, "
        "WheaterW/INTA-project); a console/AUX user interface cannot be removed",
    ),
    Refusal(
        r"^undo user-interface vty (?P<at>\d+)",
        "unknown",
        "same references: no `undo user-interface vty <first> [<last>]` form exists",
    ),
    Refusal(
        r"^undo local-user {user}$",
        "Error: Have user(s) online, can not be deleted.",
        "public VRP transcript (search index id 5696740401, S-series guide): "
        "`[huawei-aaa]undo local-user admin` -> this text while admin is logged in",
    ),
    Refusal(
        r"^undo (?P<at>aaa)$",
        "unknown",
        "approximation: the VRP references list `aaa` (enter the AAA view, present on every "
        "device) with no undo form (check `undo ?` in system view)",
    ),
)

H3C_REFUSALS: tuple[Refusal, ...] = (
    Refusal(
        r"^undo (?P<at>line) (?:vty|con|console|aux|class)\b",
        "unknown",
        "H3C Comware 7 Fundamentals Command Reference: `line {aux|console|vty} first [last]` "
        "and `line class` have no undo form (user lines exist as long as the hardware does)",
    ),
    Refusal(
        r"^undo (?P<at>user-interface) (?:vty|con|console|aux)\b",
        "unknown",
        "Comware 5 `user-interface` likewise has no undo form",
    ),
    Refusal(
        r"^undo local-user {user}(?: class manage)?$",
        " % The user is online and can't be deleted.",
        "approximation: Comware refuses to delete a logged-in management user, exact text "
        "unconfirmed (check: log in as U, `undo local-user U class manage`)",
    ),
)

CISCO_REFUSALS: tuple[Refusal, ...] = (
    Refusal(
        r"^no line vty [0-4](?: \d+)?$",
        "% Can't delete last 5 VTY lines",
        "IOS warning text as listed by a public IOS config-diff tool's warning table "
        "(search index id 18293421730); lines 0-4 always exist",
    ),
    Refusal(
        r"^no line (?P<at>con|console|aux)\b",
        "unknown",
        "IOS `no line ?` offers line numbers and `vty` only (console/AUX lines cannot be "
        "removed): `% Invalid input detected at '^' marker.` under the keyword",
    ),
)

RUIJIE_REFUSALS: tuple[Refusal, ...] = (
    Refusal(
        r"^no line (?P<at>con|console|aux)\b",
        "unknown",
        "RGOS follows IOS here: the console line cannot be removed (approximation; check "
        "`no line ?` on RGOS 11/12)",
    ),
    Refusal(
        r"^no line vty (?P<at>[0-4])(?: \d+)?$",
        "unknown",
        "approximation: RGOS displays `line vty 0 4`/`0 35`; `no line vty <5-35>` shrinks "
        "the VTY set, lines 0-4 always exist (check `no line vty ?` on RGOS)",
    ),
)


# Sections a device displays from the factory on (they cannot be deleted, see above): a boot
# config without them gets them, so a push meets them as real devices do. Sources: every corpus
# config of the platform shows them (tests/fixtures/real/*/); the default ranges are those of
# the corpus (Huawei `user-interface vty 0 4`, Comware 7 `line vty 0 63`, IOS/RGOS `line vty 0 4`).
HUAWEI_PERMANENT: tuple[tuple[str, str], ...] = (
    (r"user-interface (con|console) ", "user-interface con 0"),
    (r"user-interface vty ", "user-interface vty 0 4"),
    (r"aaa$", "aaa"),  # every VRP config of the corpus that shows users shows the AAA view
)
H3C_PERMANENT: tuple[tuple[str, str], ...] = (
    (r"(line|user-interface) vty ", "line vty 0 63"),
)
CISCO_PERMANENT: tuple[tuple[str, str], ...] = (
    (r"line con ", "line con 0"),
    (r"line vty ", "line vty 0 4"),
)
RUIJIE_PERMANENT: tuple[tuple[str, str], ...] = (
    (r"line con ", "line con 0"),
    (r"line vty ", "line vty 0 4"),
)
