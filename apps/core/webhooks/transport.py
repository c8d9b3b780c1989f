"""The HTTP client webhooks are sent with: it refuses to talk to a private peer.

``check_target`` resolves the host and judges its addresses, but the HTTP client resolves the
name again when it connects, and a hostile DNS server can answer a public address to the check
and 127.0.0.1 (or a cloud metadata address) to the connection a moment later: DNS rebinding.
So the connection itself is judged too, by the address the socket actually reached
(``getpeername``), before a byte of the request (or of TLS) is sent. Host header, SNI and
certificate checks stay those of the name in the URL, because nothing is pinned or rewritten.

Outside the tests (WEBHOOKS_ALLOW_PRIVATE_TARGETS) a refused peer raises ``UnsafePeer``, which
urllib3 and requests report as a connection error: the relay records it as the attempt's error.
"""

from __future__ import annotations

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from apps.core.webhooks.targets import blocked_address


class UnsafePeer(NewConnectionError):
    """The connection reached a private, loopback or link-local address."""


def _check_peer(connection: HTTPConnection, sock) -> None:
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS:
        return
    try:
        peer = str(sock.getpeername()[0])
    except OSError as exc:  # not connected after all: refuse rather than guess
        sock.close()
        raise UnsafePeer(connection, f"Refused: the connection's peer address is unknown ({exc})") from exc
    if blocked_address(peer):
        sock.close()
        raise UnsafePeer(
            connection,
            f"Refused: {connection.host} resolved at connect time to {peer}, a private, loopback or "
            "link-local address (webhooks go to public hosts only)",
        )


class _CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        _check_peer(self, sock)
        return sock


class _CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self):
        sock = super()._new_conn()
        _check_peer(self, sock)  # before the TLS handshake: nothing reaches the peer
        return sock


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class PublicPeersAdapter(HTTPAdapter):
    """A requests adapter whose connections refuse private peers (see the module's docstring)."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


def webhook_session() -> requests.Session:
    """A session for sending webhooks: every connection's peer is checked. Proxies from the
    environment are ignored: the peer would be the proxy, and a webhook must reach its host."""
    session = requests.Session()
    session.trust_env = False
    adapter = PublicPeersAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
