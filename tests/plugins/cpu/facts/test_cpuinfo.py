from __future__ import annotations

from pathlib import Path

from hwcore_cpu.facts.cpuinfo import parse_first_processor, read_first_processor

from .samples import ARM_NEOVERSE_V1, X86_SAPPHIRE_RAPIDS


def test_keeps_only_the_first_processor_entry() -> None:
    entry = parse_first_processor(X86_SAPPHIRE_RAPIDS)
    assert entry["processor"] == "0"
    assert entry["model name"] == "Intel(R) Xeon(R) Platinum 8480+"
    assert "avx512_fp16" in entry["flags"]  # only processor 0 lists it


def test_keeps_shared_lines_before_the_first_processor_line_on_s390x() -> None:
    text = (
        "vendor_id       : IBM/S390\n# processors    : 4\n"
        "features\t: esan3 zarch stfle msa ldisp eimm dfp vx vxe vxe2\n"
        "processor 0: version = 00,  identification = 0C1A58,  machine = 8561\n\n"
        "cpu number      : 0\n"
    )
    entry = parse_first_processor(text)
    assert entry["vendor_id"] == "IBM/S390"
    assert entry["features"].endswith("vxe2")
    assert "cpu number" not in entry


def test_reads_the_file_under_the_given_proc_root(tmp_path: Path) -> None:
    (tmp_path / "cpuinfo").write_text(ARM_NEOVERSE_V1)
    assert read_first_processor(tmp_path)["CPU part"] == "0xd40"


def test_a_missing_file_gives_an_empty_entry(tmp_path: Path) -> None:
    assert read_first_processor(tmp_path) == {}
