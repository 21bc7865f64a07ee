"""Which of Alipay's answers to alipay.trade.refund are final refusals, and which leave the refund open.

A final refusal means Alipay looked at this out_request_no and will not move the money as asked: the
refund becomes FAILED with Alipay's sub_code and sub_msg, and its amount is free again. Anything else
(a system error, a code not listed here, a gateway-level error such as a bad signature) raises, so the
refund stays PROCESSING: money may have moved, and the refund query settles it later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.refund import Refund
from domain.updates import ProviderUpdate, UpdateKind

BUSINESS_FAILED = "40004"

# Business refusals (code 40004) that no retry of the same request can turn into a refund.
FINAL_REFUSALS = frozenset({
    "ACQ.TRADE_HAS_FINISHED",  # 交易已完结: the refund period is over
    "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",  # 退款金额超限: more than is left to refund
    "ACQ.TRADE_STATUS_ERROR",  # 交易状态非法: closed, unpaid, fully refunded
    "ACQ.TRADE_NOT_EXIST",  # 交易不存在
    "ACQ.TRADE_NOT_ALLOW_REFUND",  # 当前交易不允许退款
    "ACQ.SELLER_BALANCE_NOT_ENOUGH",  # 卖家余额不足: like WeChat's NOT_ENOUGH; a new refund after a top-up
    "ACQ.REASON_TRADE_BEEN_FREEZEN",  # 请求退款的交易被冻结
    "ACQ.DISCORDANT_REPEAT_REQUEST",  # 不一致的请求: this out_request_no was used with other content
    "ACQ.REASON_TRADE_REFUND_FEE_ERR",  # 退款金额无效
    "ACQ.REFUND_FEE_ERROR",  # 交易退款金额有误
    "ACQ.INVALID_PARAMETER",  # 参数无效
    "ACQ.BUYER_ERROR",  # 买家状态非法
    "ACQ.ONLINE_TRADE_VOUCHER_NOT_ALLOW_REFUND",  # 交易使用了不允许退款的券
    "ACQ.REFUND_CHARGE_ERROR",  # 退分账金额超限
})

# System errors: Alipay asks to retry the same request (same out_request_no). Listed to document them;
# like every code not in FINAL_REFUSALS they leave the refund PROCESSING.
RETRYABLE = frozenset({"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "isp.unknow-error", "ACQ.CONTEXT_INCONSISTENT"})


def is_final_refusal(answer: Mapping[str, Any]) -> bool:
    """Whether the refund answer is a business refusal that makes the refund FAILED."""
    return answer.get("code") == BUSINESS_FAILED and str(answer.get("sub_code") or "") in FINAL_REFUSALS


def refusal_update(refund: Refund, answer: Mapping[str, Any]) -> ProviderUpdate:
    """A final refusal as REFUND_FAILED with Alipay's code and message."""
    message = str(answer.get("sub_msg") or answer.get("msg") or "")
    return ProviderUpdate(UpdateKind.REFUND_FAILED, refund.order_no, amount=refund.amount, refund_no=refund.refund_no,
                          failure_code=str(answer.get("sub_code")), failure_message=message or None, raw=dict(answer))
