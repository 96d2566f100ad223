"""The attention-backend registry: every ``AttentionBackendSpec`` one host's plugins
registered, traced to the plugin and distribution that provided it.

A host keeps its registry in its ``AttentionSelector`` and rebuilds it when
``HostPluginManager.generation`` changes, i.e. after an engine ``pm.register``-s an object
of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hwcore.errors import AttentionBackendError, DuplicateBackendError
from hwcore.records.attention import AttentionBackendSpec

if TYPE_CHECKING:
    from hwcore.host.host import Host


@dataclass(frozen=True)
class RegisteredBackend:
    """A backend spec and who registered it (``plugin`` name, ``provider`` distribution)."""

    spec: AttentionBackendSpec
    plugin: str
    provider: str


@dataclass(frozen=True)
class BackendRegistry:
    """An immutable snapshot of the registered backends, sorted by name (registration
    order depends on plugin load order, which must not decide anything)."""

    backends: dict[str, RegisteredBackend]
    generation: int

    def get(self, name: str) -> RegisteredBackend | None:
        return self.backends.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self.backends

    def __iter__(self) -> Iterator[RegisteredBackend]:
        return iter(self.backends.values())

    def names(self) -> list[str]:
        return list(self.backends)


def build_registry(host: Host) -> BackendRegistry:
    """Ask every ``register_attention_backends`` implementation of ``host``, one plugin at
    a time (through pluggy, so each backend is traced to its plugin), and collect the specs.

    Raise ``DuplicateBackendError`` when two plugins register the same name and
    ``AttentionBackendError`` when a plugin returns something that is not a list of specs.
    """
    pm = host.resolve()
    generation = pm.generation
    backends: dict[str, RegisteredBackend] = {}
    for hookimpl in pm.hook.register_attention_backends.get_hookimpls():
        if hookimpl.wrapper or hookimpl.hookwrapper:
            continue
        provider = host.provider_of(hookimpl.plugin_name)
        answers = pm.call_one("register_attention_backends", hookimpl.plugin)
        for spec in _specs_of(answers[0] if answers else None, hookimpl.plugin_name, provider):
            entry = RegisteredBackend(spec, hookimpl.plugin_name, provider)
            _refuse_duplicate(backends.get(spec.name), entry)
            backends[spec.name] = entry
    return BackendRegistry(dict(sorted(backends.items())), generation)


def _specs_of(answer: object, plugin: str, provider: str) -> list[AttentionBackendSpec]:
    items = [] if answer is None else answer
    if not isinstance(items, (list, tuple)) or not all(
        isinstance(item, AttentionBackendSpec) for item in items
    ):
        raise AttentionBackendError(
            f"plugin {plugin!r} ({provider}) returned {answer!r} from "
            "register_attention_backends; it must return a list of AttentionBackendSpec. "
            f"Report this to the maintainers of {provider}"
        )
    return list(items)


def _refuse_duplicate(existing: RegisteredBackend | None, new: RegisteredBackend) -> None:
    if existing is None:
        return
    first, second = sorted((existing, new), key=lambda entry: entry.plugin)
    raise DuplicateBackendError(
        f"attention backend {new.spec.name!r} is registered by plugin {first.plugin!r} "
        f"({first.provider}) and by plugin {second.plugin!r} ({second.provider}); a name must "
        "have one provider. Uninstall or disable one of them (HWCORE_PLUGINS lists the "
        "plugins to load), or rename the backend in the plugin you control"
    )
