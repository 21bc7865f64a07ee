"""PaymentType and PayMethod are open: a well-formed name is a member of its own, one object per name, never
listed; anything else is refused as before."""

from __future__ import annotations

import pickle

import pytest

from domain.kinds import PaymentType, PayMethod


def test_another_provider_s_name_is_a_payment_type_of_its_own() -> None:
    toy = PaymentType("toy_pay")
    assert toy is PaymentType("toy_pay")
    assert toy == "toy_pay"
    assert (toy.value, toy.name, str(toy)) == ("toy_pay", "TOY_PAY", "toy_pay")
    assert isinstance(toy, PaymentType)
    assert pickle.loads(pickle.dumps(toy)) is toy  # noqa: S301 - our own bytes
    assert list(PaymentType) == [PaymentType.ALIPAY, PaymentType.WECHAT]  # the shipped ones only
    assert PaymentType("alipay") is PaymentType.ALIPAY


@pytest.mark.parametrize("name", ["Toy", "", "1toy", "to y", "toy-pay", "t" * 21, "玩具"])
def test_a_name_that_is_not_well_formed_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="is not a valid PaymentType"):
        PaymentType(name)


def test_a_pay_method_fits_its_column() -> None:
    assert PayMethod("toy_scan") == "toy_scan"
    assert PayMethod("m" * 16) == "m" * 16
    with pytest.raises(ValueError, match="is not a valid PayMethod"):
        PayMethod("m" * 17)
