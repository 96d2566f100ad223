"""The first processor entry of ``/proc/cpuinfo``, as a dict of its ``key: value`` lines."""

from __future__ import annotations

from hwcore_cpu.facts.files import Root, join

# Reading the whole file makes the kernel format every CPU (on x86 it also samples each
# CPU's frequency), which costs tens of milliseconds on a 200-CPU host; the first entry
# holds the model name and ISA flags, and the kernel only formats what is read.
_CHUNK = 16 * 1024
_MAX_BYTES = 256 * 1024


def read_first_processor(proc_root: Root) -> dict[str, str]:
    """The ``key: value`` pairs of the first processor entry, or ``{}`` without the file.

    Some architectures put shared lines before the first ``processor`` line (s390x) or
    have a single block (RISC-V, POWER); everything up to the first blank line after a
    ``processor`` line is kept.
    """
    try:
        text = _read_until_first_entry_ends(join(proc_root, "cpuinfo"))
    except OSError:
        return {}
    return parse_first_processor(text)


def parse_first_processor(text: str) -> dict[str, str]:
    entry: dict[str, str] = {}
    seen_processor = False
    for line in text.splitlines():
        if not line.strip():
            if seen_processor:
                break
            continue
        key, colon, value = line.partition(":")
        if not colon:
            continue
        key = key.strip()
        seen_processor = seen_processor or key.startswith("processor")
        entry.setdefault(key, value.strip())
    return entry


def _read_until_first_entry_ends(path: str) -> str:
    chunks: list[str] = []
    with open(path, encoding="utf-8", errors="replace") as stream:
        while sum(len(chunk) for chunk in chunks) < _MAX_BYTES:
            chunk = stream.read(_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            if "\n\n" in "".join(chunks[-2:]):
                break
    return "".join(chunks)
