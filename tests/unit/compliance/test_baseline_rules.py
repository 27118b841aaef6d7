"""The MLPS baseline rules of every platform on real-looking running configurations.

Each ``<platform>_good.cfg`` is a compliant configuration: every rule passes. Each
``<platform>_bad.cfg`` breaks every rule; the expected status and offending lines below are
worked out by reading the file against the rule's checks (``reports/rules/<platform>.yaml``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netctl.compliance.baseline import Config, RuleSet, check_config, load_rules, redact
from netctl.exceptions import ConfigError

REPO = Path(__file__).resolve().parents[3]
CONFIGS = Path(__file__).resolve().parent / "configs"
PLATFORMS = ("huawei_vrp", "hp_comware", "ruijie_os", "cisco_ios")
RULE_IDS = (
    "ssh_only",
    "no_telnet",
    "snmpv3_authpriv",
    "password_policy",
    "login_lockout",
    "idle_timeout",
    "aaa",
    "remote_syslog",
    "ntp",
    "banner",
)

# rule → (status, offending line texts, number of missing settings)
EXPECTED: dict[str, dict[str, tuple[str, list[str], int]]] = {
    "huawei_vrp": {
        # no stelnet, vty 0 4 without "protocol inbound ssh", SSHv1 compatibility on
        "ssh_only": ("fail", ["ssh server compatible-ssh1x enable", "user-interface vty 0 4"], 1),
        "no_telnet": ("fail", ["telnet server enable", "protocol inbound all"], 0),
        "snmpv3_authpriv": (
            "fail",
            [
                "snmp-agent community read cipher %^%#public%^%#",
                "snmp-agent sys-info version v2c v3",
                "snmp-agent group v3 NMS",
                "snmp-agent usm-user v3 nms authentication-mode md5 cipher %^%#k1%^%#",
            ],
            1,
        ),
        # reversible password and no administrator policy; the expiry check passes on the
        # default (90 days) as there is no policy section to override it: partial
        "password_policy": (
            "partial",
            ["aaa", "local-user admin password cipher %^%#Zx8_a1%^%#"],
            0,
        ),
        # lockout left on but after 10 tries (max 5): partial
        "login_lockout": (
            "partial",
            ["local-aaa-user wrong-password retry-interval 5 retry-time 10 block-time 5"],
            0,
        ),
        # con 0 keeps the 10-minute default; vty 0 4 never times out
        "idle_timeout": ("fail", ["idle-timeout 0 0"], 0),
        "aaa": (
            "fail",
            [
                "authentication-mode password",
                "user-interface vty 0 4",
                "authentication-mode password",
            ],
            1,
        ),
        "remote_syslog": ("fail", ["undo info-center enable"], 1),
        "ntp": ("fail", [], 1),
        "banner": ("fail", [], 1),
    },
    "hp_comware": {
        "ssh_only": ("fail", ["line vty 0 63"], 1),
        "no_telnet": ("fail", ["telnet server enable", "protocol inbound all"], 0),
        "snmpv3_authpriv": (
            "fail",
            [
                "snmp-agent community read public",
                "snmp-agent sys-info version all",
                "snmp-agent group v3 NMS authentication",
            ],
            1,
        ),
        # password-control is on (1 of 5 checks); too short, no composition, 180-day aging,
        # a reversible password
        "password_policy": (
            "partial",
            [
                "password-control length 6",
                "password-control aging 180",
                "password cipher $c$3$Wq1eR2t",
            ],
            1,
        ),
        "login_lockout": ("partial", ["password-control login-attempt 3 exceed unlock"], 0),
        "idle_timeout": ("fail", ["idle-timeout 0 0"], 0),
        "aaa": ("fail", ["line vty 0 63", "authentication-mode password"], 1),
        "remote_syslog": ("fail", ["undo info-center enable"], 1),
        "ntp": ("fail", [], 1),
        "banner": ("fail", [], 1),
    },
    "ruijie_os": {
        "ssh_only": ("fail", ["line vty 0 4"], 2),
        "no_telnet": ("fail", ["transport input telnet ssh"], 1),
        "snmpv3_authpriv": (
            "fail",
            [
                "snmp-server community public ro",
                "snmp-server group NMS v2c read default",
                "snmp-server user nms NMS v3 auth md5 7 0a1b2c3d",
            ],
            1,
        ),
        "password_policy": (
            "fail",
            ["enable password 0 ruijie123", "username admin password 0 admin123"],
            3,
        ),
        "login_lockout": ("fail", [], 2),
        "idle_timeout": ("fail", ["exec-timeout 0 0"], 0),
        "aaa": ("fail", ["login"], 3),
        "remote_syslog": ("fail", ["no logging on"], 1),
        "ntp": ("fail", [], 1),
        "banner": ("fail", [], 1),
    },
    "cisco_ios": {
        "ssh_only": ("fail", ["line vty 0 4", "line vty 5 15"], 1),
        "no_telnet": ("fail", ["transport input telnet", "line vty 5 15"], 0),
        "snmpv3_authpriv": (
            "fail",
            ["snmp-server community public RO", "snmp-server group NMS v3 auth read NMS-VIEW"],
            1,
        ),
        "password_policy": (
            "fail",
            ["enable password cisco123", "username admin privilege 15 password 0 admin123"],
            3,
        ),
        "login_lockout": ("fail", [], 1),
        # con 0 never times out, vty 0 4 after 30 min; vty 5 15 keeps the default
        "idle_timeout": ("fail", ["exec-timeout 0 0", "exec-timeout 30 0"], 0),
        "aaa": ("fail", ["login", "login", "login"], 3),
        "remote_syslog": ("fail", ["no logging on"], 1),
        "ntp": ("fail", [], 1),
        "banner": ("fail", [], 1),
    },
}


@pytest.fixture(scope="module")
def rules() -> dict[str, RuleSet]:
    return load_rules(REPO / "reports" / "rules")


def _lines_of(text: str, wanted: list[str]) -> list[int]:
    """Line numbers of the wanted texts (stripped), in file order, each occurrence once."""
    numbers = [i for i, line in enumerate(text.splitlines(), 1) if line.strip() in wanted]
    return sorted(numbers)


def test_every_platform_has_the_ten_rules_with_a_clause(rules: dict[str, RuleSet]) -> None:
    assert set(rules) == set(PLATFORMS)
    for ruleset in rules.values():
        assert tuple(r.id for r in ruleset.rules) == RULE_IDS
        for r in ruleset.rules:
            assert r.clause.startswith("8.1."), r.id  # GB/T 22239-2019 level 3 clauses
            assert r.title.zh and r.title.en and r.requirement.zh


@pytest.mark.parametrize("platform", PLATFORMS)
def test_compliant_config_passes_every_rule(rules: dict[str, RuleSet], platform: str) -> None:
    text = (CONFIGS / f"{platform}_good.cfg").read_text(encoding="utf-8")
    results = check_config(text, rules[platform])
    assert [(r.rule, r.status) for r in results] == [(rule, "pass") for rule in RULE_IDS]
    assert all(not r.offending and not r.missing for r in results)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_noncompliant_config_fails_every_rule_with_its_lines(
    rules: dict[str, RuleSet], platform: str
) -> None:
    text = (CONFIGS / f"{platform}_bad.cfg").read_text(encoding="utf-8")
    results = {r.rule: r for r in check_config(text, rules[platform])}
    assert list(results) == list(RULE_IDS)
    for rule, (status, offending, missing) in EXPECTED[platform].items():
        r = results[rule]
        assert r.status == status, rule
        assert sorted(o.text for o in r.offending) == sorted(redact(t) for t in offending), rule
        assert [o.line for o in r.offending] == _lines_of(text, offending), rule
        assert len(r.missing) == missing, rule
        for why in r.reasons:  # every finding is actionable in both languages
            assert why.zh and why.en and why.code in ("forbidden", "missing", "out_of_range")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_reports_never_show_a_secret(rules: dict[str, RuleSet], platform: str) -> None:
    text = (CONFIGS / f"{platform}_bad.cfg").read_text(encoding="utf-8")
    shown = " ".join(
        f"{o.text} {o.why.zh} {o.why.en}"
        for r in check_config(text, rules[platform])
        for o in r.offending
    )
    for secret in (
        "admin123",
        "ruijie123",
        "cisco123",
        "public",
        "Zx8_a1",
        "Wq1eR2t",
        "0822455D0A16",
        "%^%#k1%^%#",
    ):
        assert secret not in shown, secret
    assert "******" in shown


def test_redaction_keeps_the_line_readable() -> None:
    assert redact("snmp-agent community read cipher %^%#public%^%#") == (
        "snmp-agent community read cipher ******"
    )
    assert redact("radius-server host 10.64.0.10 key 7 0822455d0a16") == (
        "radius-server host 10.64.0.10 key 7 ******"
    )
    assert redact(" key authentication cipher $c$3$xk8Qz1") == (" key authentication cipher ******")
    assert redact("snmp-server user nms NMS v3 auth sha 7 0a1b priv aes128 7 0c1d") == (
        "snmp-server user nms NMS v3 auth sha 7 ****** priv aes128 7 ******"
    )
    for plain in (
        "password-control length 6",
        "authentication-mode aaa",
        "protocol inbound all",
        "ssh user netadmin authentication-type password",
    ):
        assert redact(plain) == plain


def test_offending_line_says_what_to_do(rules: dict[str, RuleSet]) -> None:
    text = (CONFIGS / "huawei_vrp_bad.cfg").read_text(encoding="utf-8")
    telnet = next(r for r in check_config(text, rules["huawei_vrp"]) if r.rule == "no_telnet")
    first = telnet.offending[0]
    assert (first.line, first.text) == (7, "telnet server enable")
    assert first.why.zh == "应关闭 Telnet 服务：telnet server enable"
    assert first.why.en == "Telnet server off: telnet server enable"
    assert telnet.clause == "8.1.4.4 b)"


def test_banner_body_and_comments_are_not_config_lines() -> None:
    cfg = Config.parse(
        "banner login ^C\ntelnet server enable\n^C\n! telnet server enable\nhostname x\n"
    )
    assert [(line.number, line.text) for line in cfg.lines] == [
        (1, "banner login ^C"),
        (5, "hostname x"),
    ]


def test_separator_closes_sections_for_h3c_global_lines() -> None:
    cfg = Config.parse("line vty 0 63\n idle-timeout 0 0\n#\n idle-timeout 0 0\n")
    header = 0
    assert cfg.ends[header] == 2  # the second idle-timeout (after '#') is a global line
    assert [cfg.lines[i].number for i in range(header + 1, cfg.ends[header])] == [2]


def test_invalid_rule_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "cisco_ios.yaml").write_text(
        "platform: cisco_ios\nrules:\n  - id: x\n    title: {zh: a, en: a}\n    clause: '8.1'\n"
        "    requirement: {zh: a, en: a}\n    checks:\n      - {kind: value, pattern: '^x (\\d+)',"
        " want: {zh: a, en: a}, max: 3}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"captures its number as \(\?P<v>"):
        load_rules(tmp_path)
    (tmp_path / "cisco_ios.yaml").write_text("platform: huawei_vrp\nrules: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="rules"):
        load_rules(tmp_path)
