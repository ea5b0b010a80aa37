"""What a model compiled for an accelerator runs where: its accelerator ops and the rest (OPL320, OPL322)."""

from __future__ import annotations

from typing import NamedTuple

from ..core.model import Model


class Split(NamedTuple):
    accelerated: list[str]  #: "0", "2" (or "sg1 op 3"): the accelerator's custom ops
    cpu: list[str]  #: "CONV_2D (op 1)": every other op

    def cpu_text(self, most: int = 8) -> str:
        """``2 ops run on the CPU: A (op 1), B (op 3)``, or ``nothing runs on the CPU``."""
        n = len(self.cpu)
        if not n:
            return "nothing runs on the CPU"
        shown = ", ".join(self.cpu[:most]) + (f", ... ({n - most} more)" if n > most else "")
        return f"{n} op{'s' if n != 1 else ''} run{'s' if n == 1 else ''} on the CPU: {shown}"


def split(model: Model, custom_code: str) -> Split:
    accelerated: list[str] = []
    cpu: list[str] = []
    for op in model.ops():
        where = f"op {op.index}" if len(model.graphs) == 1 else f"sg{op.graph} op {op.index}"
        if op.kind == "CUSTOM" and op.custom_code == custom_code:
            accelerated.append(where[3:] if where.startswith("op ") else where)
        else:
            cpu.append(f"{op.display} ({where})")
    return Split(accelerated, cpu)
