"""The SSH side: fakenos server and shell plugins that connect a socket to a :class:`Session`.

``EmulatorSshServer`` replaces fakenos's ``ParamikoSshServer`` plugin and ``EmulatorShell``
its ``CMDShell`` plugin. Compared with the stock plugins they

* listen before ``start()`` returns (fakenos starts listening later, in a thread);
* echo and answer per received chunk instead of sleeping 10 ms per byte;
* parse the host key once per process (58 ms per host otherwise);
* apply the failure knobs (refused login, delays, dropped sessions);
* log nothing on client disconnects (paramiko's transport logs go to a silenced logger);
* stop in well under a second (the listening socket is shut down, not left to time out).
"""

from __future__ import annotations

import codecs
import contextlib
import io
import logging
import re
import socket
import threading
import time
from typing import Any

import paramiko  # type: ignore[import-untyped]
from fakenos.core.servers import TCPServerBase  # type: ignore[import-untyped]
from fakenos.plugins.servers.ssh_server_paramiko import (  # type: ignore[import-untyped]
    DEFAULT_SSH_KEY,
    ParamikoSshServer,
)

from netctl.testing.emulator.device import Device
from netctl.testing.emulator.session import CTRL_Z, Session

log = logging.getLogger(__name__)

SSH_LOG_CHANNEL = "netctl.testing.emulator.ssh"
"""Logger that receives the server-side paramiko transports' messages; silenced."""

MAX_SESSION_SECONDS = 1800.0
"""A session is closed after this long, whatever happens (every loop is bounded)."""
MAX_READS = 2_000_000
"""Upper bound on channel reads per session."""
READ_TICK = 0.2
"""Seconds a read waits before re-checking whether the server is stopping."""
ACCEPT_SECONDS = 30.0
"""Longest wait for a client to authenticate and open its shell channel."""
HANDSHAKE_SECONDS = 60.0
"""Longest wait for a client's banner and key exchange. paramiko's server default (15 s) is
stricter than the clients' own timeouts (netctl's ``--timeout``, 30 s; the benchmarks, 60 s):
with fifty handshakes at once on cores shared with a test run, the emulated device closed a
session in its handshake and the push saw ``EOFError`` — the emulator's limit, not the
pusher's."""

_HOST_KEY: paramiko.RSAKey | None = None
_HOST_KEY_LOCK = threading.Lock()


def host_key() -> paramiko.RSAKey:
    """fakenos's default RSA host key, parsed once per process."""
    global _HOST_KEY  # noqa: PLW0603 - a process-wide cache
    with _HOST_KEY_LOCK:
        if _HOST_KEY is None:
            _HOST_KEY = paramiko.RSAKey(file_obj=io.StringIO(DEFAULT_SSH_KEY))
        return _HOST_KEY


def silence_logs() -> None:
    """Quiet the server-side paramiko transports and fakenos's own loggers."""
    ssh_log = logging.getLogger(SSH_LOG_CHANNEL)
    ssh_log.setLevel(logging.CRITICAL + 1)
    ssh_log.propagate = False
    logging.getLogger("fakenos").setLevel(logging.CRITICAL + 1)


class _Interface(paramiko.ServerInterface):  # type: ignore[misc]
    """Password check (with the ``refuse_login`` knob) and session/pty/shell channel grants."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.shell_ready = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        dev = self.device
        ok = not dev.knobs.refuse_login and username == dev.username and password == dev.password
        with dev.lock:
            if ok:
                dev.logins += 1
            else:
                dev.failed_logins += 1
        return int(paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED)

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return int(paramiko.OPEN_SUCCEEDED)
        return int(paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED)

    def check_channel_pty_request(self, *args: Any) -> bool:
        return True

    def check_channel_shell_request(self, channel: Any) -> bool:
        self.shell_ready.set()
        return True

    def check_channel_window_change_request(self, *args: Any) -> bool:
        return True


class EmulatorShell:
    """fakenos shell plugin: the read-echo-answer loop of one SSH session.

    Runs in the connection's thread; ``start()`` returns when the client leaves, the session
    ends (``quit``/``exit``), a drop knob fires, the server stops or the time bound passes.
    """

    def __init__(
        self,
        channel: Any,
        device: Device,
        is_running: threading.Event,
        **_: Any,
    ) -> None:
        self.channel = channel
        self.device = device
        self.session = Session(device)
        self.is_running = is_running
        self._stop = threading.Event()
        self._lines = 0

    def stop(self) -> None:
        """Ask the loop to end at its next tick."""
        self._stop.set()

    def _alive(self) -> bool:
        return self.is_running.is_set() and not self._stop.is_set()

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless the server stops first; True if still running."""
        deadline = time.monotonic() + seconds
        while self._alive():
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            self._stop.wait(min(left, READ_TICK))
        return False

    def _send(self, text: str) -> None:
        if text:
            self.channel.sendall(text.encode("utf-8"))

    def start(self) -> None:
        """Greet, then echo and answer until the session ends."""
        knobs = self.device.knobs
        if knobs.login_delay and not self._wait(knobs.login_delay):
            return
        self._send(self.session.greeting())
        self.channel.settimeout(READ_TICK)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        buf: list[str] = []
        last_cr = False
        deadline = time.monotonic() + MAX_SESSION_SECONDS
        for _ in range(MAX_READS):
            if not self._alive() or time.monotonic() > deadline:
                return
            try:
                data = self.channel.recv(4096)
            except TimeoutError:
                continue
            if not data:
                return
            out: list[str] = []
            for ch in decoder.decode(data):
                if ch == "\n" and last_cr:
                    last_cr = False
                    continue
                last_cr = ch == "\r"
                if ch in "\r\n" or ch == CTRL_Z:
                    line = "".join(buf) + (CTRL_Z if ch == CTRL_Z else "")
                    buf.clear()
                    out.append("\r\n" if ch != CTRL_Z else "^Z\r\n")
                    if not self._line(line, out):
                        return
                elif ch in "\x08\x7f":
                    if buf:
                        buf.pop()
                        if not self.session.secret:
                            out.append("\b \b")
                elif ch == "\x03":
                    buf.clear()
                    out.append("^C\r\n" + self.session.prompt())
                elif ch >= " " or ch == "\t":
                    buf.append(ch)
                    if not self.session.secret:
                        out.append(ch)
            self._send("".join(out))

    def _line(self, line: str, out: list[str]) -> bool:
        """Answer one line into ``out``; False when the session must end now."""
        knobs = self.device.knobs
        self._lines += 1
        if (knobs.drop_after is not None and self._lines >= knobs.drop_after) or (
            knobs.drop_match is not None and re.search(knobs.drop_match, line)
        ):
            self._send("".join(out))
            self.channel.get_transport().close()
            return False
        if knobs.delay and (knobs.delay_match is None or re.search(knobs.delay_match, line)):
            self._send("".join(out))
            out.clear()
            if not self._wait(knobs.delay):
                return False
        reply = self.session.feed(line)
        out.append(reply.text)
        if reply.close:
            self._send("".join(out))
            out.clear()
            self._hang_up()
            return False
        return True

    def _hang_up(self) -> None:
        """End the shell as a device does on ``quit``: exit status, EOF, close the channel, then
        give the client up to 1 s to close the connection itself (no reset on its side)."""
        with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
            self.channel.send_exit_status(0)
            self.channel.shutdown_write()
            self.channel.close()
        transport = self.channel.get_transport()
        deadline = time.monotonic() + 1.0
        while transport is not None and transport.is_active() and time.monotonic() < deadline:
            if not self._alive():
                return
            time.sleep(0.02)


def server_transport(client: socket.socket, key: paramiko.PKey) -> paramiko.Transport:
    """The server side of one emulated SSH session, before ``start_server``."""
    transport = paramiko.Transport(client)
    transport.banner_timeout = transport.handshake_timeout = HANDSHAKE_SECONDS
    transport.set_log_channel(SSH_LOG_CHANNEL)
    transport.add_server_key(key)
    return transport


class EmulatorSshServer(ParamikoSshServer):  # type: ignore[misc]
    """fakenos server plugin: one listening socket per emulated host on 127.0.0.1."""

    # Attributes of fakenos's TCPServerBase (untyped), used here.
    _socket: socket.socket | None
    _is_running: threading.Event
    _listen_thread: threading.Thread | None
    _connection_threads: list[threading.Thread]

    def __init__(
        self,
        shell: type,
        nos: Any,
        nos_inventory_config: dict[str, Any],
        port: int,
        username: str,
        password: str,
        address: str = "127.0.0.1",
        timeout: int = 1,
        **_: Any,
    ) -> None:
        # ParamikoSshServer.__init__ would parse the RSA key again (58 ms per host): skip it
        # and set the attributes its methods use.
        TCPServerBase.__init__(self, address=address, port=port, timeout=timeout)
        self.nos = nos
        self.nos_inventory_config = nos_inventory_config
        self.shell = shell
        self.shell_configuration: dict[str, Any] = {}
        self.username = username
        self.password = password
        self.watchdog_interval = 1
        self._active_sessions: set[Any] = set()
        self._active_sessions_lock = threading.Lock()
        self._ssh_server_key = host_key()
        self.device: Device = nos_inventory_config["netctl_device"]
        self.set_host_key(nos_inventory_config.get("netctl_host_key"))

    def set_host_key(self, key: paramiko.PKey | None) -> None:
        """Present ``key`` to the next clients (None: fakenos's default RSA key)."""
        self._ssh_server_key = key if key is not None else host_key()

    def _bind_sockets(self) -> None:
        """Bind as a device does: the port is this host's alone.

        fakenos sets ``SO_REUSEPORT`` on Linux, so a second emulator process (another test
        run, a benchmark's second device process) picking the same free port bound it too and
        the kernel shared the connections between two different devices: a push reached the
        wrong platform now and then ("Failed to enter configuration mode"). Without it a taken
        port fails to bind and :class:`EmulatedNetwork` picks another. ``SO_REUSEADDR`` stays
        (a restarted host rebinds its port while old sessions are in TIME_WAIT).
        """
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.settimeout(self.timeout)
            sock.bind((self.address, self.port))
            sock.listen(128)  # now: the port accepts connections when start() returns
        except BaseException:
            sock.close()
            raise
        self._socket = sock

    def stop(self) -> None:
        """Stop listening, close the sessions and join the threads (bounded: 2 s)."""
        if not self._is_running.is_set():
            return
        deadline = time.monotonic() + 2.0
        self._is_running.clear()
        sock = self._socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            sock.close()
        self._close_active_connections()
        threads = [self._listen_thread, *self._connection_threads]
        for thread in threads:
            if thread is not None:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._connection_threads = [t for t in self._connection_threads if t.is_alive()]
        self._listen_thread = None
        self._socket = None

    def connection_function(self, client: socket.socket, is_running: threading.Event) -> None:
        transport = server_transport(client, self._ssh_server_key)
        with self._active_sessions_lock:
            self._active_sessions.add(transport)
        try:
            iface = _Interface(self.device)
            transport.start_server(server=iface)
            channel = None
            deadline = time.monotonic() + ACCEPT_SECONDS
            while channel is None and is_running.is_set() and transport.is_active():
                if time.monotonic() > deadline:
                    return
                channel = transport.accept(timeout=READ_TICK)
            if channel is None:
                return
            if not iface.shell_ready.wait(max(0.1, deadline - time.monotonic())):
                return
            shell = self.shell(channel=channel, device=self.device, is_running=is_running)
            shell.start()
        except (paramiko.SSHException, OSError, EOFError) as exc:
            log.debug("session on port %s ended: %r", self.port, exc)
        finally:
            try:
                transport.close()
            finally:
                with self._active_sessions_lock:
                    self._active_sessions.discard(transport)
