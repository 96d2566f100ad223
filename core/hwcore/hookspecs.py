"""The hook contract between hwcore and its plugins.

Hook names follow vLLM's ``Platform`` methods so a vLLM platform ports hook by hook
(``docs/vllm-mapping.md`` has the table). Each docstring is the contract: when the hook is
called, who answers, what ``None`` means, what to raise, and the order of answers.

Two kinds of plugin implement these hooks:

* **platform plugins** (entry-point group ``hwcore.platforms``) must implement
  ``detect_platform``. After resolution exactly one of them, the active platform, is
  registered; the others are blocked.
* **general plugins** (group ``hwcore.plugins``), e.g. a package that adds attention
  backends, must not implement ``detect_platform``; they stay registered whatever platform
  is active.

Order of answers: the active platform first, then the general plugins, then the core's
defaults (registered ``trylast``), so a ``firstresult`` hook reaches the defaults only when
nobody else answered. A general plugin that must override the platform marks its hookimpl
``tryfirst=True``. A plugin module declares the contract
version it was written for as ``HWCORE_CONTRACT_VERSION = "1.0"``; see ``CONTRACT_VERSION``.

Every hook is called with keyword arguments (pluggy's rule):
``pm.hook.get_device_name(device_id=0)``. An implementation may accept fewer arguments
than its spec, never more or others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hwcore._markers import hookspec

if TYPE_CHECKING:
    from hwcore.records import (
        AttentionBackendSpec,
        ConfigAdjustment,
        DeviceCapability,
        EngineConfig,
        PlatformAbsent,
        PlatformInfo,
    )

CONTRACT_VERSION = "1.0"
"""The version of this contract, ``MAJOR.MINOR``.

A plugin declaring ``X.Y`` loads when ``X`` equals the core's major version and ``Y`` is at
most the core's minor version. Adding a hook or an optional hook argument raises the minor
version (old plugins keep working, since pluggy lets an implementation take fewer
arguments); removing or changing the meaning of a hook or argument raises the major version.
"""

# --------------------------------------------------------------------------- detection


@hookspec(firstresult=True)
def detect_platform() -> PlatformInfo | PlatformAbsent | None:
    """Say whether this platform's hardware is present.

    Called by the host once per process for each platform plugin, one plugin at a time, in
    name order, before any other hook; the answer is cached. After resolution the call
    reaches only the active platform and returns its ``PlatformInfo``.

    Return ``PlatformInfo`` when the hardware is present, with ``evidence`` saying what was
    found. Return ``PlatformAbsent(reason)`` when it is not, saying what was looked at
    (``None`` also means absent, but leaves ``hwcore explain`` without a reason).

    Detection must be cheap and side-effect free: import no torch unless the platform cannot
    be detected without it, create no device context, set no environment variable, print
    nothing, use no network. Raise only for a real fault (the host records the exception,
    with its timing, in the detection report and treats the platform as absent). Set
    ``is_fallback=True`` only for a host-CPU platform: it activates only when no
    accelerator did.

    Example::

        @hookimpl
        def detect_platform():
            count = nvml_device_count()
            if count == 0:
                return PlatformAbsent("NVML reports no devices")
            return PlatformInfo(name="cuda", device_name="cuda", device_type="cuda",
                                dispatch_key="CUDA", dist_backend="nccl",
                                device_count=count, evidence=(f"NVML reports {count} devices",))
    """


@hookspec
def log_warnings() -> list[str] | None:
    """Return warnings about the platform's set-up that the user should see, or ``None``.

    Called by ``hwcore info``, ``hwcore check`` and ``Platform.log_warnings`` after
    resolution; every plugin's list is shown. Example: GPU models are mixed and
    ``CUDA_DEVICE_ORDER`` is not ``PCI_BUS_ID``. Must not raise.
    """


# ------------------------------------------------------------------------ device queries


@hookspec(firstresult=True)
def get_device_count() -> int | None:
    """Return the number of devices visible to this process.

    Honour the platform's visibility variable (``CUDA_VISIBLE_DEVICES`` ...). Return
    ``None`` to let the core default answer with ``PlatformInfo.device_count``.
    """


@hookspec(firstresult=True)
def get_device_name(device_id: int) -> str | None:
    """Return the marketing name of logical device ``device_id`` (``"NVIDIA H100 80GB
    HBM3"``). ``None`` passes to the next implementation; the core default raises
    ``NotImplementedError`` naming the platform. Raise ``IndexError`` for a device id out
    of range."""


@hookspec(firstresult=True)
def get_device_uuid(device_id: int) -> str | None:
    """Return the stable UUID of logical device ``device_id``. ``None`` passes on; the core
    default raises ``NotImplementedError``."""


@hookspec(firstresult=True)
def get_device_capability(device_id: int) -> DeviceCapability | None:
    """Return the compute capability of logical device ``device_id``.

    Must not create a device context (query NVML, amdsmi or sysfs, not torch). ``None``
    means the platform has no capability notion (the core default); attention backends
    with a capability range are then rejected with that reason.
    """


@hookspec(firstresult=True)
def get_device_total_memory(device_id: int) -> int | None:
    """Return the total memory of logical device ``device_id`` in bytes, without creating
    a device context. ``None`` passes on; the core default raises ``NotImplementedError``."""


@hookspec(firstresult=True)
def device_id_to_physical_device_id(device_id: int) -> int | None:
    """Map a logical device index to the physical index the vendor library uses.

    The core default reads ``PlatformInfo.device_control_env_var`` as a comma-separated list
    of integers (unset: identity). Platforms whose variable also takes UUIDs answer
    themselves. Raise ``ValueError`` naming the variable and its value for an entry that
    cannot be mapped, and ``IndexError`` for a ``device_id`` beyond the list; never return a
    wrong device.

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


@hookspec(firstresult=True)
def is_fully_connected(physical_device_ids: list[int]) -> bool | None:
    """Return whether every pair of the given physical devices has a direct high-speed link
    (NVLink, XGMI). The core default answers ``False``.

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


@hookspec(firstresult=True)
def get_supported_dtypes() -> list[str] | None:
    """Return the model dtypes the device computes in, preferred first (``"bfloat16"``,
    ``"float16"``, ``"float32"``); the first is used when the model dtype is ``"auto"``.
    The core default answers ``["bfloat16", "float16", "float32"]``.

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


@hookspec(firstresult=True)
def supports_fp8() -> bool | None:
    """Return whether the device has native FP8 compute. Core default: ``False``.

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


@hookspec(firstresult=True)
def supports_mx() -> bool | None:
    """Return whether the device has native MX (microscaling) formats. Core default:
    ``False``.

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


@hookspec(firstresult=True)
def is_fp8_fnuz() -> bool | None:
    """Return whether the preferred FP8 format is FNUZ (AMD MI300). Core default: ``False``.

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


@hookspec(firstresult=True)
def fp8_dtype() -> str | None:
    """Return the name of the torch FP8 dtype to use. Core default: ``"float8_e4m3fn"``.

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


# ------------------------------------------------------------------ config validation


@hookspec
def check_and_update_config(config: EngineConfig) -> list[ConfigAdjustment] | None:
    """Validate ``config`` for this platform and return the adjustments it needs.

    Called by ``Platform.check_and_update_config`` (and ``hwcore check``) once per config.
    Every implementation answers: the active platform and each general plugin, in pluggy
    order; the facade passes each one the config as adjusted by those before it and applies
    the adjustments with ``EngineConfig.apply``. Never mutate the config: return one
    ``ConfigAdjustment(field, old, new, reason)`` per change, or ``None``/``[]`` for none.
    Raise ``InvalidConfigError`` naming the field, the value and what to use instead when
    the config cannot run here.
    """


@hookspec
def verify_quantization(quant: str) -> None:
    """Raise ``InvalidConfigError`` if quantization method ``quant`` cannot run here.

    Every implementation is called; any may raise. The core default rejects methods missing
    from a non-empty ``PlatformInfo.supported_quantization`` (empty means all allowed).

    Return ``None`` when the value is acceptable; the return value is ignored.
    """


@hookspec
def verify_model_arch(architecture: str) -> None:
    """Raise ``InvalidConfigError`` if model architecture ``architecture`` (e.g.
    ``"LlamaForCausalLM"``) cannot run here. Every implementation is called; the core
    default allows everything.

    Return ``None`` when the value is acceptable; the return value is ignored.
    """


@hookspec
def check_if_supports_dtype(dtype: Any) -> None:
    """Raise ``UnsupportedDtypeError`` if the device cannot compute in ``dtype`` (a name
    such as ``"bfloat16"`` or a ``torch.dtype``), saying which dtype to use instead.

    Every implementation is called; the core default rejects dtypes missing from
    ``get_supported_dtypes``.

    Return ``None`` when the value is acceptable; the return value is ignored.
    """


@hookspec(firstresult=True)
def check_max_model_len(max_model_len: int) -> int | None:
    """Return the largest context length the platform can serve given the requested one
    (vLLM's default is the identity, which is the core default here).

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


# ---------------------------------------------------------------------------- attention


@hookspec
def register_attention_backends() -> list[AttentionBackendSpec] | None:
    """Return the attention backends this plugin provides, as ``AttentionBackendSpec``.

    Called once per resolved host, and again after a plugin is registered or
    unregistered, to build the registry. Every implementation answers (the core contributes
    ``TORCH_SDPA``); ``None`` contributes nothing. The same name from two plugins is a
    ``DuplicateBackendError`` naming both. Register only backends whose class this plugin
    ships or can import; an engine registers its own by ``pm.register``-ing an object with
    this hook.
    """


@hookspec(firstresult=True)
def get_attn_backend_cls(
    selected_backend: str | None,
    head_size: int,
    dtype: Any,
    kv_cache_dtype: str | None,
    block_size: int | None,
    use_mla: bool,
    has_sink: bool,
    use_sparse: bool,
) -> str | None:
    """Return the dotted class path of the attention backend to use for this request.

    The active platform answers by walking its priority list with
    ``hwcore.attention.select_attention_backend``, which caches per argument set, checks
    every candidate against the registry and raises ``NoValidBackendError`` listing every
    candidate's reasons, or ``InvalidSelectedBackendError`` when ``selected_backend`` was
    given and cannot run the request (never a silent fallback). ``None`` passes on; the core
    default walks every registered backend for the platform's device type. ``dtype`` is a
    name or a ``torch.dtype``; ``kv_cache_dtype`` and ``block_size`` may be ``None`` (auto).
    """


# ---------------------------------------------------------------------------- memory ops


@hookspec(firstresult=True)
def insert_blocks_to_device(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    """Copy blocks ``src_cache[src_block_indices]`` (host) into
    ``dst_cache[dst_block_indices]`` (device); blocks are on dim 0.

    Return ``dst_cache`` once the copy is issued (the core primitive synchronises where the
    source could be reused before the copy ends). ``None`` passes on; the core default uses
    ``hwcore.memory.copy_blocks``. Validate every argument before the first byte moves and
    raise ``MemoryOpError`` leaving ``dst_cache`` unchanged.
    """


@hookspec(firstresult=True)
def swap_out_blocks_to_host(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    """Copy blocks ``src_cache[src_block_indices]`` (device) into
    ``dst_cache[dst_block_indices]`` (host); the mirror of ``insert_blocks_to_device``,
    with the same contract: return ``dst_cache``, or ``None`` to let the next
    implementation copy."""


@hookspec(firstresult=True)
def is_pin_memory_available() -> bool | None:
    """Return whether page-locked host memory can be used for transfers. The core default
    answers ``True`` except under WSL.

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


@hookspec(firstresult=True)
def get_current_memory_usage(device_id: int) -> int | None:
    """Return the bytes in use on logical device ``device_id``. May import torch (call it
    after the engine has). ``None`` passes on; the core default raises
    ``NotImplementedError``."""


# --------------------------------------------------------------------------- distributed


@hookspec(firstresult=True)
def get_device_communicator_cls() -> str | None:
    """Return the dotted path of the engine's device-communicator class for this platform,
    or ``None`` for the engine's own default."""


@hookspec(firstresult=True)
def stateless_init_device_torch_dist_pg(
    backend: str, prefix_store: Any, group_rank: int, group_size: int, timeout: Any
) -> Any:
    """Build a torch.distributed process group for this device without touching the global
    default group. ``None`` passes on; the core default raises ``NotImplementedError``."""


@hookspec(firstresult=True)
def use_custom_allreduce() -> bool | None:
    """Return whether the engine's custom all-reduce kernel can be used (e.g. CUDA only
    when every device pair is NVLink-connected). Core default: ``False``.

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """
