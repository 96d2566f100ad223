"""Resolution end to end over in-process candidates: the design's five steps."""

from __future__ import annotations

import re
import threading

import pytest

import hwcore
from hwcore.errors import (
    AmbiguousPlatformError,
    HwcoreWarning,
    NoPlatformError,
    PlatformOverrideError,
    PluginLoadError,
)
from hwcore.records import PluginStatus


def test_single_accelerator_wins_over_the_cpu_fallback(make_host, candidate, fake_platform):
    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", fake_platform("acme", evidence="2 ACME chips on PCI")),
    )
    pm = hwcore.get_plugin_manager()
    assert host.report.active == "acme"
    assert host.report.decision == "acme: the only accelerator detected (2 ACME chips on PCI)"
    assert hwcore.current_platform().get_device_name(1) == "acme device 1"
    assert pm.is_blocked("cpu")
    statuses = {r.name: r.status for r in host.report.plugins}
    assert statuses == {"cpu": PluginStatus.INACTIVE, "acme": PluginStatus.ACTIVE}


def test_cpu_fallback_activates_when_no_accelerator_is_present(make_host, candidate, fake_platform):
    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", fake_platform("acme", present=False)),
    )
    assert hwcore.current_platform().name == "cpu"
    assert host.report.decision == "cpu: fallback, no accelerator platform detected its hardware"
    acme = next(d for d in host.report.detections if d.plugin == "acme")
    assert (acme.present, acme.reason) == (False, "no acme hardware")


def test_two_accelerators_raise_one_error_naming_both_and_the_override(
    make_host, candidate, fake_platform
):
    make_host(
        candidate(
            "cuda", fake_platform("cuda", evidence="NVML reports 8 devices"), version="0.1.0"
        ),
        candidate(
            "rocm", fake_platform("rocm", evidence="amdsmi reports 2 devices"), version="0.2.0"
        ),
        candidate("cpu", fake_platform("cpu", fallback=True)),
    )
    expected = (
        "2 accelerator platforms detected their hardware, and hwcore runs on exactly one:\n"
        "  - cuda from hwcore-cuda 0.1.0: NVML reports 8 devices\n"
        "  - rocm from hwcore-rocm 0.2.0: amdsmi reports 2 devices\n"
        "Choose one with HWCORE_PLATFORM, e.g. HWCORE_PLATFORM=cuda, or uninstall the "
        "distributions you do not need."
    )
    with pytest.raises(AmbiguousPlatformError, match=f"^{re.escape(expected)}$"):
        hwcore.get_plugin_manager()
    # The failure is kept: a second call raises the same error without detecting again.
    with pytest.raises(AmbiguousPlatformError, match=re.escape(expected)):
        hwcore.current_platform()


def test_override_resolves_an_ambiguity(make_host, candidate, fake_platform):
    rocm = fake_platform("rocm")
    make_host(
        candidate("cuda", fake_platform("cuda")),
        candidate("rocm", rocm),
        environ={"HWCORE_PLATFORM": "rocm"},
    )
    assert hwcore.current_platform().name == "rocm"
    assert hwcore.current_platform().get_device_name(0) == "rocm device 0"


def test_override_chooses_the_cpu_over_an_accelerator(make_host, candidate, fake_platform):
    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", fake_platform("acme")),
        environ={"HWCORE_PLATFORM": "cpu"},
    )
    assert hwcore.current_platform().name == "cpu"
    assert host.report.decision == "cpu: forced by HWCORE_PLATFORM=cpu"


def test_forced_platform_that_is_not_installed(make_host, candidate, fake_platform):
    make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)), environ={"HWCORE_PLATFORM": "tpu"}
    )
    expected = (
        "HWCORE_PLATFORM=tpu names no installed platform plugin (installed: cpu). "
        "Install hwcore-tpu or set HWCORE_PLATFORM to one of those."
    )
    with pytest.raises(PlatformOverrideError, match=f"^{re.escape(expected)}$"):
        hwcore.get_plugin_manager()


def test_forced_platform_whose_hardware_is_absent(make_host, candidate, fake_platform):
    make_host(
        candidate("acme", fake_platform("acme", present=False)), environ={"HWCORE_PLATFORM": "acme"}
    )
    expected = (
        "HWCORE_PLATFORM=acme forces platform 'acme' from hwcore-acme 1.0, but its hardware "
        "is not present: no acme hardware. Unset HWCORE_PLATFORM or run on a machine with "
        "that hardware."
    )
    with pytest.raises(PlatformOverrideError, match=f"^{re.escape(expected)}$"):
        hwcore.get_plugin_manager()


def test_forced_platform_that_failed_to_import_raises_its_load_error(make_host, candidate):
    def broken() -> object:
        raise ImportError("No module named 'acme_sdk'")

    make_host(candidate("acme", broken), environ={"HWCORE_PLATFORM": "acme"})
    expected = (
        "HWCORE_PLATFORM=acme forces platform 'acme' from hwcore-acme 1.0, which cannot be "
        "used: importing acme_module raised ImportError: No module named 'acme_sdk'"
    )
    with pytest.raises(PluginLoadError, match=f"^{re.escape(expected)}$") as raised:
        hwcore.get_plugin_manager()
    assert (raised.value.plugin, raised.value.distribution) == ("acme", "hwcore-acme 1.0")
    assert isinstance(raised.value.__cause__, ImportError)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "",
            "HWCORE_PLATFORM is set but empty. Unset it to detect the platform, or set it to "
            "one platform name, e.g. HWCORE_PLATFORM=cpu (`hwcore plugins` lists the installed ones).",
        ),
        (
            "cuda,cpu",
            "HWCORE_PLATFORM='cuda,cpu' is not a platform name: it must be a single name "
            "of letters, digits, '_', '-' or '.', e.g. HWCORE_PLATFORM=cuda "
            "(`hwcore plugins` lists the installed ones).",
        ),
    ],
)
def test_empty_or_malformed_override(make_host, candidate, fake_platform, value, expected):
    make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)), environ={"HWCORE_PLATFORM": value}
    )
    with pytest.raises(PlatformOverrideError, match=f"^{re.escape(expected)}$"):
        hwcore.get_plugin_manager()


def test_no_platform_shows_the_report_and_what_to_install(make_host, candidate, fake_platform):
    make_host(candidate("acme", fake_platform("acme", present=False)))
    with pytest.raises(NoPlatformError) as raised:
        hwcore.get_plugin_manager()
    lines = str(raised.value).splitlines()
    assert (
        lines[0]
        == "No hwcore platform detected its hardware, and no host-CPU fallback is installed."
    )
    assert lines[1] == "Detection report:"
    assert re.fullmatch(
        r"  acme +platform hwcore-acme 1.0 +inactive, absent \(\d+\.\d\d ms\): no acme hardware",
        lines[2],
    )
    assert lines[3].startswith(
        "Install the backend for your hardware, e.g. `pip install hwcore-cuda`"
    )


def test_nothing_installed(make_host):
    make_host()
    with pytest.raises(NoPlatformError, match=r"^No hwcore platform plugin is installed\.\n"):
        hwcore.get_plugin_manager()


def test_a_plugin_whose_import_raises_is_skipped_with_a_warning(
    make_host, candidate, fake_platform
):
    def broken() -> object:
        raise RuntimeError("driver table corrupt")

    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)), candidate("acme", broken)
    )
    expected = (
        "hwcore plugin 'acme' from hwcore-acme 1.0 was skipped: importing acme_module raised "
        "RuntimeError: driver table corrupt. Fix or uninstall hwcore-acme; `hwcore plugins` "
        "lists every plugin."
    )
    with pytest.warns(HwcoreWarning, match=f"^{re.escape(expected)}$"):
        assert hwcore.current_platform().name == "cpu"
    acme = host.report.plugin("acme")
    assert acme is not None and acme.status is PluginStatus.FAILED


def test_a_plugin_whose_detection_raises_is_recorded_and_others_keep_working(
    make_host, candidate, fake_platform
):
    class ExplodingDetection(fake_platform):
        @hwcore.hookimpl
        def detect_platform(self):  # type: ignore[override]
            raise OSError("sysfs unreadable")

    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", ExplodingDetection("acme")),
    )
    with pytest.warns(
        HwcoreWarning,
        match=re.escape(
            "hwcore plugin 'acme' from hwcore-acme 1.0 was skipped: detect_platform raised "
            "OSError: sysfs unreadable."
        ),
    ):
        assert hwcore.current_platform().name == "cpu"
    acme = next(d for d in host.report.detections if d.plugin == "acme")
    assert acme.error == "detect_platform raised OSError: sysfs unreadable"
    assert acme.seconds >= 0


def test_duplicate_entry_point_names_exclude_both_and_name_both(
    make_host, candidate, fake_platform
):
    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", fake_platform("acme"), distribution="hwcore-acme"),
        candidate("acme", fake_platform("acme"), distribution="acme-fork", version="9.9"),
    )
    with pytest.warns(HwcoreWarning) as caught:
        assert hwcore.current_platform().name == "cpu"
    messages = sorted(str(w.message) for w in caught)
    assert messages == [
        "hwcore plugin 'acme' from acme-fork 9.9 was skipped: the entry-point name 'acme' is "
        "also offered by hwcore-acme 1.0; uninstall one of them. Fix or uninstall acme-fork; "
        "`hwcore plugins` lists every plugin.",
        "hwcore plugin 'acme' from hwcore-acme 1.0 was skipped: the entry-point name 'acme' is "
        "also offered by acme-fork 9.9; uninstall one of them. Fix or uninstall hwcore-acme; "
        "`hwcore plugins` lists every plugin.",
    ]
    assert [r.status for r in host.report.plugins if r.name == "acme"] == [
        PluginStatus.DUPLICATE
    ] * 2


def test_allowlist_keeps_only_named_plugins(make_host, candidate, fake_platform):
    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", fake_platform("acme")),
        environ={"HWCORE_PLUGINS": "cpu"},
    )
    assert hwcore.current_platform().name == "cpu"
    assert host.report.plugin("acme").status is PluginStatus.EXCLUDED  # type: ignore[union-attr]
    assert host.report.allowlist == ("cpu",)


def test_allowlist_name_matching_nothing_warns_and_lists_what_exists(
    make_host, candidate, fake_platform
):
    make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", fake_platform("acme")),
        environ={"HWCORE_PLUGINS": "cpu, acme ,acmee"},
    )
    expected = (
        "HWCORE_PLUGINS names acmee, which matches no installed hwcore plugin "
        "(installed: acme, cpu); check the spelling. Did you mean acme instead of acmee?"
    )
    with pytest.warns(HwcoreWarning, match=f"^{re.escape(expected)}$"):
        assert hwcore.current_platform().name == "acme"


def test_allowlist_with_an_empty_entry_is_an_error(make_host, candidate, fake_platform):
    make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        environ={"HWCORE_PLUGINS": "cpu,,acme"},
    )
    expected = (
        "HWCORE_PLUGINS='cpu,,acme' has an empty entry. Unset it to load every installed "
        "plugin, or list names separated by commas, e.g. HWCORE_PLUGINS=cpu,my_backends."
    )
    with pytest.raises(PlatformOverrideError, match=f"^{re.escape(expected)}$"):
        hwcore.get_plugin_manager()


def test_general_plugins_stay_registered_whatever_platform_is_active(
    make_host, candidate, general, fake_platform
):
    class Meter:
        HWCORE_CONTRACT_VERSION = "2.0"

        @hwcore.hookimpl(tryfirst=True)
        def get_current_memory_usage(self, device_id: int) -> int:
            return 42

    make_host(candidate("acme", fake_platform("acme")), general("meter", Meter()))
    assert hwcore.get_plugin_manager().hook.get_current_memory_usage(device_id=0) == 42


def test_core_defaults_answer_last_and_name_the_platform(make_host, candidate, fake_platform):
    make_host(candidate("acme", fake_platform("acme")))
    pm = hwcore.get_plugin_manager()
    assert pm.hook.check_max_model_len(max_model_len=4096) == 4096
    assert pm.hook.is_fully_connected(physical_device_ids=[0, 1]) is False
    with pytest.raises(
        NotImplementedError,
        match=re.escape(
            "platform 'acme' (hwcore-acme 1.0) does not implement get_device_free_memory; ask "
            "its maintainers, or register a plugin that implements it"
        ),
    ):
        pm.hook.get_device_free_memory(device_id=0)


def test_32_threads_racing_the_first_resolution_detect_once(make_host, candidate, fake_platform):
    acme = fake_platform("acme")
    cpu = fake_platform("cpu", fallback=True)
    make_host(candidate("acme", acme), candidate("cpu", cpu))
    barrier = threading.Barrier(32)
    names: list[str] = []

    def race() -> None:
        barrier.wait()
        names.append(hwcore.current_platform().name)

    threads = [threading.Thread(target=race) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert names == ["acme"] * 32
    assert (acme.detect_calls, cpu.detect_calls) == (1, 1)


def test_reset_starts_over(make_host, candidate, fake_platform):
    first = fake_platform("acme")
    make_host(candidate("acme", first))
    hwcore.current_platform()
    hwcore.reset()
    second = fake_platform("acme")
    make_host(candidate("acme", second))
    hwcore.current_platform()
    assert (first.detect_calls, second.detect_calls) == (1, 1)


def test_trace_switch_prints_every_hook_call(make_host, candidate, fake_platform, capsys):
    make_host(candidate("acme", fake_platform("acme")), environ={"HWCORE_TRACE_HOOKS": "1"})
    hwcore.get_plugin_manager().hook.check_max_model_len(max_model_len=512)
    err = capsys.readouterr().err
    assert "detect_platform [hook]" in err  # detection goes through pluggy too
    assert "check_max_model_len [hook]" in err
    assert "max_model_len: 512" in err
    assert "finish check_max_model_len --> 512 [hook]" in err


# ------------------------------------------------------------------ contract 2.0: state


class ChipPlatform:
    """A platform registering its own backend CHIP_ATTN and ranking it first."""

    HWCORE_CONTRACT_VERSION = "2.0"

    @hwcore.hookimpl
    def detect_platform(self):
        from hwcore.records import DeviceInfo, PlatformInfo

        return PlatformInfo(
            name="chip", device_name="chip", device_type="chip", dispatch_key="PrivateUse1",
            dist_backend="gloo", devices=(DeviceInfo(0, 0, "Chip 0"),), evidence=("test",),
        )

    @hwcore.hookimpl
    def register_attention_backends(self):
        from hwcore.records import AttentionBackendSpec

        return [AttentionBackendSpec(name="CHIP_ATTN", class_path="chip.attention.ChipAttention")]

    @hwcore.hookimpl
    def get_attn_backend_priority(self, request):
        return ["CHIP_ATTN", "TORCH_SDPA"]


def test_two_hosts_never_see_each_others_plugins_backends_or_caches(
    make_host, candidate, fake_platform
):
    from hwcore.host import get_host
    from hwcore.records import AttentionRequest
    from hwcore.testing import IsolatedHost

    request = AttentionRequest(head_size=128, dtype="bfloat16")
    make_host(candidate("cpu", fake_platform("cpu", fallback=True)))
    process_wide = hwcore.get_plugin_manager()
    sdpa = "hwcore.attention.torch_sdpa.TorchSDPABackend"
    assert process_wide.hook.get_attn_backend_cls(selected_backend=None, request=request) == sdpa
    isolated = IsolatedHost()
    isolated.add_platform(ChipPlatform(), "chip")
    chosen = isolated.plugin_manager.hook.get_attn_backend_cls(
        selected_backend=None, request=request
    )
    assert chosen == "chip.attention.ChipAttention"
    assert isolated.host.attention.registry().names() == ["CHIP_ATTN", "TORCH_SDPA"]
    # And the reverse: the process-wide host still knows nothing of CHIP_ATTN.
    assert get_host().attention.registry().names() == ["TORCH_SDPA"]
    assert process_wide.hook.get_attn_backend_cls(selected_backend=None, request=request) == sdpa
    assert hwcore.current_platform().name == "cpu"
    assert isolated.platform().name == "chip"


def test_a_class_entry_point_gets_one_instance_per_host(make_host, candidate):
    instances = []

    class PerHost(ChipPlatform):
        def __init__(self):
            instances.append(self)

    first = make_host(candidate("chip", PerHost))
    first.resolve()
    second = make_host(candidate("chip", PerHost))
    second.resolve()
    assert len(instances) == 2
    assert first.plugin_manager.get_plugin("chip") is instances[0]
    assert second.plugin_manager.get_plugin("chip") is instances[1]


def test_a_class_whose_constructor_raises_is_a_load_failure(make_host, candidate, fake_platform):
    class Broken(ChipPlatform):
        def __init__(self):
            raise RuntimeError("no licence file")

    host = make_host(candidate("cpu", fake_platform("cpu", fallback=True)), candidate("chip", Broken))
    with pytest.warns(HwcoreWarning):
        host.resolve()
    record = host.report.plugin("chip")
    assert record is not None
    assert record.error == "creating chip_module() raised RuntimeError: no licence file"


def test_a_platform_present_but_unusable_stops_resolution_with_its_reason(
    make_host, candidate, fake_platform
):
    from hwcore.errors import UnusablePlatformError
    from hwcore.records import PlatformInfo

    class Misconfigured(ChipPlatform):
        @hwcore.hookimpl
        def detect_platform(self):
            return PlatformInfo(
                name="chip", device_name="chip", device_type="chip", dispatch_key="PrivateUse1",
                dist_backend="gloo", devices=(), evidence=("2 chips on PCI",),
                unusable_reason="CHIP_VISIBLE='9': entry '9' is not a chip on this node",
            )

    make_host(candidate("cpu", fake_platform("cpu", fallback=True)), candidate("chip", Misconfigured()))
    message = (
        "platform 'chip' from hwcore-chip 1.0 was chosen (chip: the only accelerator detected "
        "(2 chips on PCI)), but it cannot be used: CHIP_VISIBLE='9': entry '9' is not a chip on "
        "this node"
    )
    with pytest.raises(UnusablePlatformError, match=f"^{re.escape(message)}$"):
        hwcore.get_plugin_manager()


def test_detection_is_given_the_hosts_environment_read_only(make_host, candidate):
    seen = {}

    class Reader(ChipPlatform):
        @hwcore.hookimpl
        def detect_platform(self, environ):
            seen["value"] = environ.get("CHIP_VISIBLE")
            try:
                environ["CHIP_VISIBLE"] = "1"  # type: ignore[index]
            except TypeError as error:
                seen["write"] = type(error).__name__
            return super().detect_platform()

    make_host(candidate("chip", Reader()), environ={"CHIP_VISIBLE": "0"}).resolve()
    assert seen == {"value": "0", "write": "TypeError"}


# ---------------------------------------------------- the allowlist, diagnosed right


def test_an_allowlist_matching_nothing_is_ignored_with_one_warning(
    make_host, candidate, fake_platform
):
    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", fake_platform("acme", present=False)),
        environ={"HWCORE_PLUGINS": "nosuch"},
    )
    expected = (
        "HWCORE_PLUGINS='nosuch' matches no installed hwcore plugin, so it is ignored and every "
        "plugin loads; installed: acme, cpu."
    )
    with pytest.warns(HwcoreWarning, match=f"^{re.escape(expected)}$") as caught:
        assert hwcore.current_platform().name == "cpu"
    assert len(caught) == 1
    assert host.report.allowlist is None
    assert host.report.warnings == (expected,)


def test_an_allowlist_without_any_platform_says_so(make_host, candidate, general, fake_platform):
    class Pack:
        HWCORE_CONTRACT_VERSION = "2.0"

    make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", fake_platform("acme")),
        general("pack", Pack()),
        environ={"HWCORE_PLUGINS": "pack"},
    )
    message = (
        "HWCORE_PLUGINS='pack' leaves out every installed platform plugin (acme, cpu), so hwcore "
        "has no platform to run on; add one to HWCORE_PLUGINS (e.g. HWCORE_PLUGINS=pack,acme) "
        "or unset it."
    )
    with pytest.raises(NoPlatformError, match=f"^{re.escape(message)}\nDetection report:\n") as raised:
        hwcore.get_plugin_manager()
    assert raised.value.summary == message


def test_an_allowlist_leaving_out_the_fallback_names_what_it_left_out(
    make_host, candidate, fake_platform
):
    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", fake_platform("acme", present=False)),
        environ={"HWCORE_PLUGINS": "acme"},
    )
    message = (
        "No hwcore platform detected its hardware. HWCORE_PLUGINS='acme' leaves out cpu; add the "
        "platform you need to it, or unset it."
    )
    with pytest.raises(NoPlatformError, match=f"^{re.escape(message)}\n"):
        hwcore.get_plugin_manager()
    record = host.report.plugin("cpu")
    assert record is not None
    assert (record.status, record.error) == (PluginStatus.EXCLUDED, "left out by HWCORE_PLUGINS='acme'")


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("CPU", "Did you mean HWCORE_PLATFORM=cpu? Platform names are entry-point names, written as installed."),
        ("acne", "Did you mean HWCORE_PLATFORM=acme? Platform names are entry-point names, written as installed."),
        ("tpu", "Install hwcore-tpu or set HWCORE_PLATFORM to one of those."),
    ],
)
def test_an_unknown_forced_platform_suggests_the_one_meant(
    make_host, candidate, fake_platform, value, hint
):
    make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("acme", fake_platform("acme")),
        environ={"HWCORE_PLATFORM": value},
    )
    message = f"HWCORE_PLATFORM={value} names no installed platform plugin (installed: acme, cpu). {hint}"
    with pytest.raises(PlatformOverrideError, match=f"^{re.escape(message)}$"):
        hwcore.get_plugin_manager()


# -------------------------------------------- detection that misbehaves is contained


class Loud(ChipPlatform):
    @hwcore.hookimpl
    def detect_platform(self):
        import os
        import sys

        print("probing the chip bus")
        print("firmware 7.1", file=sys.stderr)
        os.environ["CHIP_PROBED"] = "1"
        return super().detect_platform()


def test_what_a_detector_prints_or_changes_is_captured_undone_and_named(
    make_host, candidate, capfd, monkeypatch
):
    monkeypatch.delenv("CHIP_PROBED", raising=False)
    host = make_host(candidate("chip", Loud()))
    with pytest.warns(HwcoreWarning) as caught:
        assert hwcore.current_platform().name == "chip"
    printed = capfd.readouterr()
    assert (printed.out, printed.err) == ("", "")
    assert "CHIP_PROBED" not in __import__("os").environ
    [result] = host.report.detections
    assert result.output == "probing the chip bus\nfirmware 7.1\n"
    assert result.environment_changes == ("added CHIP_PROBED='1'",)
    assert [str(w.message) for w in caught] == [
        "hwcore plugin 'chip' from hwcore-chip 1.0 printed during detection, which must print "
        "nothing; hwcore captured it so it cannot mix with this command's output ('probing the "
        "chip bus\\nfirmware 7.1'); report this to the maintainers of hwcore-chip",
        "hwcore plugin 'chip' from hwcore-chip 1.0 changed the environment during detection "
        "(added CHIP_PROBED='1'), which detection must not do; hwcore put it back; report this to "
        "the maintainers of hwcore-chip",
    ]


def test_a_detector_that_hangs_is_left_behind_at_the_deadline(
    make_host, candidate, fake_platform
):
    import threading
    import time

    release = threading.Event()

    class Hangs(ChipPlatform):
        @hwcore.hookimpl
        def detect_platform(self):
            release.wait(30)
            return super().detect_platform()

    host = make_host(
        candidate("cpu", fake_platform("cpu", fallback=True)),
        candidate("chip", Hangs()),
        environ={"HWCORE_DETECT_TIMEOUT": "0.2"},
    )
    started = time.perf_counter()
    try:
        with pytest.warns(HwcoreWarning, match="did not answer within 0.2 s"):
            assert hwcore.current_platform().name == "cpu"
        assert time.perf_counter() - started < 1.5
        chip = next(d for d in host.report.detections if d.plugin == "chip")
        assert chip.timed_out
        assert chip.error == (
            "detect_platform did not answer within 0.2 s (HWCORE_DETECT_TIMEOUT); hwcore went on "
            "without it"
        )
    finally:
        release.set()


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_a_bad_detection_deadline_is_an_error_naming_the_variable(
    make_host, candidate, fake_platform, value
):
    make_host(candidate("cpu", fake_platform("cpu", fallback=True)),
              environ={"HWCORE_DETECT_TIMEOUT": value})
    message = (
        f"HWCORE_DETECT_TIMEOUT={value!r} is not a number of seconds above 0; set it to how long "
        "one platform's detection may take, e.g. HWCORE_DETECT_TIMEOUT=10, or unset it for the "
        "default of 5 s."
    )
    with pytest.raises(PlatformOverrideError, match=f"^{re.escape(message)}$"):
        hwcore.get_plugin_manager()
