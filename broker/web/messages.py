"""What a person reads when something went wrong: one friendly sentence per error code, and per form field.

API clients get the error's own (English, technical) message as JSON; pages show these, in the page's language,
naming the field at fault. No message here quotes the request or any record content.
"""

from __future__ import annotations

from broker.web.i18n import N_, gettext

#: The label of each form field an error can name.
FIELD_LABELS = {
    "subject": N_("统一社会信用代码 / 居民身份证号码"),
    "password": N_("密码"),
    "edition": N_("报告版本"),
    "window_years": N_("查询期间"),
    "purpose": N_("报告用途"),
    "code": N_("核验码"),
    "file": N_("文件"),
}
_BY_FIELD = {
    "subject": N_("号码有误：请输入 18 位统一社会信用代码或居民身份证号码，最后一位是校验位，请逐位核对。"),
    "edition": N_("请选择适用于您的报告版本。"),
    "window_years": N_("请选择“近 3 年”或“近 5 年”。"),
    "purpose": N_("请选择适用于您的报告用途。"),
    "code": N_("核验码格式不正确：可能有字符输错、颠倒或遗漏，请核对后重新输入。"),
    "file": N_("请选择要核对的 PDF 或 JSON 文件（不超过上限）。"),
}
_BY_CODE = {
    "unauthenticated": N_("请先登录。"),
    "csrf_failed": N_("页面已过期，请刷新页面后重试。"),
    "consent_required": N_("没有相应的授权，无法办理。"),
    "not_found": N_("没有找到您要的页面或内容，请检查网址。"),
    "method_not_allowed": N_("不支持此操作，请从页面上的链接或按钮进入。"),
    "conflict": N_("此操作与当前状态不符，请刷新页面后查看。"),
    "too_many_attempts": N_("尝试次数过多，请稍等几分钟再试。"),
    "malformed_body": N_("提交的内容无法读取，请从页面上的表单重新提交。"),
    "body_too_large": N_("提交的内容过大。"),
    "consent_store_unavailable": N_("系统暂时无法确认授权，为保护您的信息，本次未查询任何地区。请稍后再试。"),
    "calendar_unavailable": N_("工作日历尚未更新，暂时无法计算查询期间。请稍后再试或联系平台。"),
    "report_gone": N_("该报告已过期或已撤销，内容不再保存。"),
    "pdf_unavailable": N_("暂时无法生成 PDF，请下载 JSON 原件或稍后再试。"),
    "regions_unanswered": N_("有地区未应答，报告尚未出具。"),
    "oidc_sign_in_refused": N_("统一身份认证未通过，请重新登录。"),
    "identity_platform_unavailable": N_("统一身份认证平台暂时无法访问，请稍后再试。"),
    "internal_error": N_("系统出现错误，我们已记录。请稍后再试；如需联系平台，请提供下方的请求编号。"),
}
_NOT_OWN = N_("这不是当前登录账号的号码：在本页只能申请本人的报告。")
_BY_STATUS = {
    400: N_("请求无法处理"),
    401: N_("请先登录"),
    403: N_("无权办理"),
    404: N_("页面不存在"),
    405: N_("不支持此操作"),
    409: N_("状态已变化"),
    413: N_("内容过大"),
    422: N_("填写有误"),
    429: N_("请稍后再试"),
    500: N_("系统错误"),
    501: N_("暂不支持"),
    503: N_("服务暂时不可用"),
}


def field_label(field: str) -> str:
    return gettext(FIELD_LABELS.get(field, field))


def for_field(field: str, code: str = "invalid_request") -> str:
    """The sentence shown beside a form field that is wrong."""
    if field == "subject" and code == "consent_required":
        return gettext(_NOT_OWN)
    return gettext(_BY_FIELD.get(field, N_("请检查此项。")))


def for_error(code: str, field: str | None = None) -> str:
    """The sentence of an error page or a form's error box."""
    if field:
        return for_field(field, code)
    return gettext(_BY_CODE.get(code, _BY_CODE["internal_error"]))


def title(status: int) -> str:
    return gettext(_BY_STATUS.get(status, _BY_STATUS[500 if status >= 500 else 400]))
