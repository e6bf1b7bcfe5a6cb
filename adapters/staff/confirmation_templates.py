"""The staff page's templates for department confirmations (financial edition): the department's queue and one
record with the confirm / annotate form."""

from __future__ import annotations

CONFIRMATION_STATUS_NAMES = {"pending": "待确认", "confirmed": "已确认", "annotated": "已确认（附说明）",
                             "expired": "逾期未确认"}  # fmt: skip

FIELD_NAMES = {
    "kind": "类型", "record_id": "记录编号", "subject_name": "主体名称", "decision_no": "决定书文号",
    "document_no": "文书号", "violation_type": "违法行为类型", "violation_facts": "违法事实", "legal_basis": "处罚依据",
    "categories": "处罚类别", "content": "处罚内容", "fine_amount": "罚款金额（万元）", "decision_date": "决定日期",
    "authority_name": "决定机关", "authority_uscc": "决定机关统一社会信用代码", "list_name": "名单",
    "listed_on": "列入日期", "measure_type": "强制措施", "decided_on": "决定日期", "reason": "事由", "domain": "领域",
}  # fmt: skip

CONFIRMATIONS = """{% extends "base" %}{% block main %}<h1>部门确认（金融专用版）</h1>
{% if not departments %}<p>本账号未关联部门：可查看，不能确认。</p>{% endif %}
<p><a href="/confirmations">待确认</a> · <a href="/confirmations?status=all">全部</a></p>
<table><tr><th>记录</th><th>部门</th><th>报告编号</th><th>状态</th><th>确认期限</th></tr>
{% for c in items %}<tr class="confirmation" data-confirmation="{{ c.confirmation_id }}">
<td><a href="/confirmations/{{ c.confirmation_id }}">{{ c.record_id[:16] }}</a></td><td>{{ c.authority_name }}</td>
<td>{{ c.ref }}</td><td>{{ cstatuses[c.status] }}</td><td>{{ c.due_on }}</td></tr>
{% else %}<tr><td colspan="5">无</td></tr>{% endfor %}</table>{% endblock %}"""

CONFIRMATION = """{% extends "base" %}{% block main %}<h1>部门确认 {{ c.record_id }}</h1>
<dl><dt>报告编号</dt><dd>{{ c.ref }}</dd><dt>主体</dt><dd>{{ c.subject_shown }}</dd>
<dt>部门</dt><dd>{{ c.authority_name }}</dd><dt>状态</dt><dd id="status">{{ cstatuses[c.status] }}</dd>
<dt>确认期限</dt><dd>{{ c.due_on }}</dd>
{% if c.decided_at %}<dt>确认时间</dt>
<dd>{{ c.decided_at }}（{{ c.decided_by }}，印章 {{ c.seal_key_id }}）</dd>{% endif %}
{% if c.annotation %}<dt>说明</dt><dd>{{ c.annotation }}</dd>{% endif %}</dl>
<h2>记录内容</h2><table>{% for name, value in c.record|dictsort %}
<tr><th>{{ fields.get(name, name) }}</th><td>{{ value }}</td></tr>{% endfor %}</table>
{% if c.status == "pending" and can_decide %}<h2>确认</h2>
<form method="post" action="/confirmations/{{ c.confirmation_id }}/decide">
<input type="hidden" name="csrf_token" value="{{ csrf }}">
<label>说明（附说明确认时必填） <textarea name="annotation"></textarea></label>
<button name="decision" value="confirm">确认无误并加盖电子印章</button>
<button name="decision" value="annotate">附说明确认</button></form>{% endif %}
<p><a href="/confirmations">返回列表</a></p>{% endblock %}"""
