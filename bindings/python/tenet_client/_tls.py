"""TLS for both clients: which server to trust and which certificate to show.

TLS is off unless asked for: `Client("host:7070")` is plaintext, as before;
`Client("host:7070", tls=True)` or `tls=TlsOptions(...)` speaks TLS 1.2+ and
verifies the server's certificate (the system's CAs, or `ca_file`) for the
address's host (a DNS name or an IP address) or `server_name`. `cert_file` +
`key_file` present a client certificate (mutual TLS): its `tenet:tenant:` URI
binds the session, and the client says `hello` (without a token) to learn the
tenant. An `ssl.SSLContext` of your own may be passed as `tls=` too.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Optional, Union

from ._wire import Endpoint


@dataclass(frozen=True)
class TlsOptions:
    ca_file: Optional[str] = None  # PEM CA certificate(s) to trust; None: the system's CAs
    cert_file: Optional[str] = None  # client certificate chain (PEM), for mutual TLS
    key_file: Optional[str] = None  # its private key (PEM)
    server_name: Optional[str] = None  # the name (or IP) the certificate must carry; None: the host


Tls = Union[None, bool, TlsOptions, ssl.SSLContext]


class TlsSetup:
    """The context and the name to check, made once per client (a file that
    cannot be read fails the constructor, not each connect)."""

    def __init__(self, tls: Tls, endpoint: Endpoint) -> None:
        if endpoint.unix_path is not None:
            raise ValueError(f"TLS is for TCP addresses (host:port), not {endpoint}")
        options = TlsOptions() if tls is True else tls
        if isinstance(options, ssl.SSLContext):
            self.context = options
            self.server_name: str = endpoint.host
            self.client_certificate = False
            return
        if not isinstance(options, TlsOptions):
            raise TypeError("tls must be True, a TlsOptions or an ssl.SSLContext")
        if (options.cert_file is None) != (options.key_file is None):
            raise ValueError("TLS: a client certificate needs both cert_file and key_file")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the name
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if options.ca_file is None:
            context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        else:
            context.load_verify_locations(cafile=options.ca_file)
        if options.cert_file is not None:
            context.load_cert_chain(options.cert_file, options.key_file)
        self.context = context
        # Python checks an IP address against the certificate's IP SANs, a
        # name against its DNS SANs (and sends it as SNI).
        self.server_name = options.server_name or endpoint.host
        self.client_certificate = options.cert_file is not None

    def describe(self, failure: BaseException) -> str:
        """`failure` of a handshake as a sentence that says why."""
        if isinstance(failure, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {failure.verify_message} (the server was expected to be {self.server_name})"
        reason = getattr(failure, "reason", None)
        return str(reason or failure)
