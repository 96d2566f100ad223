"""``detect_platform``'s answer: the TPU platform's facts, or why it is absent.

The static facts are vLLM's TPU platform's (0.11.0, the last in-tree one; 0.33 hands the
class to tpu-inference): device type ``tpu``, dispatch key ``XLA``, ``gloo`` between hosts
(collectives between chips run inside XLA over ICI), Ray resource ``TPU``, visibility
through ``TPU_VISIBLE_CHIPS``, the bounds variables copied to Ray workers, ``openxla`` for
small compiled functions, bfloat16 only, no pinned memory, ``no_grad`` inference and a
synchronised weight loader.

``details`` (platform and each device) carry the slice facts a launcher places workers
with: ``workers in slice`` and ``worker id`` (this host's position), and ``topology``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from hwcore.plugin_api import (
    DeviceInfo,
    PhysicalDevice,
    PlatformAbsent,
    PlatformInfo,
    VisibleDevicesError,
    format_bytes,
    map_visible_devices,
)
from hwcore_tpu.environment import CHIPS_PER_HOST_BOUNDS, HOST_BOUNDS, VISIBLE_CHIPS
from hwcore_tpu.inventory import Found, HostChip, NoTpu
from hwcore_tpu.packages import TPU_INFERENCE, TPU_INFERENCE_INSTALL, installed_at

PLATFORM_NAME = "tpu"
SUPPORTED_QUANTIZATION = ("fp8", "tpu_int8", "compressed-tensors")
RAY_NOSET_VARIABLE = "RAY_EXPERIMENTAL_NOSET_TPU_VISIBLE_CHIPS"
UNKNOWN_CHIP = "Google TPU (generation unknown)"
DISAGREEMENT = "disagreement: "


def describe(found: Found | NoTpu, environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent:
    """Present when a TPU signal was found and ``TPU_VISIBLE_CHIPS`` does not hide every
    chip. A value that cannot be used keeps the platform, unusable, naming the value."""
    if isinstance(found, NoTpu):
        return PlatformAbsent(found.reason)
    value = environ.get(VISIBLE_CHIPS)
    try:
        visibility = map_visible_devices(
            VISIBLE_CHIPS, value, [PhysicalDevice(chip.physical_index) for chip in found.chips],
            noun="TPU chip", uuid_prefixes=(),
        )
    except VisibleDevicesError as error:
        return _platform_info(found, found.chips, (), str(error))
    if visibility.note is not None:
        return PlatformAbsent(f"{'; '.join(found.evidence)}, but {visibility.note}")
    visible = tuple(found.chips[device.physical_index] for device in visibility.devices)
    notes = _visibility_notes(found, visible, value)
    return _platform_info(found, visible, notes, found.problem, _selection(visible, value))


def _platform_info(
    found: Found,
    chips: tuple[HostChip, ...],
    notes: tuple[str, ...],
    problem: str | None,
    selection: tuple[str, ...] = (),
) -> PlatformInfo:
    generation = found.generation
    disagreements = (*found.disagreements, *notes)
    return PlatformInfo(
        name=PLATFORM_NAME,
        device_name="tpu",
        device_type="tpu",
        dispatch_key="XLA",
        dist_backend="gloo",
        devices=tuple(_device(i, chip, found) for i, chip in enumerate(chips)),
        evidence=(*found.evidence, *selection, *(DISAGREEMENT + note for note in disagreements)),
        ray_device_key="TPU",
        device_control_env_var=VISIBLE_CHIPS,
        ray_noset_device_env_vars=(RAY_NOSET_VARIABLE,),
        additional_env_vars=(CHIPS_PER_HOST_BOUNDS, HOST_BOUNDS),
        simple_compile_backend="openxla",
        supported_quantization=SUPPORTED_QUANTIZATION,
        supported_dtypes=("bfloat16",),
        fp8_dtype="float8_e4m3fn" if generation is None else generation.fp8_dtype,
        pin_memory=False,
        inference_mode="no_grad",
        sync_weight_loader=True,
        unusable_reason=problem,
        details=_platform_details(found),
    )


def _device(index: int, chip: HostChip, found: Found) -> DeviceInfo:
    generation = chip.generation
    return DeviceInfo(
        index=index,
        physical_index=chip.physical_index,
        name=UNKNOWN_CHIP if generation is None else generation.name,
        total_memory=None if generation is None else generation.hbm_bytes,
        architecture=None if generation is None else generation.key,
        pci_bus_id=chip.pci_bus_id,
        numa_node=chip.numa_node,
        integrated=False,
        compute_units=None if generation is None else generation.tensorcores_per_chip,
        details=_known((
            ("cores per chip", None if generation is None else str(generation.cores_per_chip)),
            ("device node", chip.device_node),
            *_slice_details(found),
        )),
    )


def _platform_details(found: Found) -> tuple[tuple[str, str], ...]:
    generation, env = found.generation, found.environment
    return _known((
        ("detected with", ", ".join(found.sources)),
        ("generation", None if generation is None else generation.key),
        ("chips on host", str(len(found.chips))),
        ("cores per chip", None if generation is None else str(generation.cores_per_chip)),
        ("HBM per chip", None if generation is None else format_bytes(generation.hbm_bytes)),
        ("accelerator type", None if env.accelerator_type is None else env.accelerator_type.value),
        *_slice_details(found),
        ("libtpu", "installed" if found.libtpu else "not installed"),
        ("tpu-inference", "installed" if installed_at(TPU_INFERENCE) else
         f"not installed ({TPU_INFERENCE_INSTALL})"),
    ))


def _slice_details(found: Found) -> tuple[tuple[str, str | None], ...]:
    layout = found.layout
    return (
        ("topology", layout.topology_text(found.generation)),
        ("workers in slice", None if layout.workers is None else str(layout.workers)),
        ("worker id", None if layout.worker_id is None else str(layout.worker_id)),
    )


def _visibility_notes(
    found: Found, visible: tuple[HostChip, ...], value: str | None
) -> tuple[str, ...]:
    """libtpu lays out the chips named by the bounds, so they must cover exactly the
    visible ones (Ray sets '1,2,1' and '1,1,1' when it hands two chips to a worker)."""
    bounds = found.environment.chips_per_host_bounds
    if bounds is not None and math.prod(bounds) != len(visible):
        shown = ",".join(str(b) for b in bounds)
        which = f"{VISIBLE_CHIPS}={value!r} makes" if value is not None else "this host has"
        return (
            f"{CHIPS_PER_HOST_BOUNDS}={shown!r} lays out {math.prod(bounds)} chips, but "
            f"{which} {len(visible)} visible; set it (and {HOST_BOUNDS}) to cover exactly the "
            "visible chips, e.g. '1,2,1' and '1,1,1' for two",
        )
    if bounds is None and len(visible) < len(found.chips):
        return (
            f"{VISIBLE_CHIPS}={value!r} makes {len(visible)} of {len(found.chips)} chips "
            f"visible, but {CHIPS_PER_HOST_BOUNDS} is unset; libtpu needs it and {HOST_BOUNDS} "
            "to use part of a host, e.g. '1,2,1' and '1,1,1' for two chips",
        )
    return ()


def _selection(visible: tuple[HostChip, ...], value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    listed = ", ".join(str(chip.physical_index) for chip in visible)
    return (f"{VISIBLE_CHIPS}={value!r} selects chip(s) {listed} of this host",)


def _known(pairs: tuple[tuple[str, str | None], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((key, value) for key, value in pairs if value is not None)


def disagreements(info: PlatformInfo) -> list[str]:
    """The disagreements between signals that ``describe`` put in the evidence."""
    return [line[len(DISAGREEMENT):] for line in info.evidence if line.startswith(DISAGREEMENT)]
