"""The staff page's templates (jinja2, autoescaped): sign-in, ticket list with overdue flags and indicators,
ticket detail with history and the decision form."""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape

from adapters.staff.confirmation_templates import CONFIRMATION, CONFIRMATIONS

_BASE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }} · {{ region }}</title>
<style>body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem}
.overdue{color:#b00;font-weight:bold}</style></head><body>
<header><strong>{{ region }} 信用平台 · 异议与信用修复</strong>
{% if user %} · <a href="/">工单</a> · <a href="/confirmations">部门确认</a>{% endif %}
{% if user %} · {{ user }} <form method="post" action="/signout" style="display:inline">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><button>退出</button></form>{% endif %}</header>
<main>{% block main %}{% endblock %}</main></body></html>"""

_SIGNIN = """{% extends "base" %}{% block main %}<h1>工作人员登录</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" action="/signin"><input type="hidden" name="csrf_token" value="{{ csrf }}">
<label>用户名 <input name="username" autocomplete="username"></label>
<label>密码 <input name="password" type="password" autocomplete="current-password"></label>
<button>登录</button></form>{% endblock %}"""

_LIST = """{% extends "base" %}{% block main %}<h1>工单</h1>
<p>待处理 {{ ind.open }} ·
超期 <span class="overdue" id="overdue-count">{{ ind.overdue }}</span> ·
异议率 {{ "%.4f%%"|format(ind.objection_rate * 100) if ind.objection_rate is not none else "—" }} ·
修复通过率 {{ "%.1f%%"|format(ind.repair_approval_rate * 100) if ind.repair_approval_rate is not none else "—" }} ·
办理时长中位数
{{ ind.median_handling_working_days if ind.median_handling_working_days is not none else "—" }} 个工作日</p>
<table><tr><th>工单</th><th>类型</th><th>记录</th><th>状态</th><th>受理</th><th>办理期限</th></tr>
{% for t in tickets %}<tr class="ticket" data-ticket="{{ t.ticket_id }}">
<td><a href="/tickets/{{ t.ticket_id }}">{{ t.ticket_id[:8] }}</a></td><td>{{ kinds[t.kind] }}</td>
<td>{{ t.record_id[:12] }}</td><td>{{ statuses[t.status] }}</td><td>{{ t.filed_at.date() }}</td>
<td>{{ t.due_on }}{% if t.overdue %} <span class="overdue">已超期</span>{% endif %}</td></tr>{% endfor %}
</table>{% endblock %}"""

_DETAIL = """{% extends "base" %}{% block main %}<h1>{{ kinds[t.kind] }} {{ t.ticket_id }}</h1>
<dl><dt>记录</dt><dd>{{ t.record_id }}</dd><dt>状态</dt><dd id="status">{{ statuses[t.status] }}</dd>
{% if t.field %}<dt>字段</dt><dd>{{ t.field }}</dd><dt>现值</dt><dd>{{ t.current_value }}</dd>
<dt>申请更正为</dt><dd>{{ t.proposed_value }}</dd>{% endif %}<dt>理由</dt><dd>{{ t.reason }}</dd>
<dt>办理期限</dt><dd>{{ t.due_on }}{% if t.overdue %} <span class="overdue">已超期</span>{% endif %}</dd>
{% if t.decision_note %}<dt>处理意见</dt><dd>{{ t.decision_note }}（{{ t.decided_by }}）</dd>{% endif %}</dl>
<h2>附件</h2><ul>{% for a in t.attachments %}<li><a href="/tickets/{{ t.ticket_id }}/attachments/{{ loop.index0 }}">
{{ a[0] }}</a> ({{ a[1] }}, {{ a[2] }} B)</li>{% else %}<li>无</li>{% endfor %}</ul>
<h2>历史</h2><ol>{% for e in t.history %}<li>{{ e.at }} {{ statuses[e.status] }} {{ e.note }} ({{ e.actor }})
{% if e.change %}<code>{{ e.change }}</code>{% endif %}</li>{% endfor %}</ol>
{% if t.status.value == "open" %}<h2>处理</h2><form method="post" action="/tickets/{{ t.ticket_id }}/decide">
<input type="hidden" name="csrf_token" value="{{ csrf }}"><label>意见／依据 <textarea name="note"></textarea></label>
<button name="decision" value="accept">{{ "同意更正" if t.kind.value == "objection" else "准予修复" }}</button>
<button name="decision" value="reject">驳回</button></form>{% endif %}
<p><a href="/">返回列表</a></p>{% endblock %}"""

KIND_NAMES = {"objection": "异议", "repair": "信用修复"}
STATUS_NAMES = {"open": "处理中", "accepted": "异议成立", "approved": "准予修复", "rejected": "驳回"}


_TEMPLATES = {
    "base": _BASE, "signin": _SIGNIN, "list": _LIST, "detail": _DETAIL,
    "confirmations": CONFIRMATIONS, "confirmation": CONFIRMATION,
}  # fmt: skip


_TEMPLATES = {
    "base": _BASE, "signin": _SIGNIN, "list": _LIST, "detail": _DETAIL,
    "confirmations": CONFIRMATIONS, "confirmation": CONFIRMATION,
}  # fmt: skip


def environment() -> Environment:
    return Environment(
        loader=DictLoader(_TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
