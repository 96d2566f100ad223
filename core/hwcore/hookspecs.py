"""The hook contract between hwcore and its plugins, version 2.0.

Hook names follow vLLM's ``Platform`` methods so a vLLM platform ports hook by hook
(``docs/vllm-mapping.md`` has the table). Each docstring is the contract: when the hook is
called, who answers, what ``None`` means, what to raise, and the order of answers.

**Facts are records, questions are hooks.** ``detect_platform`` returns one
``PlatformInfo`` holding every static fact, the devices included (``DeviceInfo`` records);
no hook asks for a single fact. Hooks remain for what depends on the moment (memory in use),
on a request (attention), on a config (validation), and for actions (copies, process
groups).

Two kinds of plugin implement these hooks:

* **platform plugins** (entry-point group ``hwcore.platforms``) must implement
  ``detect_platform``. After resolution exactly one of them, the active platform, is
  registered; the others are blocked.
* **general plugins** (group ``hwcore.plugins``), e.g. a package that adds attention
  backends, must not implement ``detect_platform``; they stay registered whatever platform
  is active. Two general plugins answering the same first-result hook is a conflict the host
  reports; it is never decided by registration order.

Order of answers: the active platform first, then the general plugins, then the core's
defaults (registered ``trylast``), so a ``firstresult`` hook reaches the defaults only when
nobody else answered. A general plugin that must override the platform marks its hookimpl
``tryfirst=True``.

**The ``platform`` argument.** Hooks that take ``platform`` receive the host's typed facade,
``hwcore.Platform`` (what vLLM's platform methods call ``cls``): ``platform.info`` is the
active ``PlatformInfo``, ``platform.devices()`` its devices, ``platform.environ`` the
environment the host reads, ``platform.get_attn_backend_cls(...)`` this host's selection.
hwcore supplies it; callers of ``pm.hook.<name>(...)`` never pass it. An implementation
takes it only if it needs it, and never reaches for the process-wide host instead, so two
hosts in one process (an engine's and a test's) never see each other.

Every hook is called with keyword arguments (pluggy's rule). An implementation may accept
fewer arguments than its spec, never more or others. A plugin module declares the contract
it was written for as ``HWCORE_CONTRACT_VERSION = "2.0"``; see ``CONTRACT_VERSION``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from hwcore._markers import hookspec

if TYPE_CHECKING:
    from hwcore.facade import Platform
    from hwcore.records import (
        AttentionBackendSpec,
        AttentionRequest,
        ConfigAdjustment,
        DeviceInfo,
        EngineConfig,
        PlatformAbsent,
        PlatformInfo,
        ValidatedConfig,
    )

CONTRACT_VERSION = "2.0"
"""The version of this contract, ``MAJOR.MINOR``.

A plugin declaring ``X.Y`` loads when ``X`` equals the core's major version and ``Y`` is at
most the core's minor version. Adding a hook, an optional hook argument or a field with a
default to a record raises the minor version (old plugins keep working, since pluggy lets an
implementation take fewer arguments); removing or changing the meaning of a hook, an
argument or a field raises the major version. 2.0 replaced 1.0's hook per device fact with
records and gave hooks the ``platform`` argument (``docs/writing-a-backend.md`` has the
migration).
"""

PLATFORM_ARGUMENT = "platform"
"""The argument hwcore fills in for every hook that declares it."""

# --------------------------------------------------------------------------- detection


@hookspec(firstresult=True)
def detect_platform(environ: Mapping[str, str]) -> PlatformInfo | PlatformAbsent | None:
    """Say whether this platform's hardware is present, and return its facts.

    Called by the host once per host for each platform plugin, one plugin at a time, in
    name order, through pluggy (so tracing and ``HookRecorder`` see it), before any other
    hook. ``environ`` is a read-only view of the environment the host reads (the process
    environment, or a test's dict): read visibility variables and filesystem roots from it.

    Return ``PlatformInfo`` when the hardware is present, with ``evidence`` saying what was
    found and ``devices`` listing the devices this process sees (apply the visibility
    variable here). Return ``PlatformAbsent(reason)`` when it is not, saying what was looked
    at (``None`` also means absent, but leaves ``hwcore explain`` without a reason). When the
    hardware is there but cannot be used as configured (a visibility variable that cannot be
    mapped), return ``PlatformInfo`` with ``unusable_reason``: the host refuses it with that
    message rather than silently running elsewhere.

    Detection must be cheap and side-effect free: import no torch unless the platform cannot
    be detected without it, create no device context, set no environment variable, print
    nothing, use no network. Raise only for a real fault (the host records the exception,
    with its timing, in the detection report and treats the platform as absent). Set
    ``is_fallback=True`` only for a host-CPU platform: it activates only when no
    accelerator did.

    Example::

        @hookimpl
        def detect_platform(environ):
            gpus = read_gpu_table()                     # the vendor seam
            if not gpus:
                return PlatformAbsent("the driver reports no GPUs")
            devices = tuple(DeviceInfo(index=i, physical_index=g.index, name=g.name)
                            for i, g in enumerate(gpus))
            return PlatformInfo(name="mychip", device_name="mychip", device_type="cuda",
                                dispatch_key="CUDA", dist_backend="nccl", devices=devices,
                                evidence=(f"the driver reports {len(gpus)} GPUs",))
    """


@hookspec
def log_warnings(platform: Platform) -> list[str] | None:
    """Return warnings about the platform's set-up that the user should see, or ``None``.

    Called by ``hwcore info``, ``hwcore check`` and ``Platform.log_warnings`` after
    resolution; every plugin's list is shown. Example: GPU models are mixed and
    ``CUDA_DEVICE_ORDER`` is not ``PCI_BUS_ID``. Must not raise.
    """


# --------------------------------------------------------------- dynamic device queries


@hookspec(firstresult=True)
def is_fully_connected(physical_device_ids: list[int], platform: Platform) -> bool | None:
    """Return whether every pair of the given physical devices has a direct high-speed link
    (NVLink, XGMI). The core default answers ``PlatformInfo.fully_connected`` when the ids
    are every visible device, else ``False``.

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


@hookspec(firstresult=True)
def get_current_memory_usage(device_id: int, platform: Platform) -> int | None:
    """Return the bytes in use on logical device ``device_id`` now. May import torch (call
    it after the engine has). ``None`` passes on; the core default raises
    ``NotImplementedError`` naming the platform. Raise ``IndexError`` for a device that is
    not visible."""


@hookspec(firstresult=True)
def get_device_free_memory(device_id: int, platform: Platform) -> int | None:
    """Return the bytes free on logical device ``device_id`` now, without creating a device
    context where the vendor library allows it. ``None`` passes on; the core default raises
    ``NotImplementedError`` naming the platform. Raise ``IndexError`` for a device that is
    not visible."""


# ------------------------------------------------------------------ config validation


@hookspec
def check_and_update_config(
    config: EngineConfig, platform: Platform
) -> list[ConfigAdjustment] | ValidatedConfig | None:
    """Validate ``config`` for this platform and return the adjustments it needs.

    Called once per config by whoever validates it: ``pm.hook.check_and_update_config(
    config=config)`` and ``Platform.check_and_update_config(config)`` are the same call.
    Every implementation answers, each against the config it is given; never mutate it:
    return one ``ConfigAdjustment(field, old, new, reason)`` per change, or ``None``/``[]``
    for none. Raise ``InvalidConfigError`` naming the field, the value and what to use
    instead when the config cannot run here.

    The core merges the answers (platform first, then general plugins, each list in its
    own order) and **the hook call returns a** ``ValidatedConfig``: the adjusted config and
    every adjustment. Two plugins setting one field to different values is an
    ``InvalidConfigError`` naming both adjustments; the same change twice counts once.
    """


@hookspec
def verify_quantization(quant: str, platform: Platform) -> None:
    """Raise ``InvalidConfigError`` if quantization method ``quant`` cannot run here.

    Every implementation is called; any may raise. The core default rejects methods missing
    from a non-empty ``PlatformInfo.supported_quantization`` (empty means all allowed).

    Return ``None`` when the value is acceptable; the return value is ignored.
    """


@hookspec
def verify_model_arch(architecture: str, platform: Platform) -> None:
    """Raise ``InvalidConfigError`` if model architecture ``architecture`` (e.g.
    ``"LlamaForCausalLM"``) cannot run here. Every implementation is called; the core
    default allows everything.

    Return ``None`` when the value is acceptable; the return value is ignored.
    """


@hookspec
def check_if_supports_dtype(dtype: Any, platform: Platform) -> None:
    """Raise ``UnsupportedDtypeError`` if the devices cannot compute in ``dtype`` (a name
    such as ``"bfloat16"`` or a ``torch.dtype``), saying which dtype to use instead.

    Every implementation is called; the core default rejects dtypes missing from
    ``PlatformInfo.supported_dtypes``. A platform adds its own wording (vLLM's bfloat16
    message on old GPUs) by raising first.

    Return ``None`` when the value is acceptable; the return value is ignored.
    """


@hookspec(firstresult=True)
def check_max_model_len(max_model_len: int, platform: Platform) -> int | None:
    """Return the largest context length the platform can serve given the requested one
    (vLLM's default is the identity, which is the core default here).

    Return ``None`` to let the next implementation (in the end the core default) answer.
    """


# ---------------------------------------------------------------------------- attention


@hookspec
def register_attention_backends(platform: Platform) -> list[AttentionBackendSpec] | None:
    """Return the attention backends this plugin provides, as ``AttentionBackendSpec``.

    Called once per host after activation, and again after a plugin is registered or
    unregistered, to build that host's registry. Every implementation answers (the core
    contributes ``TORCH_SDPA``); ``None`` contributes nothing. The same name from two
    plugins is a ``DuplicateBackendError`` naming both. Register only backends whose class
    this plugin ships or can import; an engine registers its own by ``pm.register``-ing an
    object with this hook.
    """


@hookspec(firstresult=True)
def get_attn_backend_priority(
    request: AttentionRequest, device: DeviceInfo, platform: Platform
) -> Sequence[str] | None:
    """Return the names of the backends to try for ``request``, best first.

    Called by the core when ``get_attn_backend_cls`` meets a request it has not answered
    yet on this host (and by ``hwcore explain``), so it runs once per distinct request.
    ``device`` is the device selection is made for: the weakest visible one (the lowest
    compute capability), since every rank must run the chosen backend. List names whether
    or not a plugin registered them: the core validates each name against the registry and
    the request, takes the first valid one, and otherwise raises one error listing every
    candidate's reasons (``PlatformInfo.backend_hints`` says what would provide a name
    nobody registered). Put the runnable reference ``TORCH_SDPA`` last where it can run on
    your device, and leave it out where it cannot.

    Return ``None`` to let the next implementation answer; the core default lists every
    registered backend for the device type, by name, ``TORCH_SDPA`` last.
    """


@hookspec(firstresult=True)
def get_attn_backend_cls(selected_backend: str | None, request: AttentionRequest) -> str | None:
    """Return the dotted class path of the attention backend to use for ``request``.

    This is what engines call, once per layer kind, and often: the core answers it per
    host, caches each answer, and takes the candidates from ``get_attn_backend_priority``.
    ``selected_backend`` is a backend name the user chose; when it cannot run the request
    the call raises ``InvalidSelectedBackendError`` with all its reasons (never a silent
    fallback). No valid candidate raises ``NoValidBackendError`` listing every candidate's
    reasons. Platforms customise selection through ``get_attn_backend_priority``; a plugin
    that answers here itself takes over caching and validation too.

    Example::

        request = AttentionRequest(head_size=128, dtype=torch.bfloat16)
        path = pm.hook.get_attn_backend_cls(selected_backend=None, request=request)
    """


# ---------------------------------------------------------------------------- memory ops


@hookspec(firstresult=True)
def insert_blocks_to_device(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    """Copy blocks ``src_cache[src_block_indices]`` (host) into
    ``dst_cache[dst_block_indices]`` (device); blocks are on dim 0.

    Return ``dst_cache`` once the copy is complete. ``None`` passes on; the core default
    uses ``hwcore.memory`` with the platform's device type. Validate every argument before
    the first byte moves and raise ``MemoryOpError`` leaving ``dst_cache`` unchanged.
    """


@hookspec(firstresult=True)
def swap_out_blocks_to_host(
    src_cache: Any, dst_cache: Any, src_block_indices: Any, dst_block_indices: Any
) -> Any:
    """Copy blocks ``src_cache[src_block_indices]`` (device) into
    ``dst_cache[dst_block_indices]`` (host); the mirror of ``insert_blocks_to_device``,
    with the same contract: return ``dst_cache``, or ``None`` to let the next
    implementation copy."""


# --------------------------------------------------------------------------- distributed


@hookspec(firstresult=True)
def stateless_init_device_torch_dist_pg(
    backend: str,
    prefix_store: Any,
    group_rank: int,
    group_size: int,
    timeout: Any,
    platform: Platform,
) -> Any:
    """Build a ``torch.distributed.ProcessGroup`` of ``backend`` (``"gloo"``, ``"nccl"``,
    ``"xccl"``) from ``prefix_store`` for this process (``group_rank`` of ``group_size``),
    without touching torch's default group; ``timeout`` is a ``datetime.timedelta``.

    Raise ``ValueError`` for arguments that cannot work (a rank outside the group, a size
    below 1, a backend the platform cannot run) before any connection is made. ``None``
    passes on; the core default builds gloo, NCCL or XCCL groups through torch.distributed
    (``hwcore.distributed.stateless_init_device_torch_dist_pg``), raising
    ``hwcore.distributed.InvalidProcessGroupError`` (a ``ValueError``) for such arguments and
    ``BackendUnavailableError`` when the installed torch lacks the backend. A platform
    implements this hook only for a backend the core does not build (a vendor's own).
    """
