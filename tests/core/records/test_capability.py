from __future__ import annotations

import re

import pytest

from hwcore.records import DeviceCapability


def test_behaves_like_a_tuple():
    cap = DeviceCapability(9, 0)
    assert cap == (9, 0) and hash(cap) == hash((9, 0))
    assert cap >= (8, 0) and cap > DeviceCapability(8, 9) and cap < (10, 0)
    major, minor = cap
    assert (major, minor, cap.major, cap.minor) == (9, 0, 9, 0)


def test_integer_and_version_forms():
    assert DeviceCapability(8, 9).to_int() == 89
    assert DeviceCapability(10, 3).as_version_str() == "10.3"
    assert str(DeviceCapability(12, 0)) == "12.0"


def test_to_int_is_undefined_for_two_digit_minors():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "DeviceCapability(9, 10).to_int() is undefined: the integer form only holds minor "
            "versions 0-9; compare the tuple instead"
        ),
    ):
        DeviceCapability(9, 10).to_int()


@pytest.mark.parametrize(
    ("text", "expected"), [("9.0", (9, 0)), ("90", (9, 0)), ("100", (10, 0)), (" 8.6 ", (8, 6))]
)
def test_parse(text, expected):
    assert DeviceCapability.parse(text) == expected


def test_parse_rejects_garbage():
    with pytest.raises(
        ValueError,
        match=re.escape("cannot read a device capability from 'sm_90'; write it as '9.0' or '90'"),
    ):
        DeviceCapability.parse("sm_90")


@pytest.mark.parametrize("bad", [-1, 1.5, True, "9"])
def test_rejects_non_integers(bad):
    with pytest.raises(
        ValueError, match=re.escape(f"DeviceCapability.major must be an integer >= 0, got {bad!r}")
    ):
        DeviceCapability(bad, 0)
