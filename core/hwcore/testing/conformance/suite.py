"""``PlatformConformance``: the tests every ``hwcore.platforms`` plugin must pass.

Subclass it in your distribution's tests and name your plugin::

    from hwcore.testing.conformance import PlatformConformance

    class TestMyChip(PlatformConformance):
        plugin = "mychip"                       # the entry-point name
        # plugin_module = "hwcore_mychip.plugin"  # test a source tree without installing it

Tests that need the hardware skip, naming the reason detection gave, when it is absent, so
the same class runs in CPU-only CI and on the device. Every failure says what is wrong in
one sentence and what to do instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import pytest

from hwcore.errors import HwcoreError, InvalidConfigError
from hwcore.hookspecs import PLATFORM_ARGUMENT
from hwcore.host import HostPluginManager
from hwcore.host.isolation import environment_changes, restore_environment
from hwcore.records import (
    AttentionRequest,
    CacheConfig,
    EngineConfig,
    PlatformAbsent,
    PlatformInfo,
)
from hwcore.testing.conformance import (
    attention_checks,
    config_checks,
    detection_checks,
    hook_checks,
)
from hwcore.testing.conformance.target import PluginUnderTest, TargetError, load_target
from hwcore.testing.isolated_host import IsolatedHost

if TYPE_CHECKING:
    import torch

    from hwcore.facade import Platform


def fail(message: str) -> NoReturn:
    """Fail with ``message`` alone: the sentence is the diagnosis, a traceback adds nothing."""
    pytest.fail(message, pytrace=False)


class PlatformConformance:
    """Base class of a backend's conformance tests; set ``plugin`` in the subclass."""

    plugin: ClassVar[str] = ""
    """The platform's entry-point name in ``hwcore.platforms`` (and its ``PlatformInfo.name``)."""

    plugin_module: ClassVar[ModuleType | str | None] = None
    """The plugin module (or its dotted name) to test instead of the installed entry point."""

    hardware_environ: ClassVar[Mapping[str, str]] = {}
    """Environment variables set for every test, e.g. what makes a simulator present."""

    absent_environ: ClassVar[Mapping[str, str | None]] = {}
    """Changes that hide the hardware (``None`` removes a variable), so the absent path is
    also tested on a machine that has the device. Without them that test skips there."""

    default_head_size: ClassVar[int] = 128
    """The head size of the default attention request."""

    # ------------------------------------------------------------------ fixtures

    @pytest.fixture(scope="class")
    @classmethod
    def conformance_target(cls) -> PluginUnderTest:
        try:
            return load_target(cls.plugin, cls.plugin_module)
        except TargetError as error:
            fail(str(error))

    @pytest.fixture(autouse=True)
    def conformance_environ(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, value in self.hardware_environ.items():
            monkeypatch.setenv(name, value)

    @pytest.fixture
    def conformance_manager(self, conformance_target: PluginUnderTest) -> HostPluginManager:
        """A plugin manager holding only the plugin under test (no core defaults)."""
        problem = hook_checks.registration_problem(conformance_target)
        if problem is not None:
            fail(problem)
        manager = HostPluginManager()
        manager.register(conformance_target.plugin, name=conformance_target.name)
        return manager

    @pytest.fixture
    def conformance_info(self, conformance_manager: HostPluginManager) -> PlatformInfo:
        """The platform's ``PlatformInfo``; the test skips when the hardware is absent."""
        answer = _detect(conformance_manager)
        if isinstance(answer, PlatformInfo):
            return answer
        reason = (
            answer.reason if isinstance(answer, PlatformAbsent) else "detect_platform returned None"
        )
        pytest.skip(f"the hardware is absent: {reason}")

    @pytest.fixture
    def conformance_host(
        self, conformance_target: PluginUnderTest, conformance_info: PlatformInfo
    ) -> Iterator[IsolatedHost]:
        """A process-wide host that holds only this plugin, resolved, reading the process
        environment as the test set it up (``hardware_environ`` included)."""
        with IsolatedHost(environ=os.environ) as host:
            host.add_candidates([conformance_target.candidate])
            try:
                host.host.resolve()
            except HwcoreError as error:
                fail(f"hwcore cannot activate {conformance_target.label}: {error}")
            yield host

    @pytest.fixture
    def conformance_platform(self, conformance_host: IsolatedHost) -> Platform:
        return conformance_host.platform()

    @pytest.fixture(scope="class")
    @classmethod
    def conformance_probe(cls, conformance_target: PluginUnderTest) -> dict[str, Any]:
        """Side effects of loading and detecting the plugin in a fresh interpreter."""
        environ = {**os.environ, **cls.hardware_environ}
        report = detection_checks.run_detection_probe(conformance_target, environ)
        if "failure" in report:
            fail(
                f"loading and detecting {conformance_target.label} in a fresh interpreter "
                f"failed:\n{report['failure']}"
            )
        return report

    def make_host_cache(self, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        """A host KV cache for the memory tests."""
        import torch

        return torch.zeros(shape, dtype=dtype)

    def make_device_cache(
        self, info: PlatformInfo, shape: tuple[int, ...], dtype: torch.dtype
    ) -> torch.Tensor:
        """A device KV cache for the memory tests; override if torch names the device
        differently from ``info.device_type``."""
        import torch

        return torch.zeros(shape, dtype=dtype, device=info.device_type)

    # ------------------------------------------------------------------ contract

    def test_contract_version_is_declared_and_compatible(
        self, conformance_target: PluginUnderTest
    ) -> None:
        problem = hook_checks.contract_version_problem(conformance_target)
        if problem is not None:
            fail(problem)

    def test_hookimpls_match_their_specs(self, conformance_target: PluginUnderTest) -> None:
        problem = hook_checks.registration_problem(conformance_target)
        if problem is not None:
            fail(problem)

    def test_hook_functions_are_marked(self, conformance_target: PluginUnderTest) -> None:
        problem = hook_checks.unmarked_hook_problem(conformance_target)
        if problem is not None:
            fail(problem)

    # ----------------------------------------------------------------- detection

    def test_detect_platform_answers_validly(
        self, conformance_target: PluginUnderTest, conformance_manager: HostPluginManager
    ) -> None:
        problem = detection_checks.answer_problem(conformance_target, _detect(conformance_manager))
        if problem is not None:
            fail(problem)

    def test_detect_platform_is_idempotent(self, conformance_manager: HostPluginManager) -> None:
        first, second = _detect(conformance_manager), _detect(conformance_manager)
        if first != second:
            fail(
                f"detect_platform answered {first!r}, then {second!r}; it must answer the same "
                "each time"
            )

    def test_detect_platform_prints_nothing(
        self, conformance_manager: HostPluginManager, capfd: pytest.CaptureFixture[str]
    ) -> None:
        capfd.readouterr()
        _detect(conformance_manager)
        printed = capfd.readouterr()
        if printed.out:
            fail(
                f"detect_platform printed to stdout: {printed.out!r}; detection must print "
                "nothing (log at debug level instead)"
            )
        if printed.err:
            fail(
                f"detect_platform printed to stderr: {printed.err!r}; detection must print "
                "nothing (log at debug level instead)"
            )

    def test_detect_platform_changes_no_environment_variable(
        self, conformance_manager: HostPluginManager
    ) -> None:
        changes = _detect_with_changes(conformance_manager)[1]
        if changes:
            fail(
                f"detect_platform changed os.environ: {'; '.join(changes)}; detection must not "
                "set, change or remove environment variables"
            )

    def test_detect_platform_reports_absence_without_raising(
        self, conformance_manager: HostPluginManager, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for name, value in self.absent_environ.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        answer = _detect(conformance_manager)
        if isinstance(answer, PlatformInfo):
            pytest.skip(
                "the hardware is present; set absent_environ to variables that hide it to test "
                "the absent path here"
            )

    def test_detection_imports_no_torch(
        self, conformance_target: PluginUnderTest, conformance_probe: dict[str, Any]
    ) -> None:
        module = conformance_target.plugin
        if getattr(module, detection_checks.DETECTION_IMPORTS_TORCH_ATTRIBUTE, False) is True:
            pytest.skip(
                f"{conformance_target.module_name} declares "
                f"{detection_checks.DETECTION_IMPORTS_TORCH_ATTRIBUTE} = True"
            )
        problem = detection_checks.torch_import_problem(conformance_target, conformance_probe)
        if problem is not None:
            fail(problem)

    def test_detection_creates_no_device_context(self, conformance_probe: dict[str, Any]) -> None:
        problem = detection_checks.device_context_problem(conformance_probe)
        if problem is not None:
            fail(problem)

    # ----------------------------------------------------------- the platform

    def test_platform_info_is_named_after_the_entry_point(
        self, conformance_target: PluginUnderTest, conformance_info: PlatformInfo
    ) -> None:
        if conformance_info.name != conformance_target.name:
            fail(
                f"detect_platform returned PlatformInfo(name={conformance_info.name!r}); the "
                f"name must be the entry-point name {conformance_target.name!r}"
            )

    def test_devices_are_reported(self, conformance_info: PlatformInfo) -> None:
        if conformance_info.unusable_reason is not None:
            pytest.skip(
                f"the platform is present but unusable as configured: "
                f"{conformance_info.unusable_reason}"
            )
        if not conformance_info.devices:
            fail(
                "detect_platform reported the hardware present with no visible device; return "
                "PlatformAbsent(reason) when the visibility variable hides every device"
            )
        for device in conformance_info.devices:
            if not device.name.strip():
                fail(f"device {device.index} has an empty name; report its marketing name")

    def test_supported_dtypes_are_accepted(self, conformance_platform: Platform) -> None:
        dtypes = conformance_platform.supported_dtypes
        if not dtypes:
            fail(
                "get_supported_dtypes returned an empty list; return the dtypes the device "
                "computes in"
            )
        for dtype in dtypes:
            try:
                conformance_platform.check_if_supports_dtype(dtype)
            except Exception as error:  # any raise here contradicts get_supported_dtypes
                fail(
                    f"check_if_supports_dtype({dtype!r}) raised {type(error).__name__}: {error}, "
                    f"but get_supported_dtypes lists {dtype!r}"
                )

    # ------------------------------------------------------------------- config

    def test_check_and_update_config_reports_adjustments(
        self, conformance_target: PluginUnderTest, conformance_host: IsolatedHost
    ) -> None:
        pm = conformance_host.plugin_manager
        plugin = pm.get_plugin(conformance_target.name)
        if not any(
            impl.plugin is plugin for impl in pm.hook.check_and_update_config.get_hookimpls()
        ):
            pytest.skip(f"{conformance_target.label} does not implement check_and_update_config")

        def check(config: EngineConfig) -> object:
            answers = pm.call_one("check_and_update_config", plugin, config=config)
            return answers[0] if answers else None

        for config in (EngineConfig(), EngineConfig(cache=CacheConfig(block_size=16))):
            try:
                problem = config_checks.config_problem(check, config)
            except InvalidConfigError:
                continue  # refusing a config it cannot run is a valid answer
            if problem is not None:
                fail(problem)

    # ---------------------------------------------------------------- attention

    def test_attention_backend_records_are_valid(
        self, conformance_target: PluginUnderTest, request: pytest.FixtureRequest
    ) -> None:
        registered = self._registrations(conformance_target, request)
        problems = attention_checks.record_problems(registered)
        if problems:
            fail("\n".join(problems))

    def test_attention_backend_classes_import(
        self, conformance_target: PluginUnderTest, request: pytest.FixtureRequest
    ) -> None:
        problems = []
        for spec in self._registrations(conformance_target, request):
            if attention_checks.missing_packages(spec):  # type: ignore[arg-type]
                continue  # its class may import only where its packages are installed
            problem = attention_checks.class_path_problem(spec)  # type: ignore[arg-type]
            if problem is not None:
                problems.append(problem)
        if problems:
            fail("\n".join(problems))

    def _registrations(
        self, target: PluginUnderTest, request: pytest.FixtureRequest
    ) -> list[object]:
        """What the plugin registers, asked on a manager holding only the plugin; when its
        hookimpl takes ``platform``, on an activated host (which needs the hardware)."""
        manager: HostPluginManager = request.getfixturevalue("conformance_manager")
        impls = [
            impl
            for impl in manager.hook.register_attention_backends.get_hookimpls()
            if PLATFORM_ARGUMENT in impl.argnames
        ]
        if impls:
            host: IsolatedHost = request.getfixturevalue("conformance_host")
            manager = host.plugin_manager
        plugin = manager.get_plugin(target.name)
        return attention_checks.flatten_registrations(
            manager.call_one("register_attention_backends", plugin)
        )

    def test_default_attention_request_gets_a_registered_backend(
        self, conformance_host: IsolatedHost, conformance_platform: Platform
    ) -> None:
        from hwcore.attention.backend import load_backend_class

        registered = attention_checks.flatten_registrations(
            conformance_host.plugin_manager.hook.register_attention_backends()
        )
        class_paths = {getattr(spec, "class_path", None) for spec in registered}
        dtype = conformance_platform.supported_dtypes[0]
        attention_request = AttentionRequest(head_size=self.default_head_size, dtype=dtype)
        priority = conformance_platform.get_attn_backend_priority(attention_request)
        if not priority:
            fail(
                f"get_attn_backend_priority({attention_request!r}) returned no backend; list "
                "the backends to try, best first"
            )
        chosen = conformance_platform.get_attn_backend_cls(None, attention_request)
        described = f"get_attn_backend_cls(None, {attention_request.describe()})"
        if chosen not in class_paths:
            fail(
                f"{described} returned {chosen!r}, which no registered AttentionBackendSpec has "
                "as class_path"
            )
        try:
            load_backend_class(chosen)
        except Exception as error:  # the chosen class must be runnable, whatever breaks it
            fail(
                f"{described} returned {chosen!r}, which does not import: "
                f"{type(error).__name__}: {error}"
            )

    # ---------------------------------------------------------------- memory ops

    def test_memory_ops_round_trip_bytes(
        self, conformance_info: PlatformInfo, conformance_platform: Platform
    ) -> None:
        pytest.importorskip("torch")
        from hwcore.testing.conformance import memory_checks

        layout = memory_checks.CacheLayout()
        for name in conformance_platform.supported_dtypes:
            dtype = memory_checks.torch_dtype(name)
            if dtype is None:
                continue
            problem = memory_checks.round_trip_problem(
                _positional(conformance_platform.insert_blocks_to_device),
                _positional(conformance_platform.swap_out_blocks_to_host),
                layout,
                dtype,
                self.make_host_cache,
                lambda shape, dt: self.make_device_cache(conformance_info, shape, dt),
            )
            if problem is not None:
                fail(problem)

    def test_memory_ops_reject_bad_input(
        self, conformance_info: PlatformInfo, conformance_platform: Platform
    ) -> None:
        pytest.importorskip("torch")
        from hwcore.testing.conformance import memory_checks

        layout = memory_checks.CacheLayout()
        dtype = memory_checks.torch_dtype(conformance_platform.supported_dtypes[0])
        assert dtype is not None

        def device(shape: tuple[int, ...], dt: torch.dtype) -> torch.Tensor:
            return self.make_device_cache(conformance_info, shape, dt)

        problems = memory_checks.bad_input_problems(
            "insert_blocks_to_device",
            _positional(conformance_platform.insert_blocks_to_device),
            layout,
            dtype,
            self.make_host_cache,
            device,
        ) + memory_checks.bad_input_problems(
            "swap_out_blocks_to_host",
            _positional(conformance_platform.swap_out_blocks_to_host),
            layout,
            dtype,
            device,
            self.make_host_cache,
        )
        if problems:
            fail("\n".join(problems))


def _detect(manager: HostPluginManager) -> PlatformInfo | PlatformAbsent | None:
    return _detect_with_changes(manager)[0]


def _detect_with_changes(
    manager: HostPluginManager,
) -> tuple[PlatformInfo | PlatformAbsent | None, list[str]]:
    """Detection's answer and the environment changes it made, which are undone at once
    so a plugin that sets a variable cannot hide it from the test that looks for it."""
    before = dict(os.environ)
    try:
        answer: PlatformInfo | PlatformAbsent | None = manager.hook.detect_platform(
            environ=dict(os.environ)
        )
    except Exception as error:  # raising is the defect being reported
        fail(
            f"detect_platform raised {type(error).__name__}: {error}; when the hardware is "
            "absent return PlatformAbsent(reason), and raise only for a real fault"
        )
    finally:
        after = dict(os.environ)
        restore_environment(before)
    return answer, environment_changes(before, after)


def _positional(operation: Any) -> Any:
    def call(src: Any, dst: Any, src_indices: Any, dst_indices: Any) -> Any:
        return operation(src, dst, src_indices, dst_indices)

    return call
