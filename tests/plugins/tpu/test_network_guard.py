"""The folder's autouse guard: any socket connection fails, so a test that reaches for the
GCE metadata server fails loudly instead of hanging or passing by luck."""

from __future__ import annotations

import re
import socket

import pytest

MESSAGE = re.escape("hwcore-tpu tests refuse network connections")


def test_connections_are_refused() -> None:
    with pytest.raises(OSError, match=f"^{MESSAGE}$"):
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
    with socket.socket() as sock, pytest.raises(OSError, match=f"^{MESSAGE}$"):
        sock.connect(("127.0.0.1", 9))
