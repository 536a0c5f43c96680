"""Checkers for the money skills (decimal arithmetic, rounding as each prompt states it)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from ._common import need, one_of

CENT = Decimal("0.01")
FREQ = {"annually": 1, "semi-annually": 2, "quarterly": 4, "monthly": 12}


def _cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def compound_interest(prompt: str) -> str:
    ask = one_of(
        prompt,
        {
            "balance": r"(What is the balance at the end of the \d+ years\?|How much money is in the account after \d+ years\?)",
            "interest": r"(How much interest in total has the account earned after \d+ years|What is the total interest "
            r"credited over the \d+ years)",
        },
    )
    need(r"round (only|just) the final", prompt)
    freq = FREQ[need(r"compounded (annually|semi-annually|quarterly|monthly)", prompt)[1]]
    principal = Decimal(
        need(
            r"(?:puts|starts with|opens a [\w -]+? with|years, ) ?(\d+) (?:dollars|euros|pounds|francs)",
            prompt,
        )[1]
    )
    two = re.search(
        r"For the first (\d+) years it pays a nominal annual rate of ([\d.]+)%; at the end of year \1 .+? "
        r"deposits another (\d+) \w+ and the rate changes to ([\d.]+)% for the following (\d+) years",
        prompt,
    )
    if two:
        segments = [(Decimal(two[2]), int(two[1])), (Decimal(two[4]), int(two[5]))]
        deposit = Decimal(two[3])
    else:
        rate = need(r"(?:nominal annual rate of |quotes |nominal )([\d.]+)%", prompt)[1]
        years = need(r"(?:untouched for|withdrawn for|For) (\d+) years", prompt)[1]
        segments, deposit = [(Decimal(rate), int(years))], Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 50
        balance = principal
        for k, (rate, years) in enumerate(segments):
            balance += deposit if k == 1 else 0
            balance *= (1 + rate / 100 / freq) ** (years * freq)
        answer = balance if ask == "balance" else balance - principal - deposit
    return f"{_cents(answer):.2f}"


def loan_payment(prompt: str) -> str:
    principal = Decimal(
        need(r"(?:loan of|mortgage of|approves .+?:|borrows) (\d+) (?:dollars|euros|pounds|francs)", prompt)[
            1
        ]
    )
    m = need(
        r"nominal annual rate of ([\d.]+)% and is repaid in (\d+) equal (monthly|quarterly) payments .+?"
        r"\(periodic rate = annual rate / (\d+)\)",
        prompt,
    )
    rate, n, per_year = Decimal(m[1]), int(m[2]), int(m[4])
    ask = one_of(
        prompt,
        {
            "payment": r"What is the (monthly|quarterly) payment\?",
            "interest": r"How much interest is paid in total over the life of the loan",
            "balance": r"What is the outstanding balance immediately after the \d+(st|nd|rd|th) payment\?",
        },
    )
    with localcontext() as ctx:
        ctx.prec = 50
        i = rate / 100 / per_year
        payment = _cents(principal * i / (1 - (1 + i) ** -n))
        if ask == "payment":
            return f"{payment:.2f}"
        if ask == "interest":
            return f"{payment * n - principal:.2f}"
        k = int(need(r"immediately after the (\d+)(?:st|nd|rd|th) payment\?", prompt)[1])
        balance = principal
        for _ in range(k):
            balance -= payment - _cents(balance * i)
        return f"{balance:.2f}"


def discount_tax_chain(prompt: str) -> str:
    need(r"What is the final amount charged\?", prompt)
    need(
        r"Every discount amount and the tax amount are rounded to the nearest cent \(halves up\) when computed",
        prompt,
    )
    money = r"(?:[$€£]|CHF )([\d.]+)"
    cart = need(r"Cart: (.+?)\. Pricing rules", prompt)[1]
    lines = {
        name: Decimal(qty) * Decimal(price)
        for qty, name, price in re.findall(rf"(\d+) x (.+?) at {money} each", cart)
    }
    rules = need(r"Pricing rules, in this order: (.+?)\. Every discount", prompt)[1]
    for name, pct in re.findall(
        r"the (.+?) line is (\d+)% off \(one discount on the line total, quantity x price\)", rules
    ):
        lines[name] -= _cents(lines[name] * Decimal(pct) / 100)
    amount = sum(lines.values(), Decimal(0))
    order = re.search(r"a (\d+)% discount applies to the whole order", rules)
    if order:
        amount -= _cents(amount * Decimal(order[1]) / 100)
    coupon = re.search(
        rf"then a {money} coupon is subtracted, but only if the amount after the percentage discounts "
        rf"is at least {money}",
        rules,
    )
    if coupon and amount >= Decimal(coupon[2]):
        amount -= Decimal(coupon[1])
    tax = need(r"sales tax of ([\d.]+)% is charged on the discounted amount", rules)
    amount += _cents(amount * Decimal(tax[1]) / 100)
    shipping = re.search(rf"flat shipping fee of {money} is added", rules)
    if shipping:
        amount += Decimal(shipping[1])
    return f"{amount:.2f}"
