"""The conformance suite passes a correct plugin and names each deliberate defect.

Each fakechip variant carries at most one defect; all of them run in one child pytest, one
conformance class per variant (see conftest), to keep this module fast.
"""

from __future__ import annotations

import re
import subprocess

import pytest

DEFECTS: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {
    # variant name: (replacements that make the defect, the message that must name it)
    "chip_prints": (
        (("def detect_platform():\n", 'def detect_platform():\n    print("probing fakechip")\n'),),
        "detect_platform printed to stdout: 'probing fakechip\\n'; detection must print "
        "nothing (log at debug level instead)",
    ),
    "chip_sets_env": (
        (
            (
                "def detect_platform():\n",
                'def detect_platform():\n    os.environ["FAKECHIP_PROBED"] = "1"\n',
            ),
        ),
        "detect_platform changed os.environ: added FAKECHIP_PROBED='1'; detection must not "
        "set, change or remove environment variables",
    ),
    "chip_raises": (
        (
            (
                'return PlatformAbsent("FAKECHIP_DEVICES is not set")',
                'raise RuntimeError("no fakechip device")',
            ),
        ),
        "detect_platform raised RuntimeError: no fakechip device; when the hardware is absent "
        "return PlatformAbsent(reason), and raise only for a real fault",
    ),
    "chip_imports_torch": (
        (("def detect_platform():\n", "def detect_platform():\n    import torch\n"),),
        "detect_platform imported torch; detect the hardware without torch, or declare "
        "HWCORE_DETECTION_IMPORTS_TORCH = True in chip_imports_torch if it cannot be",
    ),
    "chip_wrong_argument": (
        (
            ("def check_and_update_config(config):", "def check_and_update_config(settings):"),
            ("if config.cache.block_size", "if settings.cache.block_size"),
        ),
        "a hookimpl of chip_wrong_argument (chip_wrong_argument) does not match its hookspec: "
        "Plugin 'chip_wrong_argument' for hook 'check_and_update_config' hookimpl definition: "
        "check_and_update_config(settings) Argument(s) {'settings'} are declared in the "
        "hookimpl but can not be found in the hookspec",
    ),
    "chip_partial_copy": (
        (
            (
                'return copy(src_cache, dst_cache, src_block_indices, dst_block_indices, device_type="cpu")',
                "for s, d in zip(src_block_indices.tolist(), dst_block_indices.tolist()):\n"
                "        dst_cache[d].copy_(src_cache[s])\n"
                "    return dst_cache",
            ),
        ),
        "insert_blocks_to_device wrote to the destination before rejecting bad input "
        "(a destination block index past the end: dst_block_indices=[1, 4] with 4 "
        "destination blocks)",
    ),
    "chip_mutates_config": (
        (
            (
                '        return [ConfigAdjustment("cache.block_size", None, 16, "fakechip stores 16 tokens per block")]',
                '        object.__setattr__(config.cache, "block_size", 16)\n        return []',
            ),
        ),
        "check_and_update_config mutated its input (changed cache.block_size from None to 16); "
        "return ConfigAdjustment(field, old, new, reason) records instead",
    ),
    "chip_bad_class_path": (
        (("hwcore.attention.torch_sdpa.TorchSDPABackend", "fakechip_kernels.FakeChipAttention"),),
        "attention backend CHIP_BAD_CLASS_PATH: class path 'fakechip_kernels.FakeChipAttention' "
        "does not import: ModuleNotFoundError: No module named 'fakechip_kernels'",
    ),
}

TORCH_DECLARED = (
    ("def detect_platform():\n", "def detect_platform():\n    import torch\n"),
    (
        'HWCORE_CONTRACT_VERSION = "2.0"',
        'HWCORE_CONTRACT_VERSION = "2.0"\nHWCORE_DETECTION_IMPORTS_TORCH = True',
    ),
)

VARIANTS = {
    "chip_declares_torch": TORCH_DECLARED,
    **{name: replacements for name, (replacements, _) in DEFECTS.items()},
}


def _outcomes(run: subprocess.CompletedProcess[str], variant: str) -> set[str]:
    """``{"FAILED"}``, ``{"PASSED"}``...: how the tests of ``variant``'s class ended."""
    lines = re.findall(rf"^(FAILED|SKIPPED|ERROR) .*Test_{variant}::", run.stdout, re.MULTILINE)
    return set(lines)


def test_a_correct_plugin_passes_every_test(fakechip_run: subprocess.CompletedProcess[str]) -> None:
    assert _outcomes(fakechip_run, "chip_correct") == set(), fakechip_run.stdout
    assert "Test_chip_correct" not in fakechip_run.stdout


@pytest.mark.parametrize("variant", list(DEFECTS))
def test_each_defect_fails_with_a_message_naming_it(
    fakechip_run: subprocess.CompletedProcess[str], variant: str
) -> None:
    message = DEFECTS[variant][1]

    assert re.search(
        rf"^FAILED test_fakechip_conformance.py::Test_{variant}::",
        fakechip_run.stdout,
        re.MULTILINE,
    ), fakechip_run.stdout
    assert message in fakechip_run.stdout, fakechip_run.stdout


def test_declaring_that_detection_imports_torch_skips_the_torch_check(
    fakechip_run: subprocess.CompletedProcess[str],
) -> None:
    assert (
        "chip_declares_torch declares HWCORE_DETECTION_IMPORTS_TORCH = True" in fakechip_run.stdout
    )
    assert (
        "FAILED test_fakechip_conformance.py::Test_chip_declares_torch" not in fakechip_run.stdout
    )


def test_the_child_run_failed_only_for_the_defects(
    fakechip_run: subprocess.CompletedProcess[str],
) -> None:
    failed_classes = set(
        re.findall(
            r"^FAILED test_fakechip_conformance.py::Test_(\w+)::", fakechip_run.stdout, re.MULTILINE
        )
    )

    assert failed_classes == set(DEFECTS), fakechip_run.stdout
