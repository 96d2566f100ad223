"""Choosing the attention backend, per host: ask the platform's priority, check, cache.

``AttentionSelector`` belongs to one ``Host``. The core answers ``get_attn_backend_cls``
with it: on a request it has not seen, it asks ``get_attn_backend_priority`` for the
platform's candidates, checks each against the host's registry and the selection device
(the weakest visible one), and caches the answer; afterwards the call is one dict lookup
(an engine asks once per layer, thousands of times with the same request). Registering or
unregistering a plugin empties the cache and the registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from hwcore.attention.backend import AttentionBackend, load_backend_class
from hwcore.attention.registry import BackendRegistry, build_registry
from hwcore.attention.report import CandidateReport, SelectionReport, evaluate_candidates
from hwcore.errors import (
    AttentionBackendError,
    InvalidSelectedBackendError,
    NoValidBackendError,
    PluginContractError,
)
from hwcore.records.request import AttentionRequest

if TYPE_CHECKING:
    from hwcore.host.host import Host
    from hwcore.records.attention import AttentionBackendSpec
    from hwcore.records.platform import DeviceInfo

REFERENCE_BACKEND = "TORCH_SDPA"


class AttentionSelector:
    """The attention-backend registry and selection cache of one host."""

    def __init__(self, host: Host) -> None:
        self._host = host
        self._pm = host.plugin_manager
        self._generation = -1
        self._registry: BackendRegistry | None = None
        self._chosen: dict[tuple[str | None, AttentionRequest], str] = {}

    # ----------------------------------------------------------------- the hot path

    def select(self, selected_backend: str | None, request: AttentionRequest) -> str:
        """The class path of ``selected_backend``, or else of the first valid backend in the
        platform's priority for ``request``; cached per host and plugin generation."""
        if self._generation == self._pm.generation:
            try:
                found = self._chosen.get((selected_backend, request))
            except TypeError:  # an unhashable request: the slow path explains
                found = None
            if found is not None:
                return found
        return self._select_and_remember(selected_backend, request)

    # ------------------------------------------------------------------ the facts

    def registry(self) -> BackendRegistry:
        """Every backend this host's plugins registered (rebuilt after a plugin change)."""
        self._refresh()
        if self._registry is None:
            self._registry = build_registry(self._host)
        return self._registry

    def selection_device(self) -> DeviceInfo | None:
        """The device selection is checked against: the visible device with the lowest
        compute capability (every rank must run the backend), else device 0."""
        devices = self._host.platform_info.devices
        rated = [device for device in devices if device.capability is not None]
        if rated:
            return min(rated, key=lambda device: (device.capability, device.index))
        return devices[0] if devices else None

    def device_note(self) -> str:
        """How ``hwcore explain`` states which device selection was checked for."""
        device = self.selection_device()
        count = self._host.platform_info.device_count
        if device is None:
            return "no device is visible"
        described = f"device {device.index} ({device.name}"
        if device.capability is not None:
            described += f", compute capability {device.capability}"
        described += ")"
        if count == 1:
            return f"{described}, the only visible device"
        if device.capability is None:
            return f"{described}, the first of {count} visible devices"
        return f"{described}, the weakest of {count} visible devices"

    def priority(self, request: AttentionRequest) -> tuple[str, ...]:
        """The platform's candidate names for ``request``, best first."""
        answer = self._pm.hook.get_attn_backend_priority(
            request=request, device=self.selection_device()
        )
        if isinstance(answer, str) or not isinstance(answer, Sequence) or not all(
            isinstance(name, str) for name in answer
        ):
            platform = self._host.platform_info.name
            raise AttentionBackendError(
                f"get_attn_backend_priority returned {answer!r} on platform {platform!r} "
                f"({self._host.provider_of(platform)}); it must return a list of backend "
                "names. Report this to the maintainers of that distribution"
            )
        return tuple(dict.fromkeys(answer))

    def default_priority(self) -> list[str]:
        """Every registered backend for the platform's device type, by name, with the
        portable ``TORCH_SDPA`` last (the core's answer to ``get_attn_backend_priority``)."""
        device_type = self._host.platform_info.device_type
        names = [
            entry.spec.name for entry in self.registry()
            if not entry.spec.device_types or device_type in entry.spec.device_types
        ]
        return sorted(names, key=lambda name: name == REFERENCE_BACKEND)

    def spec_of(self, class_path: str) -> AttentionBackendSpec | None:
        """The registered spec whose class is ``class_path``, if any."""
        return next(
            (entry.spec for entry in self.registry() if entry.spec.class_path == class_path),
            None,
        )

    # -------------------------------------------------------------- explain's view

    def inspect(
        self, request: AttentionRequest, selected_backend: str | None = None, *,
        verify: bool = False,
    ) -> SelectionReport:
        """Every candidate in the platform's order, then the other registered backends for
        the device type, each checked; and what ``get_attn_backend_cls`` answers. Never
        raises a selection error: the report carries it.

        The checks read the records only. With ``verify``, every class path that passes them
        is also imported (which runs the backend's module code), and one that does not import
        becomes invalid with the reason; a chosen class that does not import is the error.
        """
        info = self._host.platform_info
        priority = list(self.priority(request))
        if selected_backend is not None and selected_backend not in priority:
            priority.insert(0, selected_backend)
        others = [name for name in self.default_priority() if name not in priority]
        candidates, rest = self._evaluate(priority, request), self._evaluate(others, request)
        if verify:
            candidates, rest = _imported(candidates), _imported(rest)
        chosen, error = None, None
        try:
            chosen = self._pm.hook.get_attn_backend_cls(
                selected_backend=selected_backend, request=request
            )
            if verify:
                self.load_class(chosen)
        except (AttentionBackendError, PluginContractError) as failure:
            chosen, error = None, str(failure)
        return SelectionReport(
            info.name, info.device_type, self.selection_device(), self.device_note(), request,
            selected_backend, tuple(candidates), tuple(rest), chosen, error, verify,
        )

    def load_class(self, class_path: str) -> type[AttentionBackend]:
        """Import the backend class at ``class_path``; a failure is a
        ``PluginContractError`` naming the plugin and distribution that registered it."""
        try:
            return load_backend_class(class_path)
        except Exception as error:  # whatever the module raises, the plugin is to blame
            entry = next(
                (entry for entry in self.registry() if entry.spec.class_path == class_path),
                None,
            )
            plugin = "(no plugin)" if entry is None else entry.plugin
            provider = "(unregistered)" if entry is None else entry.provider
            name = class_path if entry is None else entry.spec.name
            raise PluginContractError(
                f"attention backend {name} from plugin {plugin!r} ({provider}) names the class "
                f"{class_path}, which does not import: {type(error).__name__}: {error}. "
                f"Reinstall {provider.split(' ')[0]}, install what its module needs, or report "
                "this to its maintainers",
                plugin=plugin, distribution=provider,
            ) from error

    # ------------------------------------------------------------------ internals

    def _refresh(self) -> None:
        if self._generation != self._pm.generation:
            self._generation = self._pm.generation
            self._registry = None
            self._chosen = {}

    def _select_and_remember(self, selected_backend: str | None, request: AttentionRequest) -> str:
        if not isinstance(request, AttentionRequest):
            raise TypeError(
                "get_attn_backend_cls needs request=AttentionRequest(head_size=..., dtype=...) "
                f"(from hwcore.records), got {type(request).__name__}: {request!r}"
            )
        self._refresh()
        chosen = self._select(selected_backend, request)
        self._chosen[(selected_backend, request)] = chosen
        return chosen

    def _select(self, selected_backend: str | None, request: AttentionRequest) -> str:
        if selected_backend is not None:
            [report] = self._evaluate([selected_backend], request)
            if report.valid and report.class_path is not None:
                return report.class_path
            valid = [c.name for c in self._evaluate(self.priority(request), request) if c.valid]
            raise self._invalid_selected(report, request, valid)
        reports = self._evaluate(self.priority(request), request)
        for report in reports:
            if report.valid and report.class_path is not None:
                return report.class_path
        raise self._no_valid(reports, request)

    def _evaluate(self, names: Sequence[str], request: AttentionRequest) -> list[CandidateReport]:
        info = self._host.platform_info
        device = self.selection_device()
        return evaluate_candidates(
            names, request, self.registry(), info.device_type,
            None if device is None else device.capability, dict(info.backend_hints),
        )

    def _label(self) -> str:
        info = self._host.platform_info
        return (
            f"{info.device_type} (platform {info.name!r}, {self._host.provider_of(info.name)}; "
            f"checked for {self.device_note()})"
        )

    def _invalid_selected(
        self, report: CandidateReport, request: AttentionRequest, valid: list[str]
    ) -> InvalidSelectedBackendError:
        alternatives = ", ".join(valid) if valid else "none of the platform's candidates"
        return InvalidSelectedBackendError(
            f"Selected attention backend {report.name} cannot run this request on "
            f"{self._label()} with {request.describe()}: {'; '.join(report.reasons)}. "
            "hwcore does not fall back from an explicit choice; change the request or select "
            f"another backend (valid here: {alternatives})"
        )

    def _no_valid(
        self, reports: list[CandidateReport], request: AttentionRequest
    ) -> NoValidBackendError:
        lines = [f"  {r.name}: {'; '.join(r.reasons)}" for r in reports] or ["  (no candidates)"]
        return NoValidBackendError(
            f"No valid attention backend for {self._label()} with {request.describe()}. "
            "Reasons:\n" + "\n".join(lines) + "\n" + self._kv_cache_hint(reports)
            + "Change what the reasons name: the dtype, KV-cache dtype, block size or head "
            "size to one a backend supports, install a missing package or plugin, or select "
            "a backend explicitly"
        )

    def _kv_cache_hint(self, reports: list[CandidateReport]) -> str:
        """vLLM's ROCm hint, for every platform: the KV-cache dtypes that the candidates
        rejecting this one do accept."""
        registry = self.registry()
        accepted = sorted({
            dtype
            for report in reports
            if any(reason.startswith("kv_cache_dtype") for reason in report.reasons)
            and (entry := registry.get(report.name)) is not None
            for dtype in entry.spec.kv_cache_dtypes
        })
        return f"Supported kv_cache_dtype values: {', '.join(accepted)}.\n" if accepted else ""


def _imported(reports: list[CandidateReport]) -> list[CandidateReport]:
    """The reports with a reason added to each valid candidate whose class does not import."""
    checked = []
    for report in reports:
        if report.valid and report.class_path is not None:
            try:
                load_backend_class(report.class_path)
            except Exception as error:  # the class may fail in any way; the reason says how
                reason = (
                    f"class {report.class_path} does not import: {type(error).__name__}: {error}"
                )
                report = CandidateReport(report.name, report.class_path, report.provider, (reason,))
        checked.append(report)
    return checked
