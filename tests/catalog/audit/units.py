"""Checkers for the unit skills (exact fractions from the factors each prompt lists)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from ._common import PromptUnreadable, need


def _round(value: Fraction, prompt: str) -> str:
    m = need(r"[Rr]ound (?:the result )?to (?:(\d+) decimal places?|the nearest whole number)", prompt)
    places = int(m[1]) if m[1] else 0
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"


_IRREGULAR = {"feet": "foot", "inches": "inch", "stone": "stone"}


def _singular(unit: str) -> str:
    words = unit.split(" ")
    last = words[-1]
    last = _IRREGULAR.get(last, last.removesuffix("s"))
    return " ".join([*words[:-1], last])


def _factor(graph: dict[str, dict[str, Fraction]], src: str, dst: str) -> Fraction:
    """How many ``dst`` make one ``src``, by a search over the listed relations."""
    frontier, seen = [(src, Fraction(1))], {src}
    while frontier:
        unit, f = frontier.pop()
        if unit == dst:
            return f
        for nxt, k in graph.get(unit, {}).items():
            if nxt not in seen:
                seen.add(nxt)
                frontier.append((nxt, f * k))
    raise PromptUnreadable(f"no chain of relations from {src} to {dst}")


def unit_chain_conversion(prompt: str) -> str:
    dst = need(r"Express this in (.+?), using only these relations: ", prompt)
    graph: dict[str, dict[str, Fraction]] = {}
    relations = need(r"using only these relations: (.+?)\. Round", prompt)[1]
    for a, k, b in re.findall(r"1 ([\w ]+?) = ([\d.]+) ([\w ]+?)(?:;|$)", relations):
        a, b, k = _singular(a), _singular(b), Fraction(k)
        graph.setdefault(a, {})[b] = k
        graph.setdefault(b, {})[a] = 1 / k
    units = sorted(graph, key=len, reverse=True)
    first = prompt[: dst.start()]
    qty = need(r"([\d.]+) ([a-zA-Z ]+?)(?: of cable| long)?\.", first)
    value, src = Fraction(qty[1]), qty[2]

    def split(phrase: str) -> tuple[str, str | None]:
        num, _, den = phrase.partition(" per ")
        return _singular(num.strip()), (_singular(den.strip()) if den else None)

    src_num, src_den = split(src)
    dst_num, dst_den = split(dst[1])
    for u in (src_num, src_den, dst_num, dst_den):
        if u is not None and u not in units:
            raise PromptUnreadable(f"unit {u!r} is not in the relations")
    result = value * _factor(graph, src_num, dst_num)
    if (src_den is None) != (dst_den is None):
        raise PromptUnreadable("rate converted to a non-rate")
    if src_den is not None:
        result /= _factor(graph, src_den, dst_den)
    return _round(result, prompt)


# Fuel economy: every unit as kilometres per litre (distance per volume), or its reciprocal.
MILE_KM = Fraction("1.609344")
US_GAL_L = Fraction("3.785411784")
IMP_GAL_L = Fraction("4.54609")
_FUEL = {
    "litres per 100 km": ("inverse", Fraction(100)),
    "US gallons per 100 miles": ("inverse", 100 * MILE_KM / US_GAL_L),
    "miles per imperial gallon": ("direct", MILE_KM / IMP_GAL_L),
    "miles per US gallon": ("direct", MILE_KM / US_GAL_L),
    "kilometres per litre": ("direct", Fraction(1)),
    "miles per litre": ("direct", MILE_KM),
}
_FUEL_RE = "|".join(re.escape(u) for u in _FUEL)


def _to_km_per_l(value: Fraction, unit: str) -> Fraction:
    kind, k = _FUEL[unit]
    return value * k if kind == "direct" else k / value


def fuel_economy_conversion(prompt: str) -> str:
    need(
        r"Use 1 mile = 1\.609344 km, 1 US gallon = 3\.785411784 litres and 1 imperial gallon = 4\.54609 litres",
        prompt,
    )
    src = need(rf"([\d.]+) ({_FUEL_RE})", prompt)
    ask = need(
        rf"(?:wants it in|What is that figure in|needs the equivalent in|Express that in|Convert this fuel "
        rf"economy to|Give the same economy in|Restate that in|Express the same economy in) ({_FUEL_RE})",
        prompt[src.end() :],
    )
    kmpl = _to_km_per_l(Fraction(src[1]), src[2])
    kind, k = _FUEL[ask[1]]
    return _round(kmpl / k if kind == "direct" else k / kmpl, prompt)


def _sig_figs(text: str) -> int:
    digits = text.lstrip("0.").replace(".", "") if "." in text else text.lstrip("0")
    if "." not in text and text.endswith("0"):
        raise PromptUnreadable(f"{text}: trailing zeros of an integer leave its significant figures open")
    return len(digits)


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


def _to_sig(value: Fraction, n: int) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    exp = exact.adjusted() - n + 1
    rounded = exact.quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_UP)
    if rounded.adjusted() != exact.adjusted():  # rounding carried into a new digit (9.96 -> 10.0)
        rounded = exact.quantize(Decimal(1).scaleb(exp + 1), rounding=ROUND_HALF_UP)
    return f"{rounded:f}"


def significant_figures(prompt: str) -> str:
    need(r"(significant figures|significant-figure rules)", prompt)
    nums = re.findall(
        r"(?<![\w^])(\d+(?:\.\d+)?)(?![\w^])", prompt.split(". ")[0] + ". " + prompt.split(". ")[1]
    )
    q = need(r"(Compute|Find|Work out|Calculate) ([^.]+)\.", prompt)[0]
    values = [Fraction(n) for n in nums]
    if re.search(r"two (legs|samples|rods) of", prompt):
        a, b, c = nums[:3]
        places = min(_decimals(a), _decimals(b))
        total = Fraction(a) + Fraction(b)
        total_text = f"{Decimal(total.numerator) / Decimal(total.denominator):.{places}f}"
        sf = min(_sig_figs(total_text), _sig_figs(c))
        result = total / Fraction(c) if "rods" not in prompt else total * Fraction(c)
        return _to_sig(result, sf)
    sf = min(_sig_figs(n) for n in nums)
    if "dilutes" in prompt:
        result = values[0] * values[1] / values[2]
    elif "per unit area" in q or "coverage" in q:
        result = values[0] / (values[1] * values[2])
    elif "volume" in q or "energy" in q:
        result = values[0] * values[1] * values[2]
    elif "average speed" in q or "mass per metre" in q:
        result = values[0] / values[1]
    elif "distance" in q or "mass in grams" in q:
        result = values[0] * values[1]
    else:
        raise PromptUnreadable(f"unknown quantity: {q}")
    if len(values) < 2:
        raise PromptUnreadable("too few measurements")
    return _to_sig(result, sf)
