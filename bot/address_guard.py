"""Which addresses a fetch may connect to: every address a host name resolves to is checked, and
the connection goes to the checked address, so a name cannot change between check and connect."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Ranges `ipaddress` does not flag on every Python version, named for the refusal message.
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")


class AddressRefused(Exception):
    """The host is, or resolves to, an address that is not on the public internet."""


class HostNotFound(Exception):
    """The host name does not resolve."""


def address_kind(address: IPAddress) -> str | None:
    """Why `address` is not a public one ("loopback", "private", ...), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address_kind(address.ipv4_mapped)
    checks: list[tuple[bool, str]] = [
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.version == 4 and address in _SHARED, "shared (carrier-grade NAT)"),
        (address.version == 6 and address in _UNIQUE_LOCAL, "unique-local"),
        (address.is_reserved, "reserved"),
        (address.is_private, "private"),
        (not address.is_global, "not public"),
    ]
    return next((kind for refused, kind in checks if refused), None)


def refusal(host: str, addresses: Iterable[str]) -> str | None:
    """The line explaining why `host` (resolved to `addresses`) may not be fetched, if so."""
    for text in addresses:
        kind = address_kind(ipaddress.ip_address(text.split("%", 1)[0]))
        if kind is None:
            continue
        if _is_literal(host):
            return f"refused: address {text} is {kind}"
        return f"refused: {host} resolves to {text}, which is {kind}"
    return None


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host`, in its order, without repeats."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostNotFound(f"could not resolve {host}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedNetwork(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, then opens the socket to a checked address. TLS is started
    by httpcore afterwards with the host name, so SNI and certificate checks keep the name."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver | None = None,
        network: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._allow_private = allow_private
        self._resolve = resolver or system_resolver
        self._network = network or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await asyncio.wait_for(self._resolve(host, port), timeout)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        if not addresses:
            raise HostNotFound(f"could not resolve {host}")
        if not self._allow_private and (reason := refusal(host, addresses)):
            raise AddressRefused(reason)
        return await self._connect_any(addresses, port, timeout, local_address, socket_options)

    async def _connect_any(
        self,
        addresses: list[str],
        port: int,
        connect_timeout: float | None,
        local_address: str | None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None,
    ) -> httpcore.AsyncNetworkStream:
        options = list(socket_options or ())
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._network.connect_tcp(
                    address, port, connect_timeout, local_address, options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("refused: unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (request mapping, errors, pooling, TLS) over `GuardedNetwork`;
    no proxy, so the checked address is the one connected to."""

    def __init__(self, network: GuardedNetwork, ssl_context: ssl.SSLContext | None = None) -> None:
        super().__init__()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=10,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=network,
        )
