"""``DeviceCapability``: a device's compute capability, ordered like a tuple."""

from __future__ import annotations

from typing import NamedTuple


class _MajorMinor(NamedTuple):
    major: int
    minor: int


class DeviceCapability(_MajorMinor):
    """Compute capability ``(major, minor)``, e.g. ``DeviceCapability(9, 0)`` for Hopper.

    It is a tuple: ``cap >= (8, 0)``, ``cap == (9, 0)`` and ``hash(cap) == hash((9, 0))``
    all hold, so it works wherever vLLM's ``DeviceCapability`` does.
    """

    __slots__ = ()

    def __new__(cls, major: int, minor: int) -> DeviceCapability:
        for field, value in (("major", major), ("minor", minor)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"DeviceCapability.{field} must be an integer >= 0, got {value!r}")
        return super().__new__(cls, major, minor)

    @classmethod
    def parse(cls, text: str) -> DeviceCapability:
        """Build one from ``"9.0"``, ``"90"`` or ``"10.3"``."""
        major, dot, minor = text.strip().partition(".")
        if not dot and len(major) >= 2 and major.isdigit():
            major, minor = major[:-1], major[-1]
        if not (major.isdigit() and minor.isdigit()):
            raise ValueError(
                f"cannot read a device capability from {text!r}; write it as '9.0' or '90'"
            )
        return cls(int(major), int(minor))

    def as_version_str(self) -> str:
        """``"9.0"``."""
        return f"{self.major}.{self.minor}"

    def to_int(self) -> int:
        """``major * 10 + minor``, e.g. ``90``; vLLM's integer form, defined for minor < 10."""
        if self.minor >= 10:
            raise ValueError(
                f"DeviceCapability({self.major}, {self.minor}).to_int() is undefined: the "
                "integer form only holds minor versions 0-9; compare the tuple instead"
            )
        return self.major * 10 + self.minor

    def __str__(self) -> str:
        return self.as_version_str()
