"""Qualcomm SoCs and their HTP generation, from the plugin's table (``litert/vendors/qualcomm/supported_soc.csv``).

The SoC picks the HTP backend whose closed validator and compiler decide what runs on the NPU: the
recorded runs (``fixtures/npu/VERDICTS.json``) differ between v68/v69 and v73+ SoCs when partitioning,
and between v68 and v75/v81 when compiling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ...knowledge.sources import Cite, litert

if TYPE_CHECKING:  # pragma: no cover
    from ...knowledge.targets import Target

SOCS = litert("litert/vendors/qualcomm/supported_soc.csv")
DEFAULT_SOC = "SM8650"
SOC_OPTION = "soc"  #: the target's [delegate-options] key, set by ``qualcomm@SOC``

#: SoC -> its HTP architecture (``supported_soc.csv``: manufacturer, model, runtime library version, ...)
SOC_ARCH: dict[str, tuple[str, Cite]] = {
    "SW6100": ("v81", SOCS(2)),
    "SM8850": ("v81", SOCS(3)),
    "SM8750": ("v79", SOCS(4)),
    "QCS8625": ("v75", SOCS(5)),
    "SM8650": ("v75", SOCS(6)),
    "QCS8300": ("v75", SOCS(7)),
    "QCS8275": ("v75", SOCS(8)),
    "QCM6690": ("v73", SOCS(9)),
    "QCS6690": ("v73", SOCS(10)),
    "QCS9100": ("v73", SOCS(11)),
    "QCS9075": ("v73", SOCS(12)),
    "SSG2125P": ("v73", SOCS(13)),
    "SSG2115P": ("v73", SOCS(14)),
    "SAR2130P": ("v73", SOCS(15)),
    "SM8635": ("v73", SOCS(16)),
    "SM8550": ("v73", SOCS(17)),
    "SM7675": ("v73", SOCS(18)),
    "SM7550": ("v73", SOCS(19)),
    "SM7435": ("v73", SOCS(20)),
    "SM6450": ("v73", SOCS(21)),
    "QCM8550LA": ("v73", SOCS(22)),
    "QCM8550LE": ("v73", SOCS(23)),
    "SC8380XP": ("v73", SOCS(24)),
    "SC8480XP": ("v81", SOCS(25)),
    "SM8475": ("v69", SOCS(26)),
    "SM8450": ("v69", SOCS(27)),
    "SM7475": ("v69", SOCS(28)),
    "SM7450": ("v69", SOCS(29)),
    "SM7425": ("v69", SOCS(30)),
    "SXR2230P": ("v69", SOCS(31)),
    "SXR2250P": ("v69", SOCS(32)),
    "SM8350": ("v68", SOCS(33)),
    "SM8350P": ("v68", SOCS(34)),
    "SM7350": ("v68", SOCS(35)),
    "SM7325": ("v68", SOCS(36)),
    "SM7315": ("v68", SOCS(37)),
    "QCM6490": ("v68", SOCS(38)),
    "SDM865": ("v66", SOCS(39)),
    "SM8250": ("v66", SOCS(40)),
    "SM8150": ("v66", SOCS(41)),
    "SM7250": ("v66", SOCS(42)),
    "SM7225": ("v66", SOCS(43)),
    "SM7125": ("v66", SOCS(44)),
    "SM6350": ("v66", SOCS(45)),
    "SM6225": ("v66", SOCS(46)),
    "SM6150": ("v66", SOCS(47)),
    "SM6125": ("v66", SOCS(48)),
    "SM4350": ("v66", SOCS(49)),
    "QRB5165U": ("v66", SOCS(50)),
    "QRB5165LE": ("v66", SOCS(51)),
    "QCS7230LA": ("v66", SOCS(52)),
    "QCS7230LE": ("v66", SOCS(53)),
    "SM6375": ("v66", SOCS(54)),
    "SM7150": ("v65", SOCS(55)),
    "SDM845": ("v65", SOCS(56)),
    "SA8295": ("v68", SOCS(57)),
    "SXR1230P": ("v73", SOCS(58)),
    "SA8255": ("v73", SOCS(59)),
    "SAR2230P": ("v81", SOCS(60)),
    "SXR2330P": ("v79", SOCS(61)),
    "SM8845": ("v81", SOCS(64)),
    "SM8845P": ("v81", SOCS(65)),
}


class Settings(NamedTuple):
    soc: str
    arch: str  #: "v75"

    @property
    def generation(self) -> int:
        """75 for v75."""
        return int(self.arch[1:]) if self.arch[1:].isdigit() else 0

    @classmethod
    def of(cls, target: Target) -> Settings:
        soc = str(target.delegate_options.get(SOC_OPTION, DEFAULT_SOC))
        arch = SOC_ARCH.get(soc, SOC_ARCH[DEFAULT_SOC])[0]
        return cls(soc, arch)
