"""vLLM's platform class attributes, read from hwcore's ``PlatformInfo``.

vLLM keeps a platform's static facts as class attributes (``device_name``,
``dispatch_key`` ...) and its own code reads them from the class, so the bridge class
carries the active platform's facts there. vLLM wants lists where hwcore keeps tuples.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hwcore import PlatformInfo


def class_attributes(info: PlatformInfo) -> dict[str, object]:
    """The attributes of vLLM's ``Platform`` that ``info`` answers, by vLLM's names.

    ``device_control_env_var`` is left out when hwcore says the platform has none: vLLM's
    default is a placeholder name no environment sets, which is what ``None`` means, and
    vLLM code looks the attribute up in ``os.environ``, where ``None`` would fail.
    """
    attributes: dict[str, object] = {
        "device_name": info.device_name,
        "device_type": info.device_type,
        "dispatch_key": info.dispatch_key,
        "dist_backend": info.dist_backend,
        "ray_device_key": info.ray_device_key,
        "ray_noset_device_env_vars": list(info.ray_noset_device_env_vars),
        "additional_env_vars": list(info.additional_env_vars),
        "simple_compile_backend": info.simple_compile_backend,
        "supported_quantization": list(info.supported_quantization),
    }
    if info.device_control_env_var is not None:
        attributes["device_control_env_var"] = info.device_control_env_var
    return attributes
