"""Backup, diff, push, verify and roll back, one device at a time, many devices at once.

For each selected device, in a Nornir worker thread:

1. render the intended config of the feature (before any connection: a template problem fails
   the device without touching it);
2. connect, read the running config, store it as a masked backup;
3. compute the remediation within the feature's scope (:mod:`netctl.config.diff`); nothing to
   do → ``unchanged``; a dry run stops here → ``would_change``;
4. send the remediation (secrets filled at the last moment), read the running config back and
   check that the remediation is now empty; then save, and back up the new config;
5. if a line is rejected, the session breaks or verification fails: undo every line that was
   sent, owned by the feature or not (:mod:`netctl.config.rollback`), back to the config as it
   was before (held unmasked in memory), verify that, and
   report ``rolled_back``; the saved startup config was never touched. If even the rollback
   fails, the device is ``failed`` with ``HALF-APPLIED`` in its error: a person must look.

One device failing never stops the others. Every run (dry or not) is recorded in the state store
with each device's remediation and result.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hier_config import HConfig

from netctl.config.backup import write_backup
from netctl.config.connect import (
    LineRejectedError,
    Target,
    connect,
    save,
    send_lines,
    show_running,
    two_stage,
)
from netctl.config.diff import Diff, compute_diff, remaining, tree_lines, unindent_globals
from netctl.config.guard import Guard, verdict
from netctl.config.hier import merge_into, parse
from netctl.config.hostkeys import KnownHosts
from netctl.config.masking import Masking, mask_diff
from netctl.config.placeholders import SecretRef
from netctl.config.protect import DeviceProtection, load_protection
from netctl.config.render import Rendered, policy_for, render_many
from netctl.config.rollback import rollback_lines
from netctl.config.scope import FeatureScope, load_scopes
from netctl.config.steps import StepClock
from netctl.exceptions import NetctlError, SecretsError
from netctl.gctools import long_lived_frozen
from netctl.inventory.index import Inventory
from netctl.platforms import Platform
from netctl.secrets import Secrets
from netctl.state import PushDevice, PushRecord, StateStore
from netctl.state.locks import DeviceLocks

Progress = Callable[[str, str, int, int], None]
"""``on_progress(hostname, status, done, total)``, called from worker threads."""

FAILED_STATUSES = frozenset({"failed", "rolled_back", "refused"})


@dataclass(frozen=True, slots=True)
class DeviceOutcome:
    """What happened to one device."""

    hostname: str
    platform: Platform
    status: str  # unchanged | would_change | changed | refused | rolled_back | failed | skipped
    error: str = ""
    seconds: float = 0.0
    backup: Path | None = None
    diff: Diff | None = None
    """The diff's report (counts, removed, refused and protected lines, masked); its scoped
    running and intended texts are not kept."""
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Seconds per step of the workflow (connect, read, backup, diff, send, verify, save,
    disconnect; rollback when one ran): wall and this device's thread CPU (the SSH transport's
    own thread, its encryption, is not in them)."""

    @property
    def failed(self) -> bool:
        """True when the device did not end where it should."""
        return self.status in FAILED_STATUSES

    @property
    def remediation(self) -> str:
        """The lines sent (or that would be), masked, as typed; made from the diff's lines when
        asked (a 1,000-device push kept each device's text beside its lines)."""
        return self.diff.text if self.diff is not None else ""


@dataclass
class PushResult:
    """Every device's outcome, in inventory order."""

    feature: str
    commit: bool
    outcomes: list[DeviceOutcome] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    push_id: int | None = None

    @property
    def failed(self) -> list[DeviceOutcome]:
        """Devices that failed or were rolled back."""
        return [o for o in self.outcomes if o.failed]

    @property
    def ok(self) -> bool:
        """True when no device failed."""
        return not self.failed

    def count(self, status: str) -> int:
        """How many devices ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)


@dataclass(frozen=True)
class PushOptions:
    """How to run a push."""

    feature: str
    templates_dir: Path
    backups_dir: Path
    commit: bool = False
    workers: int = 50
    timeout: float = 30.0
    targets: Mapping[str, Target] = field(default_factory=dict)
    user: str = ""
    guard: Guard = field(default_factory=Guard)
    known_hosts: Path | None = None
    """netctl's SSH known_hosts (default: ``known_hosts`` beside the backups folder)."""
    strict_host_keys: bool = False
    """Refuse devices whose host key is not recorded yet (no trust on first use)."""
    lock_store_url: str | None = None
    """Where a push run without a store (a :mod:`netctl.config.pool` child) takes its device
    locks."""

    def masking(self) -> Masking:
        """The secret forms to mask (``<templates>/masking.yaml``)."""
        return Masking.load(self.templates_dir)

    def host_keys(self) -> KnownHosts:
        """The known_hosts file and policy of this push."""
        path = self.known_hosts or self.backups_dir.parent / "known_hosts"
        return KnownHosts(path, strict=self.strict_host_keys, user=self.user or None)


def load_targets(path: Path) -> dict[str, Target]:
    """Read ``hostname: host:port`` (IPv6 hosts in brackets) from a YAML file."""
    from netctl.inventory.yamlio import read_yaml

    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        msg = f"{path}: expected a mapping hostname → host:port"
        raise NetctlError(msg)
    out: dict[str, Target] = {}
    for name, value in data.items():
        host, _, port = str(value).rpartition(":")
        if not host or not port.isdigit():
            msg = f"{path}: {name}: '{value}' is not host:port (e.g. 127.0.0.1:2201, [::1]:22)"
            raise NetctlError(msg)
        out[str(name)] = Target(host.strip("[]"), int(port))
    return out


def resolve_target(inv: Inventory, hostname: str, secrets: Secrets,
                   targets: Mapping[str, Target]) -> Target:
    """Where to log in: an explicit target (tests, labs, jump hosts), else the inventory."""
    entry = inv.devices[hostname]
    device = entry.device
    address = device.mgmt_ipv6 or device.mgmt_ipv4
    host, port = (str(address) if address else f"{hostname}.{inv.defaults.zone}"), 22
    given = targets.get(hostname)
    if given is not None and given.username is not None:
        return given  # complete (tests, labs)
    if given is not None:
        host, port = given.host, given.port
    ref = device.credentials or inv.defaults.credentials
    if ref is None:
        msg = f"{hostname} names no credential set (credentials:, or defaults.credentials)"
        raise SecretsError(msg)
    cred = secrets.require(ref)
    return Target(host=host, port=port, username=cred.username, password=cred.password,
                  key_file=Path(cred.key_file) if cred.key_file else None)


def _owner_tree(platform: Platform, intended: str, owner: str) -> HConfig:
    """The intended config, plus (a rollback) the rendered config whose lines netctl owns."""
    tree = parse(platform, intended)
    if owner:
        merge_into(tree, parse(platform, owner))
    return tree


def _owners(inv: Inventory, names: list[str], templates_dir: Path) -> dict[str, str | Rendered]:
    """What netctl owns on each device restored from a backup: every feature that renders.

    A device none of whose features render gets the failed render instead (its reasons).
    """
    out: dict[str, str | Rendered] = {}
    per_feature = [render_many(inv, names, f, templates_dir=templates_dir)
                   for f in ("baseline", "ipv6", "wlan")]
    for i, name in enumerate(names):
        results = [r[i] for r in per_feature]
        texts = [r.text for r in results if r.text]
        out[name] = "".join(texts) if texts else Rendered(
            name, results[0].platform, None,
            error="; ".join(r.error or r.skipped or "" for r in results if r.error))
    return out


def push(
    inv: Inventory,
    hostnames: Iterable[str],
    options: PushOptions,
    secrets: Secrets,
    *,
    store: StateStore | None = None,
    on_progress: Progress | None = None,
    intended: Mapping[str, str] | None = None,
) -> PushResult:
    """Run the workflow on every device of ``hostnames``; never raises for one device.

    ``intended`` replaces the rendered config of the devices it names (``rollback`` pushes a
    saved backup this way).
    """
    from nornir.core import Nornir
    from nornir.core.inventory import Defaults, Groups, Host, Hosts
    from nornir.core.inventory import Inventory as NornirInventory
    from nornir.core.task import Result, Task
    from nornir.plugins.runners import ThreadedRunner

    result = PushResult(options.feature, options.commit)
    options.masking()  # a missing or broken masking.yaml stops the run before any connection
    names = list(hostnames)
    scope = load_scopes(options.templates_dir).for_feature(options.feature)
    protection = load_protection(options.templates_dir)
    given = intended or {}
    to_render = [n for n in names if n not in given]
    rendered = {r.hostname: r for r in render_many(inv, to_render, options.feature,
                                                   templates_dir=options.templates_dir)}
    owners: dict[str, str] = {}
    for name, owner in _owners(inv, list(given), options.templates_dir).items():
        if isinstance(owner, Rendered):
            rendered[name] = owner  # nothing renders: the device fails with the reasons
        else:
            owners[name] = owner
    for name, text in given.items():  # only what the features own (no sysname, no `return`)
        platform = inv.devices[name].platform
        if name not in owners:
            continue
        tree = parse(platform, unindent_globals(text) if platform is Platform.HP_COMWARE else text)
        owned = tree_lines(scope.cut(tree, parse(platform, owners[name])), exits=False)
        rendered[name] = Rendered(name, platform, "".join(f"{line}\n" for line in owned))
    if inv.ipam is not None:  # every device is rendered: the records are not needed any more
        inv.ipam.release()
    done = 0
    lock = threading.Lock()
    shared: dict[str, str] = {}  # one string per distinct line across the run's outcomes
    lock_store = store
    if lock_store is None and options.lock_store_url and options.commit:
        lock_store = StateStore(options.lock_store_url, migrate=False)  # a pool's child process
    locks = DeviceLocks(lock_store, user=options.user or None) \
        if lock_store and options.commit else None

    def report(outcome: DeviceOutcome) -> DeviceOutcome:
        nonlocal done
        with lock:
            done += 1
            n = done
        if on_progress is not None:
            on_progress(outcome.hostname, outcome.status, n, len(names))
        return outcome

    def resolve(ref: SecretRef) -> str:
        if str(ref) == MASKED:
            msg = ("the backup holds this secret masked, so it cannot be restored from it: "
                   "push the feature that sets it")
            raise SecretsError(msg)
        cred = secrets.require(ref.credential)
        value = getattr(cred, ref.field, None)
        if not value:
            msg = f"credential set '{ref.credential}' has no {ref.field}"
            raise SecretsError(msg)
        return str(value)

    def task(t: Task) -> Result:
        hostname = t.host.name
        r = rendered.pop(hostname)  # held by this device's work only: freed as it ends
        if r.text is None:
            status = "skipped" if r.skipped else "failed"
            return Result(host=t.host, result=report(DeviceOutcome(
                hostname, r.platform, status, error=r.skipped or r.error or "")))
        device = inv.devices[hostname].device
        guard = protection.for_platform(r.platform).for_device(
            str(a) for a in (device.mgmt_ipv4, device.mgmt_ipv6) if a)
        family = policy_for(options.templates_dir).os_family(r.platform, device.model)
        held = None
        if locks is not None:  # a commit changes the device: one push at a time per device
            try:
                held = locks.acquire(f"device:{hostname}", f"push {options.feature}")
            except NetctlError as exc:
                return Result(host=t.host, result=report(DeviceOutcome(
                    hostname, r.platform, "failed", error=f"not pushed: {exc}")))
        try:
            outcome = _one_device(inv, hostname, r.platform, r.text, scope, options, secrets,
                                  resolve, guard, owners.get(hostname, ""), family=family,
                                  shared=shared)
        finally:
            if held is not None and locks is not None:
                locks.release(held)
        return Result(host=t.host, result=report(outcome))

    hosts = Hosts({n: Host(name=n) for n in names})
    nr = Nornir(inventory=NornirInventory(hosts=hosts, groups=Groups(), defaults=Defaults()),
                runner=ThreadedRunner(num_workers=max(1, options.workers)))
    # the inventory, imports and rendered configs: out of the collector's walks while each
    # device leaves its parsed trees as cyclic garbage (full walks come sooner, visit less)
    with long_lived_frozen():
        agg: Any = nr.run(task=task, on_failed=True)
    for name in names:
        multi = agg[name]
        value = multi[0].result if multi and isinstance(multi[0].result, DeviceOutcome) else None
        if value is None:  # an exception escaped the task: still one line for that device
            exc = multi[0].exception if multi else None
            value = DeviceOutcome(name, inv.devices[name].platform, "failed",
                                  error=f"internal error: {exc!r}")
        result.outcomes.append(value)
    result.finished_at = datetime.now(UTC)
    if lock_store is not None and lock_store is not store:
        lock_store.close()
    if store is not None:
        result.push_id = store.record_push(_record(result, options))
    return result


def _record(result: PushResult, options: PushOptions) -> PushRecord:
    n_failed = len(result.failed)
    summary = ", ".join(f"{s} {result.count(s)}" for s in
                        ("changed", "would_change", "unchanged", "refused", "rolled_back",
                         "failed", "skipped") if result.count(s))
    if options.guard.describe():
        summary += f" (overrides: {options.guard.describe()})"
    return PushRecord(
        user=options.user or os.environ.get("NETCTL_USER") or getpass.getuser(),
        feature=result.feature, dry_run=not result.commit,
        result="ok" if n_failed == 0 else "failed" if n_failed == len(result.outcomes)
        else "partial",
        started_at=result.started_at, finished_at=result.finished_at, summary=summary,
        devices=tuple(PushDevice(o.hostname, o.status, o.remediation, o.error)
                      for o in result.outcomes),
    )


def _one_device(
    inv: Inventory, hostname: str, platform: Platform, intended: str, scope: FeatureScope,
    options: PushOptions, secrets: Secrets, resolve: Callable[[SecretRef], str],
    protection: DeviceProtection, owner: str = "", *, family: str = "default",
    shared: dict[str, str] | None = None,
) -> DeviceOutcome:
    start = time.monotonic()
    clock = StepClock()
    commit = two_stage(platform, family)  # VRP V8: lines take effect at `commit`

    shown_for: list[tuple[Diff, Diff]] = []  # the diff masked once, for the guard and out()

    def masked(diff: Diff) -> Diff:
        # kept to the end of the run for every device: its report and remediation, not the
        # whole scoped running and intended configs (a 1,000-device push held them all)
        if not shown_for or shown_for[0][0] is not diff:
            slim = replace(diff, running_scoped="", intended="")
            shown_for[:] = [(diff, _sharing(mask_diff(options.masking(), slim), shared))]
        return shown_for[0][1]

    def out(status: str, diff: Diff | None = None, error: str = "",
            backup: Path | None = None) -> DeviceOutcome:
        # what is printed and stored in the state store: the running config's secret forms
        # (``undo … cipher %^%#…``, removed and protected lines) masked like a backup
        masking = options.masking()
        shown = masked(diff) if diff else None
        return DeviceOutcome(hostname, platform, status, masking.mask_tokens(error),
                             round(time.monotonic() - start, 3), backup, shown, clock.steps)

    try:
        target = resolve_target(inv, hostname, secrets, options.targets)
        conn = connect(platform, target, timeout=options.timeout,
                       host_keys=options.host_keys(), device=hostname, family=family)
    except (NetctlError, OSError) as exc:
        return out("failed", error=f"connect: {exc}")
    except Exception as exc:  # netmiko raises many types; one line per device
        return out("failed", error=f"connect: {_short(exc)}")
    clock.mark("connect")
    diff: Diff | None = None
    try:
        before = show_running(conn, platform)
        clock.mark("read")
        backup = write_backup(options.backups_dir, hostname, before,
                              masking=options.masking(), platform=platform.value)
        clock.mark("backup")
        diff = compute_diff(platform, before, intended, scope, protection, owner)
        clock.mark("diff")
        if not diff.changed:
            return out("unchanged", diff, backup=backup)
        refusal = verdict(masked(diff), options.guard)  # lines: masked
        if refusal:
            return out("refused", diff, error="; ".join(refusal), backup=backup)
        if not options.commit:
            return out("would_change", diff, backup=backup)
        try:
            send_lines(conn, platform, diff.remediation, resolve, read_timeout=options.timeout,
                       commit=commit)
            clock.mark("send")
            after = show_running(conn, platform)
            left = _beyond_defaults(
                remaining(platform, after, intended, scope, protection, owner), diff.remediation)
            clock.mark("verify")
            if left:
                missing = "; ".join(line.strip() for line in left[:5])
                msg = (f"verify: {len(left)} line(s) not in the running config: "
                       f"{missing}")
                raise NetctlError(msg)
            save(conn, platform)
            clock.mark("save")
            write_backup(options.backups_dir, hostname, after, masking=options.masking(),
                         platform=platform.value)
            clock.mark("backup")
            return out("changed", diff, backup=backup)
        except Exception as exc:  # any failure after the first line → roll back
            return _roll_back(conn, platform, diff, before, intended, scope, resolve, exc, out,
                              owner, commit=commit)
    except Exception as exc:  # reading or diffing failed: nothing was sent
        return out("failed", diff, error=_short(exc))
    finally:
        clock.mark("other")
        with contextlib.suppress(Exception):  # the session may already be gone
            conn.disconnect()
        clock.mark("disconnect")  # after the outcome was made: its steps dict is shared


def _sharing(diff: Diff, shared: dict[str, str] | None) -> Diff:
    """``diff`` with each line the same string as the equal lines of the run's other outcomes.

    A region's devices mostly differ in a few addresses: 1,000 devices' ~146,000 remediation
    lines are ~8,400 distinct ones, and the outcomes are kept to the end of the run.
    """
    if shared is None:
        return diff
    one = shared.setdefault  # atomic for str keys: worker threads share the table
    return replace(
        diff,
        remediation=[one(line, line) for line in diff.remediation],
        removed=tuple(one(line, line) for line in diff.removed),
        refused=tuple(replace(r, line=one(r.line, r.line), reason=one(r.reason, r.reason))
                      for r in diff.refused),
        protected=tuple(one(line, line) for line in diff.protected),
        sections=tuple((one(key, key), added, removed) for key, added, removed in diff.sections),
    )


def _roll_back(conn: Any, platform: Platform, diff: Diff, before: str, intended: str,
               scope: FeatureScope, resolve: Callable[[SecretRef], str], cause: Exception,
               out: Callable[..., DeviceOutcome], owner: str = "", *,
               commit: bool = False) -> DeviceOutcome:
    """Undo every line the push sent (owned or not: :mod:`netctl.config.rollback`); what the
    push owns is the intended config plus, for a restore, every feature that renders.

    VRP V8 (``commit``): a push that failed before its ``commit`` left nothing to undo (the
    candidate was discarded on leaving system view); after a commit the inverse lines are sent
    and committed, like any other push, rather than ``rollback configuration to commit-id``
    (docs/emulator.md: another session may have committed in between, and the result is
    verified line by line either way)."""
    reason = _short(cause)
    try:
        current = show_running(conn, platform)
        ownership = _owner_tree(platform, intended, owner)
        back = rollback_lines(platform, current, before, diff.running_scoped, scope,
                              diff.remediation, ownership)
        if back:
            send_lines(conn, platform, back, resolve, commit=commit)
            again = show_running(conn, platform)
            left = _beyond_defaults(
                rollback_lines(platform, again, before, diff.running_scoped, scope,
                               diff.remediation, ownership), back)
            if left:
                msg = ("the running config still differs from before the push: "
                       + "; ".join(line.strip() for line in left[:5]))
                raise NetctlError(msg)
    except Exception as exc:
        return out("failed", diff, error=f"{reason}; HALF-APPLIED: rollback failed: "
                   f"{_short(exc)}; the startup config was not saved")
    return out("rolled_back", diff, error=f"{reason}; rolled back, nothing saved")


def _beyond_defaults(left: list[str], sent: list[str]) -> list[str]:
    """What still differs after sending ``sent``, less restored defaults and section exits.

    Only a leftover *negation* whose positive form was just sent counts as a restored default;
    a line that was sent and is still missing is a failure.

    Undoing a negation (``undo telnet server enable`` → ``telnet server enable``) restores a
    default, which some devices then display explicitly; the state is the intended one, only
    spelled out, so it does not count as a difference.
    """
    done = {line.strip() for line in sent}
    return [line for line in left if line.strip() not in ("quit", "exit")
            and not (_positive(line.strip()) != line.strip()
                     and _positive(line.strip()) in done)]


def _positive(line: str) -> str:
    """``undo X`` / ``no X`` → ``X``; other lines unchanged."""
    for prefix in ("undo ", "no "):
        if line.startswith(prefix):
            return line[len(prefix):]
    return line


MASKED = "<secret:masked.password>"
"""What a masked secret becomes when a backup is restored: it matches the stored secret on the
device (so an unchanged secret line is kept as it is) and cannot be sent (no such credential)."""


def restorable(backup_text: str) -> str:
    """A masked backup as an intended config.

    Examples:
        >>> restorable(" local-user a password cipher <masked>")
        ' local-user a password cipher <secret:masked.password>'
    """
    return backup_text.replace("<masked>", MASKED)


def _short(exc: BaseException) -> str:
    if isinstance(exc, LineRejectedError):
        return str(exc)
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"{name}: {text[:300]}" if text else name
