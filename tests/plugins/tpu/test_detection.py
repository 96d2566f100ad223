"""``detect_platform``'s records on fake hosts: the platform, its chips, visibility."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hwcore.plugin_api import DeviceInfo, PlatformAbsent, PlatformInfo
from hwcore_tpu.detection import describe, disagreements
from hwcore_tpu.inventory import find_tpus

GIB = 1 << 30
HostFactory = Callable[..., dict[str, str]]


def detect(env: dict[str, str]) -> PlatformInfo | PlatformAbsent:
    return describe(find_tpus(env), env)


def info_of(env: dict[str, str]) -> PlatformInfo:
    info = detect(env)
    assert isinstance(info, PlatformInfo), info
    return info


def test_a_v6e_8_host(host: HostFactory) -> None:
    env = host("v6e-8")
    info = info_of(env)
    assert (info.name, info.device_name, info.device_type, info.dispatch_key) == (
        "tpu", "tpu", "tpu", "XLA"
    )
    assert (info.dist_backend, info.ray_device_key) == ("gloo", "TPU")
    assert info.device_control_env_var == "TPU_VISIBLE_CHIPS"
    assert info.ray_noset_device_env_vars == ("RAY_EXPERIMENTAL_NOSET_TPU_VISIBLE_CHIPS",)
    assert info.additional_env_vars == ("TPU_CHIPS_PER_HOST_BOUNDS", "TPU_HOST_BOUNDS")
    assert info.simple_compile_backend == "openxla"
    assert info.supported_quantization == ("fp8", "tpu_int8", "compressed-tensors")
    assert info.supported_dtypes == ("bfloat16",)
    assert (info.supports_fp8, info.fp8_dtype, info.pin_memory) == (False, "float8_e5m2", False)
    assert (info.inference_mode, info.sync_weight_loader) == ("no_grad", True)
    assert info.unusable_reason is None
    assert info.details == (
        ("detected with", "environment, sysfs, device nodes"),
        ("generation", "v6e"),
        ("chips on host", "8"),
        ("cores per chip", "1"),
        ("HBM per chip", "32.0 GiB"),
        ("accelerator type", "v6e-8"),
        ("topology", "2x4"),
        ("workers in slice", "1"),
        ("worker id", "0"),
        ("libtpu", "not installed"),
        ("tpu-inference", "not installed (pip install tpu-inference on a TPU VM)"),
    )
    assert info.device_count == 8
    assert info.devices[5] == DeviceInfo(
        index=5, physical_index=5, name="TPU v6e", total_memory=32 * GIB, architecture="v6e",
        pci_bus_id="0000:00:09.0", numa_node=0, integrated=False, compute_units=1,
        details=(("cores per chip", "1"), ("device node", f"{env['HWCORE_DEV_ROOT']}/vfio/5"),
                 ("topology", "2x4"), ("workers in slice", "1"), ("worker id", "0")),
    )


@pytest.mark.parametrize(
    ("name", "chips", "chip_name", "hbm_gib", "cores", "tensorcores", "topology", "fp8"),
    [
        ("v4-8", 4, "TPU v4", 32, "1", 2, "2x2x1", "float8_e4m3fn"),
        ("v5litepod-8", 8, "TPU v5e", 16, "1", 1, "2x4", "float8_e4m3fn"),
        ("v5p-8", 4, "TPU v5p", 95, "1", 2, "2x2x1", "float8_e4m3fn"),
        ("7x-8", 4, "TPU7x", 192, "2", 2, "2x2x1", "float8_e4m3fn"),
    ],
)
def test_each_generation(
    host: HostFactory, name: str, chips: int, chip_name: str, hbm_gib: int, cores: str,
    tensorcores: int, topology: str, fp8: str,
) -> None:
    info = info_of(host(name))
    assert info.device_count == chips
    assert {(d.name, d.total_memory, d.compute_units) for d in info.devices} == {
        (chip_name, hbm_gib * GIB, tensorcores)
    }
    assert dict(info.devices[0].details)["cores per chip"] == cores
    assert dict(info.details)["topology"] == topology
    assert info.fp8_dtype == fp8


def test_worker_1_of_a_v5p_16(host: HostFactory) -> None:
    info = info_of(host("v5p-16-worker-1"))
    details = dict(info.details)
    assert (details["topology"], details["workers in slice"], details["worker id"]) == (
        "2x2x2", "2", "1"
    )
    assert dict(info.devices[3].details)["worker id"] == "1"
    assert dict(info.devices[3].details)["workers in slice"] == "2"
    assert info.device_count == 4


def test_a_host_of_unknown_generation(host: HostFactory, fakes: object) -> None:
    env = host(None)
    fakes.write_nodes(Path(env["HWCORE_DEV_ROOT"]).parent, "v4", 2)  # type: ignore[attr-defined]
    info = info_of(env)
    assert info.devices[1] == DeviceInfo(
        index=1, physical_index=1, name="Google TPU (generation unknown)", integrated=False,
        details=(("device node", f"{env['HWCORE_DEV_ROOT']}/accel1"),),
    )
    assert info.details == (
        ("detected with", "device nodes"),
        ("chips on host", "2"),
        ("libtpu", "not installed"),
        ("tpu-inference", "not installed (pip install tpu-inference on a TPU VM)"),
    )


def test_visible_chips_select_and_reorder(host: HostFactory) -> None:
    info = info_of(host("v6e-8", TPU_VISIBLE_CHIPS="3,1", TPU_CHIPS_PER_HOST_BOUNDS="1,2,1"))
    assert [(d.index, d.physical_index, d.pci_bus_id) for d in info.devices] == [
        (0, 3, "0000:00:07.0"), (1, 1, "0000:00:05.0"),
    ]
    assert info.evidence[-1] == "TPU_VISIBLE_CHIPS='3,1' selects chip(s) 3, 1 of this host"
    assert disagreements(info) == []


def test_visible_chips_outside_the_bounds_are_a_disagreement(host: HostFactory) -> None:
    info = info_of(host("v6e-8", TPU_VISIBLE_CHIPS="0,1"))
    assert info.device_count == 2
    assert disagreements(info) == [
        "TPU_CHIPS_PER_HOST_BOUNDS='2,4,1' lays out 8 chips, but TPU_VISIBLE_CHIPS='0,1' makes "
        "2 visible; set it (and TPU_HOST_BOUNDS) to cover exactly the visible chips, e.g. "
        "'1,2,1' and '1,1,1' for two"
    ]


def test_part_of_a_host_without_bounds_is_a_disagreement(host: HostFactory) -> None:
    info = info_of(host(None, TPU_ACCELERATOR_TYPE="v6e-4", TPU_VISIBLE_CHIPS="2"))
    assert disagreements(info) == [
        "TPU_VISIBLE_CHIPS='2' makes 1 of 4 chips visible, but TPU_CHIPS_PER_HOST_BOUNDS is "
        "unset; libtpu needs it and TPU_HOST_BOUNDS to use part of a host, e.g. '1,2,1' and "
        "'1,1,1' for two chips"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("8", "TPU_VISIBLE_CHIPS='8': entry '8' is not a TPU chip on this node, which has 8 "
              "TPU chips (indices 0-7); set TPU_VISIBLE_CHIPS to comma-separated TPU chip "
              "indices such as TPU_VISIBLE_CHIPS=0,1"),
        ("1,1", "TPU_VISIBLE_CHIPS='1,1': TPU chip 1 is listed twice (entries '1' and '1'); "
                "list each TPU chip once"),
    ],
)
def test_an_unusable_visible_chips_value_makes_the_platform_unusable(
    host: HostFactory, value: str, message: str
) -> None:
    info = info_of(host("v6e-8", TPU_VISIBLE_CHIPS=value))
    assert info.unusable_reason == message
    assert info.device_count == 8


def test_hiding_every_chip_makes_the_platform_absent(host: HostFactory) -> None:
    env = host(None, TPU_ACCELERATOR_TYPE="v5p-8", TPU_VISIBLE_CHIPS="")
    assert detect(env) == PlatformAbsent(
        "TPU environment variables: TPU_ACCELERATOR_TYPE='v5p-8', but TPU_VISIBLE_CHIPS='' "
        "hides every TPU chip from this process; unset it to use all 4 TPU chips on this node"
    )


def test_a_problem_in_the_signals_makes_the_platform_unusable(host: HostFactory) -> None:
    info = info_of(host("v6e-8", TPU_HOST_BOUNDS="1,1"))
    assert info.unusable_reason == (
        "TPU_HOST_BOUNDS='1,1' is not three positive integers separated by commas, such as "
        "'2,2,1'; set it to the hosts of the slice along x, y and z, or unset it"
    )


def test_disagreements_are_in_the_evidence(host: HostFactory, fakes: object) -> None:
    env = host(None, TPU_ACCELERATOR_TYPE="v6e-8")
    fakes.write_chips(Path(env["HWCORE_SYSFS_ROOT"]).parent, "v5e", 4)  # type: ignore[attr-defined]
    info = info_of(env)
    assert info.evidence[-2:] == (
        "disagreement: TPU_ACCELERATOR_TYPE='v6e-8' says TPU v6e, but sysfs shows 4 TPU v5e "
        "chips; using sysfs",
        "disagreement: TPU_ACCELERATOR_TYPE='v6e-8' means 8 chips on this host, but sysfs "
        "shows 4; using sysfs",
    )
    assert len(disagreements(info)) == 2
    assert {d.name for d in info.devices} == {"TPU v5e"}


def test_no_signal_is_absent_with_the_reason(host: HostFactory) -> None:
    answer = detect(host(None))
    assert isinstance(answer, PlatformAbsent)
    assert answer.reason.startswith("no TPU found: ")
