"""Prefixes and addresses as the allocator handles them, and the free space of a parent block.

The allocator works on thousands of schools, so a prefix here is a small value (family, first
address as an integer, length) rather than an :mod:`ipaddress` object: the standard library's
``str()`` of an ``IPv6Network`` costs ~10 µs, ``socket.inet_ntop`` ~1 µs. Every value converts
to and from :mod:`ipaddress` (:meth:`Net.network`, :meth:`Net.address`, :func:`parse_net`), and
user input is parsed by :mod:`ipaddress` itself, so its rules (no leading zeros, no host bits
in a prefix) apply. Block sizes come from ``ipaddress`` too; the free-space search below only
adds and compares offsets inside a parent block.
"""

from __future__ import annotations

import bisect
import gc
import ipaddress
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Literal, NamedTuple

Family = Literal["ipv6", "ipv4"]
FAMILIES: tuple[Family, Family] = ("ipv6", "ipv4")
_AF = {"ipv6": socket.AF_INET6, "ipv4": socket.AF_INET}
_PTON = socket.inet_pton
_NTOP = socket.inet_ntop
_AF6, _AF4 = socket.AF_INET6, socket.AF_INET
_WIDTH = {"ipv6": 16, "ipv4": 4}
_MAX_LEN = {"ipv6": 128, "ipv4": 32}
# below this, an IPv6 address is IPv4-compatible or IPv4-mapped: inet_ntop would print it in
# dotted form, which ipaddress does not; those go through ipaddress
_V6_MAPPED_END = int(IPv6Address("::ffff:ffff:ffff"))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk step makes ~10^5 acyclic objects.

    Each collection would walk every live object (a whole-region inventory is millions), so
    on a region the collector alone costs a third of parsing the records or building the zones.
    Reference counting still frees everything; the collector resumes on exit.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def max_len(family: Family) -> int:
    """Bits of an address of ``family`` (128 or 32)."""
    return _MAX_LEN[family]


def block_size(family: Family, length: int) -> int:
    """Number of addresses in a /``length`` of ``family`` (from :mod:`ipaddress`).

    Examples:
        >>> block_size("ipv4", 26), block_size("ipv6", 127)
        (64, 2)
    """
    return _SIZES[family][length]


_SIZES: dict[str, list[int]] = {
    "ipv6": [IPv6Network((0, n)).num_addresses for n in range(129)],
    "ipv4": [IPv4Network((0, n)).num_addresses for n in range(33)],
}


def family_of(value: IPv4Address | IPv6Address | IPv4Network | IPv6Network) -> Family:
    """``"ipv6"`` or ``"ipv4"``."""
    return "ipv6" if value.version == 6 else "ipv4"


def format_address(family: Family, value: int) -> str:
    """The canonical text of an address (RFC 5952 for IPv6, as :mod:`ipaddress` prints it).

    Examples:
        >>> format_address("ipv6", int(IPv6Address("2001:db8::1")))
        '2001:db8::1'
    """
    if family == "ipv6" and value <= _V6_MAPPED_END:
        return str(IPv6Address(value))
    return socket.inet_ntop(_AF[family], value.to_bytes(_WIDTH[family], "big"))


class Net(NamedTuple):
    """A prefix (or, at full length, one address): family, first address, length.

    A named tuple: cheap to make by the hundred thousand, ordered and hashable as a tuple.
    """

    family: Family
    start: int
    length: int

    @property
    def size(self) -> int:
        """Number of addresses."""
        return _SIZES[self.family][self.length]

    @property
    def end(self) -> int:
        """First address after the prefix (exclusive end)."""
        return self.start + _SIZES[self.family][self.length]

    @property
    def is_host(self) -> bool:
        """True for a single address (/128 or /32)."""
        return self.length == _MAX_LEN[self.family]

    def contains(self, other: Net) -> bool:
        """True when ``other`` lies inside this prefix (same family)."""
        return (
            self.family == other.family
            and self.start <= other.start
            and other.start + _SIZES[other.family][other.length]
            <= self.start + _SIZES[self.family][self.length]
        )

    def overlaps(self, other: Net) -> bool:
        """True when the two prefixes share an address."""
        return self.family == other.family and self.start < other.end and other.start < self.end

    def host(self, offset: int) -> Net:
        """The address at ``offset`` inside this prefix, as a full-length :class:`Net`."""
        if not 0 <= offset < self.size:
            msg = f"offset {offset} is outside {self}"
            raise ValueError(msg)
        return _new(Net, (self.family, self.start + offset, _MAX_LEN[self.family]))

    def network(self) -> IPv4Network | IPv6Network:
        """The :mod:`ipaddress` network."""
        if self.family == "ipv6":
            return IPv6Network((self.start, self.length))
        return IPv4Network((self.start, self.length))

    def address(self) -> IPv4Address | IPv6Address:
        """The first address as an :mod:`ipaddress` address."""
        return IPv6Address(self.start) if self.family == "ipv6" else IPv4Address(self.start)

    def address_text(self) -> str:
        """The first address as text (no length)."""
        return format_address(self.family, self.start)

    def __str__(self) -> str:
        """``addr/len``; a single address prints without its length."""
        text = format_address(self.family, self.start)
        return text if self.is_host else f"{text}/{self.length}"

    @classmethod
    def of(cls, value: IPv4Network | IPv6Network | IPv4Address | IPv6Address) -> Net:
        """From an :mod:`ipaddress` network or address."""
        family = family_of(value)
        if isinstance(value, IPv4Address | IPv6Address):
            return cls(family, int(value), _MAX_LEN[family])
        return cls(family, int(value.network_address), value.prefixlen)


def parse_net(text: str, family: Family | None = None) -> Net:
    """Parse ``addr/len`` or a single address; :mod:`ipaddress` rules (host bits must be zero).

    Text ``socket.inet_pton`` accepts takes a fast path; anything else is parsed by
    :mod:`ipaddress`, whose message is raised as :class:`ValueError`.

    Examples:
        >>> str(parse_net("2001:db8:1::/48")), str(parse_net("10.0.0.1"))
        ('2001:db8:1::/48', '10.0.0.1')
        >>> parse_net("10.0.0.1/24")
        Traceback (most recent call last):
        ...
        ValueError: 10.0.0.1/24 has host bits set (did you mean 10.0.0.0/24?)
    """
    text = text.strip()
    addr, slash, plen = text.partition("/")
    fam: Family = family or ("ipv6" if ":" in addr else "ipv4")
    # inet_pton is stricter than ipaddress (no scope ids, no leading zeros in IPv4)
    try:
        start = int.from_bytes(_PTON(_AF[fam], addr), "big")
    except (OSError, ValueError):
        start = -1
    if start >= 0:
        if not slash:
            return Net(fam, start, _MAX_LEN[fam])
        if plen.isdigit() and (plen == "0" or plen[0] != "0"):
            length = int(plen)
            if length <= _MAX_LEN[fam] and start % _SIZES[fam][length] == 0:
                return Net(fam, start, length)
    if slash:
        network = ipaddress.ip_network(text, strict=False)
        if int(network.network_address) != int(ipaddress.ip_address(addr)):
            msg = f"{text} has host bits set (did you mean {network}?)"
            raise ValueError(msg)
        net = Net.of(network)
    else:
        net = Net.of(ipaddress.ip_address(text))
    if family is not None and net.family != family:
        msg = f"{text} is not an {family} prefix"
        raise ValueError(msg)
    return net


_new = tuple.__new__


def make_net(family: Family, start: int, length: int) -> Net:
    """``Net(family, start, length)`` without the named tuple's Python-level constructor
    (twice as fast; the record files and zones make ~10^5)."""
    return _new(Net, (family, start, length))


def net_text(net: Net) -> str:
    """``str(net)`` without the method call (the record files and zones print ~10^5)."""
    family, start, length = net
    if family == "ipv6":
        text = _NTOP(_AF6, start.to_bytes(16, "big")) if start > _V6_MAPPED_END else \
            str(IPv6Address(start))
        return text if length == 128 else f"{text}/{length}"
    text = _NTOP(_AF4, start.to_bytes(4, "big"))
    return text if length == 32 else f"{text}/{length}"


def parse_token(token: str) -> Net:
    """:func:`parse_net` for tokens of the record files (no surrounding blanks): the fast path
    inlined, anything unusual handed to :func:`parse_net` (which explains what is wrong)."""
    addr, slash, plen = token.partition("/")
    if ":" in addr:
        family: Family = "ipv6"
        af, bits = _AF6, 128
    else:
        family, af, bits = "ipv4", _AF4, 32
    try:
        start = int.from_bytes(_PTON(af, addr), "big")
    except (OSError, ValueError):
        return parse_net(token)
    if not slash:
        return _new(Net, (family, start, bits))
    if plen.isdigit() and plen[0] != "0":
        length = int(plen)
        if length <= bits and start % _SIZES[family][length] == 0:
            return _new(Net, (family, start, length))
    return parse_net(token)


def summarize(family: Family, first: int, last: int) -> list[Net]:
    """The fewest CIDR blocks covering ``first``..``last`` inclusive (:mod:`ipaddress`)."""
    if family == "ipv6":
        return [Net.of(n) for n in
                ipaddress.summarize_address_range(IPv6Address(first), IPv6Address(last))]
    return [Net.of(n) for n in
            ipaddress.summarize_address_range(IPv4Address(first), IPv4Address(last))]


class Pool:
    """The used space inside one parent block; hands out the lowest free aligned block.

    Claims keep the owner's label, so a refusal can say what is in the way. The search walks
    the gaps between used ranges in address order: the first gap that holds an aligned block of
    the requested length wins, which is what makes allocation deterministic and growth-safe.
    A pool only ever fills up, so the search resumes, per block size, where it last stopped.
    """

    __slots__ = ("_ends", "_hints", "_owners", "_starts", "parent")

    def __init__(self, parent: Net) -> None:
        self.parent = parent
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._owners: list[str] = []
        self._hints: dict[int, tuple[int, int]] = {}  # block size → (index, cursor) to resume

    def __len__(self) -> int:
        return len(self._starts)

    def conflict(self, net: Net) -> str | None:
        """The owner of a used range that overlaps ``net``, or None."""
        start = net.start
        i = bisect.bisect_right(self._starts, start)
        if i > 0 and self._ends[i - 1] > start:
            return self._owners[i - 1]
        if i < len(self._starts) and self._starts[i] < net.end:
            return self._owners[i]
        return None

    def claim(self, net: Net, owner: str) -> str | None:
        """Mark ``net`` used by ``owner``; return what prevents it ("outside …" or an owner)."""
        if not self.parent.contains(net):
            return f"outside {self.parent}"
        other = self.conflict(net)
        if other is not None:
            return other
        self._insert(net.start, net.end, owner)
        return None

    def _insert(self, start: int, end: int, owner: str) -> None:
        starts = self._starts
        if not starts or start > starts[-1]:
            starts.append(start)
            self._ends.append(end)
            self._owners.append(owner)
            return
        i = bisect.bisect_right(starts, start)
        starts.insert(i, start)
        self._ends.insert(i, end)
        self._owners.insert(i, owner)
        for size, (k, cursor) in self._hints.items():
            if i < k:  # inside space already searched: those gaps were too small anyway
                self._hints[size] = (k + 1, cursor)

    def take(self, length: int, owner: str, avoid: Sequence[Net] = ()) -> Net | None:
        """Claim the lowest free block of ``length``; None when the parent is full.

        A block may not overlap what ``avoid`` lists (reservations, held blocks) unless it is
        larger and holds it whole: a reserved /48 keeps a /48 away, not the /36 around it.
        """
        if avoid:
            return self._take_avoiding(length, owner, avoid)
        family = self.parent.family
        size = block_size(family, length)
        parent_end = self.parent.end
        if size > parent_end - self.parent.start:
            return None
        starts, ends = self._starts, self._ends
        k, cursor = self._hints.get(size, (0, self.parent.start))
        n = len(starts)
        while k <= n:
            limit = starts[k] if k < n else parent_end
            candidate = -(-cursor // size) * size  # the next multiple of the block size
            if candidate + size <= limit:
                self._hints[size] = (k, cursor)
                self._insert(candidate, candidate + size, owner)
                return _new(Net, (family, candidate, length))
            if k < n and ends[k] > cursor:
                cursor = ends[k]
            k += 1
        self._hints[size] = (n, cursor)
        return None

    def _take_avoiding(self, length: int, owner: str, avoid: Sequence[Net]) -> Net | None:
        size = block_size(self.parent.family, length)
        for first, last in self._gaps():
            candidate = -(-first // size) * size
            while candidate + size <= last + 1:
                net = Net(self.parent.family, candidate, length)
                if not any(net.overlaps(a) and not (net.contains(a) and net.size > a.size)
                           for a in avoid):
                    self._insert(candidate, candidate + size, owner)
                    return net
                candidate += size
        return None

    def count_free(self, length: int, limit: int = 1 << 20) -> int:
        """How many more blocks of ``length`` fit (at most ``limit``)."""
        size = block_size(self.parent.family, length)
        total = 0
        for first, last in self._gaps():
            start = -(-first // size) * size
            if start + size <= last + 1:
                total += (last + 1 - start) // size
            if total >= limit:
                return limit
        return total

    def used(self) -> Iterator[tuple[Net, str]]:
        """Used ranges with their owners, in address order (ranges may not be CIDR blocks)."""
        for start, end, owner in zip(self._starts, self._ends, self._owners, strict=True):
            for net in summarize(self.parent.family, start, end - 1):
                yield net, owner

    def used_size(self) -> int:
        """Number of addresses in use."""
        return sum(e - s for s, e in zip(self._starts, self._ends, strict=True))

    def _gaps(self) -> Iterator[tuple[int, int]]:
        cursor = self.parent.start
        for start, end in zip(self._starts, self._ends, strict=True):
            if start > cursor:
                yield cursor, start - 1
            cursor = max(cursor, end)
        if cursor < self.parent.end:
            yield cursor, self.parent.end - 1

    def free(self, length: int | None = None) -> list[Net]:
        """Free space as CIDR blocks ("available prefixes"); with ``length``, only the blocks
        that can hold a prefix of that length."""
        out: list[Net] = []
        for first, last in self._gaps():
            for net in summarize(self.parent.family, first, last):
                if length is None or net.length <= length:
                    out.append(net)
        return out
