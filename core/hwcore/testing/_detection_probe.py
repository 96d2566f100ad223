"""Run by the conformance suite in a fresh interpreter: load a plugin, detect, report.

``python -m hwcore.testing._detection_probe MODULE ATTRIBUTE OUTPUT`` imports ``MODULE``
(``ATTRIBUTE`` is ``-`` or the object after ``:`` in the entry point), calls its
``detect_platform`` once and writes a JSON report to ``OUTPUT``: whether torch was imported
by the plugin import and by detection, and every device context found afterwards. A fresh
interpreter is the only place where "torch was not imported before" is true.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import sys
from typing import Any


def main(argv: list[str]) -> int:
    module_name, attribute, output = argv
    torch_before = "torch" in sys.modules
    plugin: Any = importlib.import_module(module_name)
    if attribute != "-":
        plugin = getattr(plugin, attribute)
    torch_after_import = "torch" in sys.modules
    answer = _detect(plugin)
    report = {
        "torch_before": torch_before,
        "torch_after_import": torch_after_import,
        "torch_after_detect": "torch" in sys.modules,
        "answer": type(answer).__name__,
        "device_contexts": torch_contexts() + cuda_driver_contexts(),
    }
    with open(output, "w", encoding="utf-8") as file:
        json.dump(report, file)
    return 0


def _detect(plugin: object) -> object:
    import os

    from hwcore.host import HostPluginManager

    manager = HostPluginManager()
    manager.register(plugin() if isinstance(plugin, type) else plugin, name="under-test")
    try:
        return manager.hook.detect_platform(environ=dict(os.environ))
    except Exception as error:  # the in-process tests report raising; here only effects count
        return error


def torch_contexts() -> list[str]:
    """Device runtimes that torch has initialised (only if something imported torch)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return []
    found = []
    for runtime in ("cuda", "xpu", "mps", "npu", "hpu"):
        is_initialized = getattr(getattr(torch, runtime, None), "is_initialized", None)
        if callable(is_initialized) and is_initialized():
            found.append(f"torch.{runtime} is initialized")
    return found


def cuda_driver_contexts() -> list[str]:
    """CUDA contexts seen by the driver: a current one, or an active primary context.

    ``cuInit`` itself creates no context, so calling it here cannot cause a finding.
    """
    try:
        driver = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return []
    if driver.cuInit(0) != 0:
        return []
    found = []
    context = ctypes.c_void_p()
    if driver.cuCtxGetCurrent(ctypes.byref(context)) == 0 and context.value:
        found.append("a CUDA context is current on the main thread")
    count = ctypes.c_int()
    if driver.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return found
    for index in range(count.value):
        device, flags, active = ctypes.c_int(), ctypes.c_uint(), ctypes.c_int()
        if driver.cuDeviceGet(ctypes.byref(device), index) != 0:
            continue
        state = driver.cuDevicePrimaryCtxGetState(device, ctypes.byref(flags), ctypes.byref(active))
        if state == 0 and active.value:
            found.append(f"the primary CUDA context of device {index} is active")
    return found


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
