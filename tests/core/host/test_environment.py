from __future__ import annotations

import re

import pytest

from hwcore.errors import PlatformOverrideError
from hwcore.host.environment import read_platform_override, read_plugin_allowlist


def test_unset_variables_mean_no_override_and_no_allowlist():
    assert read_platform_override({}) is None
    assert read_plugin_allowlist({}) is None


def test_override_is_stripped():
    assert read_platform_override({"HWCORE_PLATFORM": " cuda "}) == "cuda"


def test_allowlist_is_split_stripped_and_deduplicated():
    assert read_plugin_allowlist({"HWCORE_PLUGINS": "cpu, extras,cpu"}) == ("cpu", "extras")


def test_allowlist_rejects_a_malformed_name():
    with pytest.raises(
        PlatformOverrideError,
        match=re.escape(
            "HWCORE_PLUGINS='cpu,my plugin' holds 'my plugin', which is not a plugin name; list "
            "entry-point names separated by commas, e.g. HWCORE_PLUGINS=cpu,my_backends."
        ),
    ):
        read_plugin_allowlist({"HWCORE_PLUGINS": "cpu,my plugin"})


def test_allowlist_rejects_an_empty_value():
    with pytest.raises(
        PlatformOverrideError, match=re.escape("HWCORE_PLUGINS='' has an empty entry.")
    ):
        read_plugin_allowlist({"HWCORE_PLUGINS": ""})
