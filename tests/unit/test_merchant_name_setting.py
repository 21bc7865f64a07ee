"""PAYCORE_MERCHANT_NAME: the shop's name on the cashier page; unset, empty (the page then names the config)."""

from __future__ import annotations

from entrypoints.settings import load_settings


def test_the_merchant_name_is_read_trimmed_and_empty_by_default() -> None:
    assert load_settings({"PAYCORE_MERCHANT_NAME": "  论文工坊 "}, dotenv=None).merchant_name == "论文工坊"
    assert load_settings({}, dotenv=None).merchant_name == ""
