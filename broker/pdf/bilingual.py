"""The English side of a bilingual report PDF: for a person's report going abroad (the Tianjin plan names doctors
going abroad to work or study), every heading, label and statement is printed in Chinese and English side by side;
names and record text stay as the regions sent them.

The English comes from the portal's catalogue (``broker/web/locale/en``): the PDF's own phrases are marked here
with :func:`~broker.web.i18n.N_` so that the catalogue check holds them to a translation, and :func:`english`
refuses a phrase the catalogue does not translate (a PDF never goes out half translated).
"""

from __future__ import annotations

from broker.web.i18n import N_, gettext
from merge.editions import Edition
from merge.report import Report

#: The PDF's phrases (those not already the portal's): headings, labels, statements.
PHRASES = (
    N_("京津冀公共信用信息报告"),
    N_("主体名称"),
    N_("查询区间"),
    N_("报告状态"),
    N_("完整（三地均已应答）"),
    N_("不完整 —— 不得作为无违法违规证明使用"),
    N_("【本报告不完整】"),
    N_("一、各地区应答情况"),
    N_("二、分领域记录情况"),
    N_("三、记录明细"),
    N_("四、异议与核验"),
    N_("超时"),
    N_("拒绝查询"),
    N_("有记录（条数）"),
    N_("已应答且无记录"),
    N_("该地区未归集此领域，不代表无记录"),
    N_("该地区未应答，情况未知"),
    N_(
        "各地区签名部分原样载于报告所附 report.json（regions[].answer），"
        "任何人可凭联邦根证书离线核验各地区部分未被改动（jjj verify）。"
    ),
    N_("查询区间内，已应答地区未报送本版本应列示的记录。"),
    N_(
        "信息主体对本报告所列信息有异议的，可向作出决定的机关或信息所属地区公共信用信息平台提出异议申请；"
        "异议处理期间，相关记录标注“异议处理中”。信用修复按所属地区的规定办理。"
    ),
    N_(
        "扫描每页页脚的二维码或登录核验网址输入核验码，可核验本报告的状态与内容摘要；本文件含电子签名，并内嵌机器可读的报告数据（report.json）。"
    ),
    N_("扫描二维码或登录核验网址输入核验码，可核验本报告真伪"),
    N_("“未覆盖”表示该地区未归集该领域的信息，“未应答”表示该地区在出具时未能应答，二者均不代表无记录。"),
    N_(
        "本报告由北京市、天津市、河北省公共信用信息平台按本版本规则分别提供信息后合并出具，各地区信息以其数据截至时间为准。"
    ),
    N_("—— 报告结束 ——"),
    N_("核验码"),
    N_("报送地区"),
)

#: Statements with values in them (filled by :func:`both_lines`).
SIGNED = N_("%(region)s应答部分由%(region)s签名（证书：%(subject)s；SHA-256 指纹 %(fingerprint)s…）")
UNSIGNED = N_("%(region)s未应答，无签名部分")
TOTAL = N_("合并后共 %(total)s 条。")
TOTAL_MERGED = N_("合并后共 %(total)s 条（多地重复报送的 %(merged)s 条已合并）。")


_COMPLETE = N_(
    "北京市、天津市、河北省三地均已应答。本报告按领域逐一列明各地区的记录情况；“未覆盖”表示该地区未归集该领域的信息，"
    "不代表无记录。"
)
_INCOMPLETE = N_("%(regions)s未应答，本报告不完整，不得作为无违法违规证明使用；未应答地区的情况未知。")


def english_notice(report: Report) -> str:
    """The report's notice in English: the same facts as the Chinese one the report carries."""
    if report.complete:
        return gettext(_COMPLETE, "en")
    missing = [gettext(line.name, "en") for line in report.regions if line.answer is None]
    return gettext(_INCOMPLETE, "en", regions=", ".join(missing))


def filled(message: str, *, bilingual: bool, **values: str) -> tuple[str, str]:
    """(Chinese, English) of a statement with values; English is empty unless the report is bilingual. Region
    names among the values are translated on the English side."""
    chinese = message % values
    if not bilingual:
        return chinese, ""
    english_values = {key: gettext(value, "en") if key == "region" else value for key, value in values.items()}
    return chinese, english(message) % english_values


def is_bilingual(report: Report) -> bool:
    return report.edition is Edition.PERSON and report.purpose == "going_abroad"


def english(message: str) -> str:
    """The catalogue's English for ``message``; KeyError when it has none."""
    translated = gettext(message, "en")
    if translated == message and message.strip("—、 "):
        raise KeyError(f"no English for {message!r} in the catalogue")
    return translated
