"""How the emulator keeps a view's lines: what a real device shows after a push and a rollback."""

from __future__ import annotations

from netctl.testing.emulator import Device, Session

S6730_AAA = ("aaa\n local-aaa-user password policy administrator\n"
             "  password history record number 0\n  password expire 0\n")


def _feed(dev: Device, lines: list[str]) -> None:
    s = Session(dev)
    for line in ["system-view", *lines]:
        s.feed(line)


def test_vrp_password_policy_commands_are_separate_settings() -> None:
    """`password expire 90` replaces `password expire 0`, never `password history record …`
    (VRP S-series AAA command reference: two commands of the password policy view)."""
    dev = Device("R1", "huawei_vrp", initial_config=S6730_AAA)
    _feed(dev, ["aaa", "local-aaa-user password policy administrator", "password expire 90"])
    shown = dev.running_config
    assert "  password history record number 0\n" in shown
    assert "  password expire 90\n" in shown and "password expire 0\n" not in shown


def test_a_line_removed_and_typed_again_shows_where_it_was() -> None:
    """A device displays a view's commands in its own order: a rollback that restores a line
    shows the view as it was, byte for byte (RGOS `line vty 0 35`, corpus n8560)."""
    before = "line vty 0 35\n login local\n width 256\n length 512\n"
    dev = Device("R1", "ruijie_os", initial_config=before)
    s = Session(dev)
    for line in ["enable", "configure terminal", "line vty 0 35", "no login local",
                 "login local", "end"]:
        s.feed(line)
    shown = dev.running_config
    assert shown.index(" login local") < shown.index(" width 256") < shown.index(" length 512")
