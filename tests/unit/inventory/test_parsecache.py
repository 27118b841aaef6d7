"""The parse cache of inventory files (netctl/inventory/parsecache.py): a hit skips parsing and
nothing else; any change of a file's bytes is a miss; what comes from the cache is validated
like a fresh parse (same errors, file, line, field); a cache entry that is not trustworthy is
ignored."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netctl.cli import build_app
from netctl.exceptions import InventoryError
from netctl.inventory import load as load_module
from netctl.inventory import parsecache
from netctl.inventory.index import load_inventory
from netctl.inventory.yamlio import parse_yaml

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Path]:
    """The parse cache turned on in a private folder for the test, off again after it."""
    folder = tmp_path / "cache"
    before = parsecache.cache_folder()
    parsecache.use_cache(folder)
    yield folder
    parsecache.use_cache(before)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the loader parses (not those it takes from the cache)."""
    seen: list[Path] = []

    def counting(path: Path, content: bytes) -> object:
        seen.append(path)
        return parse_yaml(path, content)

    monkeypatch.setattr(load_module, "parse_yaml", counting)
    return seen


def _county(root: Path) -> Path:
    return sorted((root / "counties").glob("*.yaml"))[0]


def _entry(entry: Path) -> tuple[int, tuple[str, bytes], object]:
    """(format, key, data) of a cache entry, whatever form it keeps the data in."""
    fmt, key, kind, payload = marshal.loads(entry.read_bytes())  # noqa: S302 - the test's own
    return fmt, key, json.loads(payload) if kind == parsecache.JSON else payload


def _rewrite(entry: Path, fmt: int, key: tuple[str, bytes], data: object) -> None:
    """Write an entry holding ``data`` as JSON text, as netctl does."""
    blob = parsecache.as_json(data)
    assert blob is not None
    entry.write_bytes(marshal.dumps((fmt, key, parsecache.JSON, blob)))


def test_a_second_load_parses_nothing_and_gives_the_same_inventory(
        inv_copy: Path, cache: Path, parses: list[Path]) -> None:
    first = load_inventory(inv_copy)
    files = len(parses)
    assert files == 2 + len(list((inv_copy / "counties").glob("*.yaml")))  # region, catalog
    second = load_inventory(inv_copy)
    assert len(parses) == files  # every file from the cache
    assert second.devices.keys() == first.devices.keys()
    assert [s.school for s in second.schools.values()] == [s.school for s in first.schools.values()]
    assert second.links == first.links
    entries = list(cache.rglob("*.marshal"))
    assert len(entries) == files
    for entry in entries:  # private to the user: others can neither read nor write it
        assert entry.stat().st_mode & 0o077 == 0
        assert entry.parent.stat().st_mode & 0o077 == 0


def test_a_changed_file_is_parsed_again_and_its_change_seen(
        inv_copy: Path, cache: Path, parses: list[Path]) -> None:
    load_inventory(inv_copy)
    county = _county(inv_copy)
    text = county.read_text(encoding="utf-8")
    first_school = load_inventory(inv_copy).counties[county.stem].schools[0]
    parses.clear()
    county.write_text(text.replace(first_school.name, "改过名字的学校", 1), encoding="utf-8")
    inv = load_inventory(inv_copy)
    assert parses == [county]  # that file only, however small the change
    assert inv.schools[first_school.code].school.name == "改过名字的学校"
    parses.clear()
    load_inventory(inv_copy)
    assert parses == []  # and the new content is what the cache holds now
    county.write_text(text, encoding="utf-8")  # back to the old bytes: the old data again
    assert load_inventory(inv_copy).schools[first_school.code].school.name == first_school.name


def test_an_invalid_change_is_reported_as_without_the_cache(
        inv_copy: Path, cache: Path, tmp_path: Path) -> None:
    load_inventory(inv_copy)  # every file cached
    county = _county(inv_copy)
    text = county.read_text(encoding="utf-8")
    county.write_text(text.replace("role: gateway", "role: gatewey", 1), encoding="utf-8")
    with pytest.raises(InventoryError) as cached:
        load_inventory(inv_copy)
    with pytest.raises(InventoryError) as from_entry:  # the invalid file, now from its entry
        load_inventory(inv_copy)
    assert from_entry.value.problems == cached.value.problems
    parsecache.use_cache(None)
    with pytest.raises(InventoryError) as fresh:
        load_inventory(inv_copy)
    assert cached.value.problems == fresh.value.problems
    (problem,) = [p for p in cached.value.problems if p.severity == "error"]
    assert problem.file == county and problem.line is not None
    assert problem.field.endswith(".role") and "gatewey" in problem.message


def test_a_file_that_does_not_parse_is_reported_and_never_cached(
        inv_copy: Path, cache: Path, parses: list[Path]) -> None:
    county = _county(inv_copy)
    county.write_text(county.read_text(encoding="utf-8") + "  bad: [unclosed\n",
                      encoding="utf-8")
    for _ in range(2):
        parses.clear()
        with pytest.raises(InventoryError) as exc:
            load_inventory(inv_copy)
        assert county in parses  # parsed again each time
        (problem,) = [p for p in exc.value.problems if p.severity == "error"]
        assert problem.file == county and "not valid YAML" in problem.message
        assert problem.line is not None
    entry = parsecache.entry_file(cache, inv_copy, county)
    assert not entry.exists()


@pytest.mark.parametrize("kind", ["json", "data"])
def test_data_from_the_cache_is_validated(inv_copy: Path, cache: Path, kind: str) -> None:
    """An entry that matches the file's digest but holds other data (written by something
    else than netctl) cannot bring an invalid value in: validation runs on it. Held as JSON
    text, its failed validation sends the loader to the file itself (which is valid here);
    held as data, the data's error is reported, with its line found in the file."""
    first = load_inventory(inv_copy)
    county = _county(inv_copy)
    entry = parsecache.entry_file(cache, inv_copy, county)
    fmt, key, data = _entry(entry)
    assert isinstance(data, dict)
    injected = "gw1\nundo stelnet server enable"
    data["schools"][0]["devices"][0]["hostname"] = injected
    if kind == "json":
        _rewrite(entry, fmt, key, data)
        again = load_inventory(inv_copy)
        assert injected not in again.devices and again.devices.keys() == first.devices.keys()
        return
    entry.write_bytes(marshal.dumps((fmt, key, parsecache.DATA, data)))
    with pytest.raises(InventoryError) as exc:
        load_inventory(inv_copy)
    (problem,) = [p for p in exc.value.problems if p.severity == "error"]
    assert problem.file == county and problem.field.endswith("hostname")
    assert problem.line is not None  # found in the file itself


@pytest.mark.parametrize("damage", ["garbage", "other digest", "other parser", "other format",
                                    "json that is not text", "writable by others"])
def test_an_untrustworthy_entry_is_a_miss(inv_copy: Path, cache: Path, parses: list[Path],
                                          damage: str) -> None:
    first = load_inventory(inv_copy)
    county = _county(inv_copy)
    entry = parsecache.entry_file(cache, inv_copy, county)
    fmt, key, data = _entry(entry)
    assert isinstance(data, dict)
    data["schools"] = []  # what a wrong entry would give, if it were used
    if damage == "garbage":
        entry.write_bytes(b"\x00not marshal")
    elif damage == "other digest":
        _rewrite(entry, fmt, (key[0], bytes(len(key[1]))), data)
    elif damage == "other parser":
        _rewrite(entry, fmt, ("another parser 0.1", key[1]), data)
    elif damage == "other format":
        _rewrite(entry, fmt + 1, key, data)
    elif damage == "json that is not text":
        entry.write_bytes(marshal.dumps((fmt, key, parsecache.JSON, {"schools": []})))
    else:
        _rewrite(entry, fmt, key, data)
        entry.chmod(0o666)
    parses.clear()
    second = load_inventory(inv_copy)
    assert county in parses
    assert second.schools.keys() == first.schools.keys()


def _validated(root: Path) -> list[str]:
    """Every validated file model of an inventory folder, as text (repr shows every value and
    its type: an enum member, an address object, a plain string)."""
    raw, findings = load_module.read_files(root)
    assert raw is not None and not [f for f in findings if f.severity == "error"]
    return [repr(raw.region), repr(raw.catalog), *(f"{p.name} {c!r}"
                                                   for p, c in raw.counties.items())]


@pytest.mark.parametrize("folder", ["inventory", "tests/fixtures/discovery/inventory",
                                    "tests/fixtures/render/inventory",
                                    "tests/fixtures/snmp/inventory", "sample"])
def test_validated_from_json_text_is_what_validating_the_parse_gives(
        folder: str, cache: Path, inv_copy: Path) -> None:
    """Files taken from the cache are validated from their JSON text (validate_json): the models
    are exactly those validated from the YAML parser's data, value for value and type for
    type, on the repository's inventories and the generated sample."""
    root = inv_copy if folder == "sample" else REPO / folder
    parsecache.use_cache(None)
    fresh = _validated(root)
    parsecache.use_cache(cache)
    assert _validated(root) == fresh  # fills the cache (parsed, validated as ever)
    entries = sorted(cache.rglob("*.marshal"))
    assert entries and all(marshal.loads(e.read_bytes())[2] == parsecache.JSON  # noqa: S302
                           for e in entries)
    assert _validated(root) == fresh  # from the JSON text


def test_data_json_cannot_hold_is_kept_as_data(tmp_path: Path, cache: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("x\n", encoding="utf-8")
    data = {1: "one", "nan": float("inf"), "raw": b"\x00"}  # marshal holds them, JSON not
    calls: list[Path] = []

    def parse(p: Path, content: bytes) -> object:
        calls.append(p)
        return data

    assert parsecache.as_json(data) is None
    assert parsecache.parse_for_validation(tmp_path, path, parse, "test 1") == (data, None)
    assert parsecache.parse_for_validation(tmp_path, path, parse, "test 1") == (data, None)
    assert calls == [path]  # the second from the cache, as marshal data
    assert parsecache.parse_file(tmp_path, path, parse, "test 1") == data
    # parse_file (data nobody validates, e.g. IPAM's record files) keeps marshal data
    other = tmp_path / "g.yaml"
    other.write_text("y\n", encoding="utf-8")
    plain = {"a": [1, "b"]}
    assert parsecache.parse_file(tmp_path, other, lambda p, c: plain, "test 1") == plain
    entry = parsecache.entry_file(cache, tmp_path, other)
    assert marshal.loads(entry.read_bytes())[2:] == (parsecache.DATA, plain)  # noqa: S302
    assert parsecache.parse_file(tmp_path, other, parse, "test 1") == plain  # a hit


@pytest.mark.parametrize("blob", [b"{not json", b"[]", b'{"schools": 5}'])
def test_a_json_entry_that_does_not_validate_falls_back_to_the_file(
        inv_copy: Path, cache: Path, blob: bytes) -> None:
    """A JSON entry with the file's digest whose text is not JSON, or not what validates: the
    file itself is parsed and validated, never a crash, never the entry's data."""
    first = load_inventory(inv_copy)
    county = _county(inv_copy)
    entry = parsecache.entry_file(cache, inv_copy, county)
    fmt, key, kind, _ = marshal.loads(entry.read_bytes())  # noqa: S302 - the test's own entry
    assert kind == parsecache.JSON
    entry.write_bytes(marshal.dumps((fmt, key, parsecache.JSON, blob)))
    second = load_inventory(inv_copy)
    assert second.schools.keys() == first.schools.keys()


def test_no_cache_unless_asked(inv_copy: Path, parses: list[Path]) -> None:
    before = parsecache.cache_folder()
    parsecache.use_cache(None)
    try:
        load_inventory(inv_copy)
        files = len(parses)
        load_inventory(inv_copy)
        assert len(parses) == 2 * files
    finally:
        parsecache.use_cache(before)


def test_folder_from_the_environment(tmp_path: Path) -> None:
    assert parsecache.folder_from_env({}, tmp_path) == tmp_path / ".netctl" / "cache"
    assert parsecache.folder_from_env({"NETCTL_CACHE": str(tmp_path / "c")}, tmp_path) \
        == tmp_path / "c"
    for off in ("off", "0", "", "false"):
        assert parsecache.folder_from_env({"NETCTL_CACHE": off}, tmp_path) is None


def test_the_cli_caches_under_its_home_and_sees_every_edit(inv_copy: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """Commands, each a fresh process as the engineer runs them: the second finds the cache,
    an edit between two commands is seen by the next one."""
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("NETCTL_CACHE", None)
    cmd = [sys.executable, "-m", "netctl", "--home", str(home), "--inventory", str(inv_copy),
           "inventory", "stats", "--format", "json"]

    def run() -> str:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120,
                              check=False, cwd=REPO)
        assert done.returncode == 0, done.stderr
        return done.stdout

    before = run()
    assert list((home / ".netctl" / "cache").rglob("*.marshal"))
    assert run() == before
    county = _county(inv_copy)
    text = county.read_text(encoding="utf-8")
    county.write_text(text.replace("role: gateway", "role: gatewey", 1), encoding="utf-8")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120,
                          check=False, cwd=REPO)
    assert done.returncode == 1
    assert f"{county.name}:" in done.stderr and "gatewey" in done.stderr
    county.write_text(text, encoding="utf-8")
    assert run() == before
    # NETCTL_CACHE=off: nothing written
    other = tmp_path / "home2"
    other.mkdir()
    monkeypatch.setenv("NETCTL_CACHE", "off")
    result = CliRunner().invoke(build_app(), ["--home", str(other), "--inventory", str(inv_copy),
                                              "inventory", "stats"])
    assert result.exit_code == 0, result.output
    assert parsecache.cache_folder() is None
    assert not (other / ".netctl").exists()


def test_fast_exit_keeps_exit_codes_and_output(allocated_copy: Path, tmp_path: Path) -> None:
    """`ipam` and `dns` leave without tearing the heap down: their output is flushed and their
    exit codes are those of the command."""
    env = dict(os.environ, PYTHONPATH=str(REPO), NETCTL_CACHE="off")
    base = [sys.executable, "-m", "netctl", "--home", str(tmp_path), "--inventory",
            str(allocated_copy)]
    done = subprocess.run([*base, "ipam", "usage", "--format", "json"], capture_output=True,
                          text=True, env=env, timeout=120, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("]")  # the whole JSON document
    done = subprocess.run([*base, "ipam", "show", "no-such-thing"], capture_output=True,
                          text=True, env=env, timeout=120, check=False, cwd=REPO)
    assert done.returncode != 0 and "no-such-thing" in done.stderr
    done = subprocess.run([*base, "dns", "zone", "--bogus"], capture_output=True, text=True,
                          env=env, timeout=120, check=False, cwd=REPO)
    assert done.returncode == 2 and "--bogus" in done.stderr


@pytest.mark.parametrize(("argv", "fast"), [
    (["ipam", "allocate"], True),
    (["--home", "h", "dns", "zone"], True),
    (["--inventory", "inventory", "inventory", "validate"], True),  # an option's value first
    (["inventory", "list", "devices", "--county", "640104"], True),
    (["inventory", "import", "roster.xlsx"], False),  # writes county files: the usual exit
    (["inventory", "--help"], False),
    (["config", "push", "--commit"], False),
    (["--version"], False),
    ([], False),
])
def test_which_commands_exit_fast(argv: list[str], fast: bool) -> None:
    from netctl.cli import _fast_exit

    assert _fast_exit(argv) is fast


def test_ipam_record_files_come_from_the_cache_as_parsed(
        allocated_copy: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The record files (``ipam/*.yaml``) are parsed once and then read from the cache, with
    the same records; a changed record file is parsed again."""
    from netctl.ipam import merge

    seen: list[Path] = []

    def counting(path: Path, content: bytes) -> object:
        seen.append(path)
        return parse_yaml(path, content)

    monkeypatch.setattr(merge, "parse_yaml", counting)
    files = merge.ipam_files(allocated_copy)
    assert files
    parsecache.use_cache(None)
    fresh, _ = merge.read_ipam_yaml(files)
    parsecache.use_cache(cache)
    seen.clear()
    first, _ = merge.read_ipam_yaml(files)
    assert sorted(seen) == sorted(files.values()) and first == fresh
    seen.clear()
    again, _ = merge.read_ipam_yaml(files)
    assert seen == [] and again == fresh
    path = next(iter(files.values()))
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    merge.read_ipam_yaml(files)
    assert seen == [path]
