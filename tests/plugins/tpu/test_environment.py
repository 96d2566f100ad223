"""Reading the TPU environment variables: values, and the errors for unusable ones."""

from __future__ import annotations

import re

import pytest

from hwcore_tpu.environment import (
    TpuEnvironment,
    TpuEnvironmentError,
    parse_accelerator_type,
    read_environment,
    set_slice_variables,
)


def test_an_empty_environment_says_nothing() -> None:
    assert read_environment({}) == TpuEnvironment()
    assert set_slice_variables({"PATH": "/bin", "TPU_VISIBLE_CHIPS": "0"}) == ()


def test_a_multi_host_worker_is_read_whole() -> None:
    env = read_environment({
        "TPU_ACCELERATOR_TYPE": "v5p-16", "TPU_WORKER_ID": "1",
        "TPU_WORKER_HOSTNAMES": "t1v-n-0, t1v-n-1", "TPU_CHIPS_PER_HOST_BOUNDS": "2,2,1",
        "TPU_HOST_BOUNDS": "1,1,2", "TPU_TOPOLOGY": "2x2x2", "TPU_NAME": "my-slice",
        "TPU_VISIBLE_CHIPS": "0,1", "PJRT_DEVICE": "TPU", "JAX_PLATFORMS": "tpu,cpu",
    })
    assert env.accelerator_type is not None
    assert (env.accelerator_type.generation_name, env.accelerator_type.size) == ("v5p", 16)
    assert env.accelerator_type.chips == 8
    assert env.worker_id == 1
    assert env.worker_hostnames == ("t1v-n-0", "t1v-n-1")
    assert (env.chips_per_host_bounds, env.host_bounds) == ((2, 2, 1), (1, 1, 2))
    assert env.topology == (2, 2, 2)
    assert (env.tpu_name, env.visible_chips, env.pjrt_device) == ("my-slice", "0,1", "TPU")
    assert env.pathways is False


@pytest.mark.parametrize("value", ["proxy", "PROXY,cpu", "cpu,proxy"])
def test_pathways_is_proxy_in_jax_platforms(value: str) -> None:
    assert read_environment({"JAX_PLATFORMS": value}).pathways is True


@pytest.mark.parametrize(
    ("value", "generation", "chips"),
    [("v4-8", "v4", 4), ("v5litepod-8", "v5e", 8), ("v5p-8", "v5p", 4), ("v6e-8", "v6e", 8),
     ("7x-8", "7x", 4), ("tpu7x-16", "7x", 8), ("v2-8", "v2", 4), ("V6E-16", "v6e", 16)],
)
def test_accelerator_type_sizes_count_tensorcores(value: str, generation: str, chips: int) -> None:
    accelerator = parse_accelerator_type(value)
    assert accelerator.generation is not None
    assert (accelerator.generation.key, accelerator.chips) == (generation, chips)


def test_an_unknown_generation_keeps_its_name_and_no_chip_count() -> None:
    accelerator = parse_accelerator_type("v9z-8")
    assert (accelerator.generation_name, accelerator.generation, accelerator.chips) == (
        "v9z", None, None
    )


TYPE_FIX = "set it as `gcloud compute tpus accelerator-types list` spells it"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TPU_ACCELERATOR_TYPE", "v6e",
         "TPU_ACCELERATOR_TYPE='v6e' is not an accelerator type such as 'v6e-8' or "
         f"'v5litepod-16' (a generation, a dash and the size); {TYPE_FIX}, or unset it"),
        ("TPU_ACCELERATOR_TYPE", "v6e-0",
         "TPU_ACCELERATOR_TYPE='v6e-0' is not an accelerator type such as 'v6e-8' or "
         f"'v5litepod-16' (a generation, a dash and the size); {TYPE_FIX}, or unset it"),
        ("TPU_ACCELERATOR_TYPE", "v4-7",
         "TPU_ACCELERATOR_TYPE='v4-7': a TPU v4 slice's size counts its TensorCores, 2 per "
         f"chip, so it must be a multiple of 2; {TYPE_FIX}"),
        ("TPU_WORKER_ID", "one",
         "TPU_WORKER_ID='one' is not a worker number; set it to this host's index in the "
         "slice (0 for the first host, the position of this host in TPU_WORKER_HOSTNAMES)"),
        ("TPU_WORKER_HOSTNAMES", "a,,b",
         "TPU_WORKER_HOSTNAMES='a,,b' has an empty entry; list every host of the slice once, "
         "comma-separated, in worker order"),
        ("TPU_CHIPS_PER_HOST_BOUNDS", "2,4",
         "TPU_CHIPS_PER_HOST_BOUNDS='2,4' is not three positive integers separated by commas, "
         "such as '2,2,1'; set it to the chips of this host along x, y and z, or unset it"),
        ("TPU_HOST_BOUNDS", "1,00,1",
         "TPU_HOST_BOUNDS='1,00,1' is not three positive integers separated by commas, such "
         "as '2,2,1'; set it to the hosts of the slice along x, y and z, or unset it"),
        ("TPU_TOPOLOGY", "2by4",
         "TPU_TOPOLOGY='2by4' is not a slice topology such as '2x4' or '2x2x2' (the chips "
         "along each axis); set it as the node pool's topology says, or unset it"),
    ],
)
def test_an_unusable_value_is_an_error_naming_variable_value_and_fix(
    variable: str, value: str, message: str
) -> None:
    with pytest.raises(TpuEnvironmentError, match=f"^{re.escape(message)}$"):
        read_environment({variable: value})
