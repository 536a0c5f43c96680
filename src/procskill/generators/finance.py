"""Money procedures: compound interest, loan amortisation, discount and tax chains.

All amounts are computed with :class:`decimal.Decimal` in a local high-precision
context and rounded to the cent with ROUND_HALF_UP exactly where the prompt says so.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal, localcontext

from procskill.generators._base import GeneratedTask, skill

DOMAIN = "finance"
CENT = Decimal("0.01")
PREC = 50

_PEOPLE = (
    "Amara",
    "Bjorn",
    "Chidi",
    "Dolores",
    "Emeka",
    "Farah",
    "Gustavo",
    "Hana",
    "Ilse",
    "Jomo",
    "Kalani",
    "Lucia",
    "Mateus",
    "Noor",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosalind",
    "Sanjay",
    "Tereza",
    "Ulla",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zofia",
)
_CURRENCIES = (("dollars", "$"), ("euros", "€"), ("pounds", "£"), ("francs", "CHF "))
_FREQUENCIES = {1: "annually", 2: "semi-annually", 4: "quarterly", 12: "monthly"}
_FREQ_PERIOD = {1: "year", 2: "half-year", 4: "quarter", 12: "month"}


def _cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def _money(x: Decimal) -> str:
    return f"{_cents(x):.2f}"


def _rate(rng: random.Random, lo: int, hi: int, step: int) -> Decimal:
    """A percentage rate lo..hi in hundredths of a percent, on a grid of ``step``."""
    return Decimal(rng.randrange(lo, hi + 1, step)) / 100


def _pct(r: Decimal) -> str:
    return f"{r.normalize():f}%"


# --------------------------------------------------------------------------- compound interest


def _a(noun: str) -> str:
    """The noun with its indefinite article ("an equipment loan")."""
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _larger_by(compound: Decimal, simple: Decimal) -> str:
    """How much larger compound interest is than the simple estimate, in words the check step states."""
    return f"{(compound / simple - 1) * 100:.0f}% larger"


@skill(
    id="compound-interest",
    name="Compound interest",
    domain=DOMAIN,
    description="Grow a deposit under periodic compounding (possibly with a rate change and top-up) and report the balance or interest.",
    answer_type="number",
    procedure=[
        "Extract the principal, the nominal annual rate(s), the number of compounding periods per year, the term of each rate segment, and any extra deposits with their timing.",
        "Convert each nominal annual rate to a periodic rate (annual rate / periods per year) and each term to a whole number of periods.",
        "Grow the balance segment by segment with balance x (1 + periodic rate)^periods, adding any deposit at the moment it is made; keep full precision.",
        "Derive the quantity asked for (final balance, or interest = final balance minus everything deposited) and apply the stated rounding only at the end.",
        "Verify: check the interest against a rough simple-interest estimate (compounding makes it larger) and recheck that the periodic rate and period count match the compounding frequency.",
    ],
    why="Models often apply the annual rate per period, miscount periods, or round intermediate balances; fixing the periodic rate and period count first prevents this.",
)
def compound_interest(rng: random.Random, difficulty: int) -> GeneratedTask:
    person = rng.choice(_PEOPLE)
    currency, _ = rng.choice(_CURRENCIES)
    ask = rng.choice(["balance", "interest"])
    principal = (
        Decimal(rng.randrange(500, 60001, 50)) if difficulty > 1 else Decimal(rng.randrange(200, 10001, 100))
    )
    if difficulty == 1:
        freq = rng.choice([1, 2])
        segments = [(_rate(rng, 150, 800, 25), rng.randint(2, 6))]
        deposit = Decimal(0)
    elif difficulty == 2:
        freq = rng.choice([4, 12])
        segments = [(_rate(rng, 105, 795, 5), rng.randint(3, 12))]
        deposit = Decimal(0)
    else:
        freq = rng.choice([2, 4, 12])
        r1 = _rate(rng, 105, 795, 5)
        r2 = _rate(rng, 105, 795, 5)
        while r2 == r1:
            r2 = _rate(rng, 105, 795, 5)
        segments = [(r1, rng.randint(2, 6)), (r2, rng.randint(2, 8))]
        deposit = Decimal(rng.randrange(100, 20001, 100))
    product = rng.choice(
        ["savings account", "term deposit", "money-market account", "certificate of deposit"]
    )

    with localcontext() as ctx:
        ctx.prec = PREC
        balance = principal
        seg_notes = []
        growth_notes = []
        for k, (rate, years) in enumerate(segments):
            if k == 1:
                balance += deposit
                growth_notes.append(f"add the deposit of {_money(deposit)} -> {balance:.6f}")
            i = rate / 100 / freq
            n = years * freq
            seg_notes.append(
                f"{_pct(rate)}/{freq} = {i:.10f} per {_FREQ_PERIOD[freq]} for {years} x {freq} = {n} periods"
            )
            before = balance
            balance = balance * (1 + i) ** n
            growth_notes.append(f"{before:.6f} x (1 + {i:.10f})^{n} = {balance:.6f}")
        total_deposited = principal + deposit
        interest = balance - total_deposited
        answer = balance if ask == "balance" else interest
        simple = principal * sum((r / 100 * y for r, y in segments), Decimal(0))
        target = _money(answer)

    if len(segments) == 1:
        rate, years = segments[0]
        wording = [rng.randrange(3)]
        terms = [
            (
                f"{person} puts {principal} {currency} into a {product} that pays a nominal annual rate of "
                f"{_pct(rate)}, compounded {_FREQUENCIES[freq]}, and leaves it untouched for {years} years."
            ),
            (
                f"A {product} opened by {person} starts with {principal} {currency}. The bank quotes {_pct(rate)} "
                f"per year (nominal), with interest compounded {_FREQUENCIES[freq]}; nothing is added or withdrawn "
                f"for {years} years."
            ),
            (
                f"For {years} years, {principal} {currency} sits in {person}'s {product} earning a nominal "
                f"{_pct(rate)} a year, compounded {_FREQUENCIES[freq]}, with no further deposits or withdrawals."
            ),
        ][wording[0]]
    else:
        (r1, y1), (r2, y2) = segments
        terms = (
            f"{person} opens a {product} with {principal} {currency}. For the first {y1} years it pays a nominal "
            f"annual rate of {_pct(r1)}; at the end of year {y1} {person} deposits another {deposit} {currency} "
            f"and the rate changes to {_pct(r2)} for the following {y2} years. Interest is compounded "
            f"{_FREQUENCIES[freq]} throughout and there are no withdrawals."
        )
        wording = [0]
    total_years = sum(y for _, y in segments)
    wording += [rng.randrange(2), rng.randrange(2)]
    if ask == "balance":
        question = [
            f"What is the balance at the end of the {total_years} years?",
            f"How much money is in the account after {total_years} years?",
        ][wording[1]]
    else:
        question = [
            f"How much interest in total has the account earned after {total_years} years (final balance minus all deposits)?",
            f"What is the total interest credited over the {total_years} years, i.e. the closing balance less every amount paid in?",
        ][wording[1]]
    rounding = [
        "Do not round intermediate values; round only the final amount to the nearest cent, with halves rounded up.",
        "Keep full precision throughout and round just the final figure to the cent (round half up).",
    ][wording[2]]
    prompt = (
        f"{terms} {question} {rounding} Answer with the amount as a plain number with exactly 2 decimal "
        "places, no currency symbol and no thousands separators."
    )
    check = (
        f"Simple-interest estimate of the interest is {simple:.2f}; the compound interest {_money(interest)} is "
        f"{_larger_by(interest, simple)}, as expected, and the final balance {_money(balance)} minus deposits "
        f"{total_deposited} gives {_money(interest)}."
    )
    steps = [
        f"Principal {principal}; segments "
        + "; ".join(f"{_pct(r)} for {y} years" for r, y in segments)
        + f"; compounded {_FREQUENCIES[freq]} ({freq} per year)"
        + (
            f"; extra deposit {deposit} at the end of year {segments[0][1]}."
            if deposit
            else "; no other deposits."
        ),
        "Periodic rates and period counts: " + "; ".join(seg_notes) + ".",
        "Growth: " + "; then ".join(growth_notes) + ".",
        (
            f"Final balance {balance:.6f}, rounded to {_money(balance)}."
            if ask == "balance"
            else f"Interest = {balance:.6f} - {total_deposited} = {interest:.6f}, rounded to {_money(interest)}."
        ),
        check,
    ]
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=steps,
        params={
            "person": person,
            "currency": currency,
            "product": product,
            "principal": str(principal),
            "frequency": freq,
            "segments": [[str(r), y] for r, y in segments],
            "deposit": str(deposit),
            "ask": ask,
            "wording": wording,
        },
    )


# --------------------------------------------------------------------------- loan payment

_LOANS = (
    ("car loan", "a used car", 4000, 45000),
    ("personal loan", "a kitchen renovation", 2000, 30000),
    ("equipment loan", "a bakery oven", 5000, 80000),
    ("student loan", "a master's degree", 8000, 90000),
    ("mortgage", "a flat", 60000, 650000),
    ("business loan", "a delivery van", 10000, 120000),
    ("home-improvement loan", "solar panels", 5000, 40000),
)


def _annuity_payment(principal: Decimal, i: Decimal, n: int) -> Decimal:
    return principal * i / (1 - (1 + i) ** (-n))


@skill(
    id="loan-payment",
    name="Loan amortisation",
    domain=DOMAIN,
    description="Compute a fixed-rate loan's periodic payment, total interest, or balance after some payments.",
    answer_type="number",
    procedure=[
        "Extract the amount borrowed, the nominal annual rate, the number of payments per year, the total number of payments, and exactly which quantity is asked.",
        "Compute the periodic rate i = annual rate / payments per year and the number of payments n = years x payments per year.",
        "Apply the annuity formula payment = P x i / (1 - (1 + i)^-n) and round the payment as the prompt specifies.",
        "Derive the requested quantity from the rounded payment: total interest = n x payment - P, or the remaining balance by rolling the schedule (interest on the balance, rounded as stated, then subtract the payment) for the given number of payments.",
        "Verify: check the payment exceeds the first period's interest P x i, that total payments exceed P, and that the balance after k payments lies between 0 and P and shrinks faster over time.",
    ],
    why="The annuity formula has a negative exponent and a periodic rate that models routinely get wrong; fixing i and n first and checking against the first period's interest catches it.",
)
def loan_payment(rng: random.Random, difficulty: int) -> GeneratedTask:
    person = rng.choice(_PEOPLE)
    currency, _ = rng.choice(_CURRENCIES)
    kind, purpose, lo, hi = rng.choice(_LOANS)
    principal = Decimal(rng.randrange(lo // 100, hi // 100 + 1) * 100)
    if difficulty == 1:
        ask = "payment"
        years = rng.randint(1, 5)
        per_year = 12
    elif difficulty == 2:
        ask = rng.choice(["payment", "interest"])
        years = rng.randint(3, 30) if kind == "mortgage" else rng.randint(2, 10)
        per_year = rng.choice([12, 12, 4])
    else:
        ask = "balance"
        years = rng.randint(10, 30) if kind == "mortgage" else rng.randint(3, 10)
        per_year = 12
    rate = _rate(rng, 199, 1299, 1 if difficulty > 1 else 25)
    n = years * per_year
    k = rng.randint(3, 12) if ask == "balance" else 0
    period = "month" if per_year == 12 else "quarter"
    freq_word = "monthly" if per_year == 12 else "quarterly"

    with localcontext() as ctx:
        ctx.prec = PREC
        i = rate / 100 / per_year
        raw = _annuity_payment(principal, i, n)
        pay = _cents(raw)
        first_interest = principal * i
        schedule = []
        bal = principal
        for m in range(1, k + 1):
            intr = _cents(bal * rate / (100 * per_year))  # exact: a true half cent rounds up
            bal = bal - (pay - intr)
            schedule.append((m, intr, pay - intr, bal))
        if ask == "payment":
            answer = pay
        elif ask == "interest":
            answer = pay * n - principal
        else:
            answer = bal
        closed = principal * (1 + i) ** k - pay * ((1 + i) ** k - 1) / i if k else principal
        target = _money(answer)

    lead_form = rng.randrange(3)
    lead = [
        f"{person} takes out {_a(kind)} of {principal} {currency} for {purpose}.",
        f"To pay for {purpose}, {person} borrows {principal} {currency} as {_a(kind)}.",
        f"A lender approves {person}'s {kind}: {principal} {currency}, used for {purpose}.",
    ][lead_form]
    terms = (
        f"The loan has a fixed nominal annual rate of {_pct(rate)} and is repaid in {n} equal {freq_word} "
        f"payments over {years} years (periodic rate = annual rate / {per_year}), the first payment one {period} after the loan is made."
    )
    if ask == "payment":
        question = f"What is the {freq_word} payment? Round it to the nearest cent, halves rounded up."
    elif ask == "interest":
        question = (
            f"The {freq_word} payment is rounded to the nearest cent (halves up) and all {n} payments are that "
            "rounded amount. How much interest is paid in total over the life of the loan (sum of payments minus the amount borrowed)?"
        )
    else:
        question = (
            f"The {freq_word} payment is rounded to the nearest cent (halves up). Each {period}, interest on the "
            "outstanding balance is rounded to the nearest cent (halves up) and the rest of the payment reduces the "
            f"balance. What is the outstanding balance immediately after the {k}th payment?"
        )
    prompt = (
        f"{lead} {terms} {question} Answer with the amount as a plain number with exactly 2 decimal places, "
        "no currency symbol and no thousands separators."
    )

    if ask == "payment":
        step4 = f"Requested quantity is the payment itself: {_money(pay)}."
    elif ask == "interest":
        step4 = f"Total interest = {n} x {_money(pay)} - {principal} = {_money(answer)}."
    else:
        rows = "; ".join(
            f"payment {m}: interest {_money(intr)}, principal {_money(prin)}, balance {_money(b)}"
            for m, intr, prin, b in schedule
        )
        step4 = f"Schedule: {rows}. Balance after payment {k}: {_money(bal)}."
    if ask == "balance":
        step5 = (
            f"Payment {_money(pay)} exceeds the first {period}'s interest {_money(first_interest)}; the closed form "
            f"P(1+i)^{k} - PMT((1+i)^{k}-1)/i gives {closed:.2f}, matching {_money(bal)} within rounding, and the "
            f"balance lies between 0 and {principal}."
        )
    else:
        step5 = (
            f"Payment {_money(pay)} exceeds the first {period}'s interest {_money(first_interest)}, and {n} payments "
            f"total {_money(pay * n)}, more than the {principal} borrowed."
        )
    steps = [
        f"Borrowed {principal}, nominal annual rate {_pct(rate)}, {per_year} payments per year, {n} payments; asked for "
        + {
            "payment": f"the {freq_word} payment.",
            "interest": "total interest over the loan.",
            "balance": f"the balance after payment {k}.",
        }[ask],
        f"i = {_pct(rate)} / {per_year} = {i:.10f}; n = {years} x {per_year} = {n}.",
        f"Payment = {principal} x {i:.10f} / (1 - (1 + {i:.10f})^-{n}) = {raw:.6f}, rounded to {_money(pay)}.",
        step4,
        step5,
    ]
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=steps,
        params={
            "person": person,
            "currency": currency,
            "kind": kind,
            "principal": str(principal),
            "rate": str(rate),
            "years": years,
            "per_year": per_year,
            "ask": ask,
            "after_payments": k,
            "lead_form": lead_form,
        },
    )


# --------------------------------------------------------------------------- discount and tax chain

_ITEMS = (
    ("notebook", 2, 15),
    ("desk lamp", 18, 90),
    ("wireless headphones", 40, 250),
    ("coffee beans (1 kg)", 12, 45),
    ("running shoes", 45, 180),
    ("backpack", 25, 140),
    ("water bottle", 8, 40),
    ("mechanical keyboard", 50, 220),
    ("monitor stand", 20, 95),
    ("yoga mat", 15, 80),
    ("tea kettle", 20, 110),
    ("phone case", 8, 45),
    ("board game", 15, 70),
    ("umbrella", 9, 50),
    ("wool socks (3-pack)", 9, 30),
    ("cast-iron pan", 25, 120),
    ("bike helmet", 30, 150),
    ("desk chair", 90, 450),
    ("picture frame", 6, 40),
    ("scented candle", 7, 35),
    ("garden hose", 15, 75),
    ("LED bulb pack", 6, 30),
    ("fountain pen", 12, 160),
    ("travel mug", 9, 35),
)
_SHOPS = (
    "an online bookshop",
    "a hardware store",
    "a department store",
    "an outdoor-gear shop",
    "a home-goods website",
    "a stationery shop",
    "a sports retailer",
    "a kitchen-supply store",
)


@skill(
    id="discount-tax-chain",
    name="Discount and tax chain",
    domain=DOMAIN,
    description="Apply item discounts, order discounts, a conditional coupon, sales tax and untaxed fees in order, rounding to the cent as stated.",
    answer_type="number",
    procedure=[
        "List every line: unit price x quantity = line total.",
        "Apply each item-specific percentage discount to its own line total, rounding the discount as stated, and add the lines into a subtotal.",
        "Apply the order-level discounts in the stated order, each to the amount left by the previous one: percentages first as instructed, then a fixed coupon only if its condition holds on the amount at that point.",
        "Compute the tax on the discounted amount at the stated rate, round it as stated, add it, then add any untaxed fees.",
        "Verify: re-add subtotal - discounts + tax + fees to confirm the total, and confirm percentages were applied one after another (never summed) and the coupon condition was checked on the right amount.",
    ],
    why="Chained discounts are order-dependent and rounding points matter; models tend to add percentages together, tax the wrong base, or ignore coupon conditions.",
)
def discount_tax_chain(rng: random.Random, difficulty: int) -> GeneratedTask:
    n_items = {1: 2, 2: 3, 3: rng.randint(4, 5)}[difficulty]
    currency, sym = rng.choice(_CURRENCIES)
    shop = rng.choice(_SHOPS)
    person = rng.choice(_PEOPLE)
    picked = rng.sample(range(len(_ITEMS)), n_items)
    lines = []
    for idx in picked:
        name, lo, hi = _ITEMS[idx]
        price = Decimal(rng.randint(lo * 100, hi * 100 - 1)) / 100
        qty = rng.randint(1, 4)
        lines.append([name, price, qty])
    n_item_disc = {1: 0, 2: 1, 3: 2}[difficulty]
    item_disc = {}
    for idx in sorted(rng.sample(range(n_items), n_item_disc)):
        item_disc[idx] = Decimal(rng.choice([5, 10, 15, 20, 25, 30, 40]))
    order_pct = Decimal(rng.choice([5, 8, 10, 12, 15, 20, 25]))
    tax = Decimal(
        rng.choice(["5", "6", "6.25", "7", "7.5", "8", "8.25", "8.875", "9.5", "10", "19", "20", "21"])
    )
    shipping = (
        Decimal(rng.choice(["4.99", "5.95", "6.50", "7.99", "9.90"])) if difficulty == 3 else Decimal(0)
    )

    with localcontext() as ctx:
        ctx.prec = PREC
        line_notes = []
        disc_notes = []
        subtotal = Decimal(0)
        for idx, (name, price, qty) in enumerate(lines):
            total = price * qty
            line_notes.append(f"{name} {price:.2f} x {qty} = {total:.2f}")
            if idx in item_disc:
                d = _cents(total * item_disc[idx] / 100)
                net = total - d
                disc_notes.append(
                    f"{name}: {_pct(item_disc[idx])} of {total:.2f} = {d:.2f}, line becomes {net:.2f}"
                )
            else:
                net = total
            subtotal += net
        order_disc = _cents(subtotal * order_pct / 100)
        after = subtotal - order_disc
        coupon = None
        coupon_applies = False
        if difficulty == 3:
            value = Decimal(rng.choice([5, 10, 15, 20]))
            # Threshold near the post-discount amount: sometimes met, sometimes not.
            threshold = Decimal(int(after) // 10 * 10 + rng.choice([-20, -10, 10, 20]))
            threshold = max(threshold, Decimal(20))
            coupon = (value, threshold)
            coupon_applies = after >= threshold
        after_coupon = after - coupon[0] if coupon_applies else after
        tax_amt = _cents(after_coupon * tax / 100)
        total = after_coupon + tax_amt + shipping
        target = _money(total)

    cart = "; ".join(f"{qty} x {name} at {sym}{price:.2f} each" for name, price, qty in lines)
    rules = []
    for idx, pct in item_disc.items():
        rules.append(
            f"the {lines[idx][0]} line is {_pct(pct)} off (one discount on the line total, quantity x price)"
        )
    if item_disc:
        rules.append(
            f"then a {_pct(order_pct)} discount applies to the whole order (after the item discounts)"
        )
    else:
        rules.append(f"a {_pct(order_pct)} discount applies to the whole order")
    if coupon:
        rules.append(
            f"then a {sym}{coupon[0]} coupon is subtracted, but only if the amount after the percentage discounts is at least {sym}{coupon[1]}"
        )
    rules.append(f"then sales tax of {_pct(tax)} is charged on the discounted amount")
    if shipping:
        rules.append(f"finally a flat shipping fee of {sym}{shipping} is added (shipping is not taxed)")
    prompt = (
        f"{person} checks out at {shop} (prices in {currency}). Cart: {cart}. Pricing rules, in this order: "
        + "; ".join(rules)
        + ". Every discount amount and the tax amount are rounded to the nearest cent (halves up) when computed. "
        "What is the final amount charged? Answer with a plain number with exactly 2 decimal places, no currency "
        "symbol and no thousands separators."
    )
    step3 = f"Order discount {_pct(order_pct)} of {subtotal:.2f} = {order_disc:.2f}, leaving {after:.2f}"
    if coupon:
        step3 += (
            f"; coupon condition {after:.2f} >= {coupon[1]} is {'met' if coupon_applies else 'not met'}, "
            + (
                f"so subtract {coupon[0]} -> {after_coupon:.2f}."
                if coupon_applies
                else f"so the amount stays {after_coupon:.2f}."
            )
        )
    else:
        step3 += "."
    step4 = f"Tax {_pct(tax)} of {after_coupon:.2f} = {tax_amt:.2f}; {after_coupon:.2f} + {tax_amt:.2f}"
    step4 += f" + shipping {shipping} = {total:.2f}." if shipping else f" = {total:.2f}."
    recheck = f"{subtotal:.2f} - {order_disc:.2f}"
    if coupon_applies:
        recheck += f" - {coupon[0]}"
    recheck += f" + {tax_amt:.2f}"
    if shipping:
        recheck += f" + {shipping}"
    steps = [
        "Line totals: " + "; ".join(line_notes) + ".",
        ("Item discounts: " + "; ".join(disc_notes) + ". " if disc_notes else "No item-specific discounts. ")
        + f"Subtotal = {subtotal:.2f}.",
        step3,
        step4,
        f"Recheck: {recheck} = {total:.2f}; the percentages were applied one after another, not added together.",
    ]
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=steps,
        params={
            "person": person,
            "shop": shop,
            "currency": currency,
            "lines": [[name, f"{price:.2f}", qty] for name, price, qty in lines],
            "item_discounts": [[idx, str(p)] for idx, p in item_disc.items()],
            "order_pct": str(order_pct),
            "coupon": [str(coupon[0]), str(coupon[1])] if coupon else None,
            "tax": str(tax),
            "shipping": str(shipping),
        },
    )
