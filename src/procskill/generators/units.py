"""Unit procedures: conversion chains, fuel economy, significant figures."""

from __future__ import annotations

import decimal
import functools
import random
from fractions import Fraction

from procskill.generators._base import GeneratedTask, skill

DOMAIN = "units"

_CTX = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_UP)


def _to_decimal(x: Fraction) -> decimal.Decimal:
    return _CTX.divide(decimal.Decimal(x.numerator), decimal.Decimal(x.denominator))


def _round_places(x: Fraction, places: int) -> str | None:
    """``x`` rounded half-up to ``places`` decimals, or None on an exact tie (avoid ambiguity)."""
    scaled = x * 10**places
    if scaled.denominator == 2:
        return None
    q = _to_decimal(x).quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)
    return format(q, "f")


def _approx(x: Fraction, digits: int = 8) -> str:
    d = _to_decimal(x)
    return format(_CTX.create_decimal(d).normalize(decimal.Context(prec=digits)), "f")


# ---------------------------------------------------------------------------------------------
# unit-chain-conversion

# (big, k, small): 1 big = k small. Each dimension's relations form a tree.
_RELATIONS = {
    "length": [
        ("kilometre", "1000", "metre"),
        ("metre", "100", "centimetre"),
        ("centimetre", "10", "millimetre"),
        ("inch", "2.54", "centimetre"),
        ("foot", "12", "inch"),
        ("yard", "3", "foot"),
        ("rod", "5.5", "yard"),
        ("chain", "4", "rod"),
        ("furlong", "10", "chain"),
        ("mile", "8", "furlong"),
        ("league", "3", "mile"),
        ("fathom", "6", "foot"),
        ("hand", "4", "inch"),
        ("nautical mile", "1852", "metre"),
    ],
    "time": [
        ("minute", "60", "second"),
        ("hour", "60", "minute"),
        ("day", "24", "hour"),
        ("week", "7", "day"),
        ("fortnight", "2", "week"),
    ],
    "mass": [
        ("kilogram", "1000", "gram"),
        ("gram", "1000", "milligram"),
        ("pound", "0.45359237", "kilogram"),
        ("pound", "16", "ounce"),
        ("ounce", "16", "dram"),
        ("stone", "14", "pound"),
        ("pound", "7000", "grain"),
        ("short ton", "2000", "pound"),
        ("tonne", "1000", "kilogram"),
    ],
    "volume": [
        ("litre", "1000", "millilitre"),
        ("cubic inch", "16.387064", "millilitre"),
        ("US gallon", "231", "cubic inch"),
        ("US gallon", "4", "US quart"),
        ("US quart", "2", "US pint"),
        ("US pint", "2", "US cup"),
        ("US cup", "8", "US fluid ounce"),
        ("US fluid ounce", "2", "US tablespoon"),
        ("US tablespoon", "3", "US teaspoon"),
        ("cubic foot", "1728", "cubic inch"),
        ("barrel", "42", "US gallon"),
        ("cubic metre", "1000", "litre"),
    ],
}
_PLURAL = {
    "foot": "feet",
    "inch": "inches",
    "cubic foot": "cubic feet",
    "cubic inch": "cubic inches",
    "stone": "stone",
}
_SUBJECTS = {
    "length": (
        "A hiking trail is {q} long",
        "A mooring rope measures {q}",
        "A racecourse straight runs {q}",
        "A canal lock is {q} long",
        "A garden hedge stretches {q}",
        "A cable run needs {q} of cable",
        "A survey baseline measures {q}",
        "A runway is {q} long",
    ),
    "mass": (
        "A shipping crate weighs {q}",
        "A sack of grain weighs {q}",
        "A bronze bell weighs {q}",
        "A bag of flour holds {q}",
        "A parcel weighs {q}",
        "A hay bale weighs {q}",
        "A cast-iron anvil weighs {q}",
    ),
    "volume": (
        "A rain barrel holds {q}",
        "A fish tank holds {q}",
        "A fuel drum contains {q}",
        "A punch bowl holds {q}",
        "A paint tin contains {q}",
        "A cistern stores {q}",
        "A brewing kettle holds {q}",
    ),
}
_RATE_SUBJECTS = {
    ("length", "time"): (
        "A glacier creeps forward at {q}",
        "A conveyor belt runs at {q}",
        "A river barge drifts at {q}",
        "A snail travels at {q}",
        "A lava flow advances at {q}",
    ),
    ("mass", "time"): (
        "A hopper discharges grain at {q}",
        "A grain elevator moves {q}",
        "A flour mill grinds {q}",
        "A sawmill produces sawdust at {q}",
    ),
    ("volume", "time"): (
        "A leaking pipe loses {q}",
        "A maple tap yields sap at {q}",
        "A pump delivers {q}",
        "A fountain recirculates {q}",
    ),
    ("mass", "length"): (
        "A steel cable weighs {q}",
        "A length of rail track weighs {q}",
        "A climbing rope weighs {q}",
    ),
    ("volume", "length"): (
        "A pipeline holds {q}",
        "A foundation trench needs concrete at {q}",
        "A garden hose holds {q}",
    ),
}


def _plural(unit: str) -> str:
    return _PLURAL.get(unit, unit + "s")


@functools.cache
def _path(dimension: str, src: str, dst: str) -> tuple[tuple[str, str, str], ...]:
    """Relations along the tree path from ``src`` to ``dst``, each as (from, op, to).

    ``op`` is ``"x<k>"`` when 1 from = k to (multiply) and ``"/<k>"`` when 1 to = k from (divide).
    """
    adj: dict[str, list[tuple[str, str, bool]]] = {}
    for big, k, small in _RELATIONS[dimension]:
        adj.setdefault(big, []).append((small, k, True))
        adj.setdefault(small, []).append((big, k, False))
    prev: dict[str, tuple[str, str, bool]] = {src: ("", "", True)}
    queue = [src]
    while queue:
        node = queue.pop(0)
        for nxt, k, down in adj[node]:
            if nxt not in prev:
                prev[nxt] = (node, k, down)
                queue.append(nxt)
    steps, node = [], dst
    while node != src:
        parent, k, down = prev[node]
        steps.append((parent, k, node, down))
        node = parent
    return tuple((a, ("x" if down else "/") + k, b) for a, k, b, down in reversed(steps))


def _units(dimension: str) -> list[str]:
    return sorted({u for big, _, small in _RELATIONS[dimension] for u in (big, small)})


def _chain_factor(path: tuple[tuple[str, str, str], ...]) -> Fraction:
    f = Fraction(1)
    for _, op, _ in path:
        f = f * Fraction(op[1:]) if op[0] == "x" else f / Fraction(op[1:])
    return f


def _pick_pair(rng: random.Random, dimension: str, lo: int, hi: int) -> tuple[str, str, tuple]:
    units = _units(dimension)
    pairs = [(a, b) for a in units for b in units if a != b and lo <= len(_path(dimension, a, b)) <= hi]
    a, b = rng.choice(pairs)
    return a, b, _path(dimension, a, b)


def _relation_text(big: str, k: str, small: str) -> str:
    return f"1 {big} = {k} {small if k == '1' else _plural(small)}"


def _relations_on(path: tuple[tuple[str, str, str], ...]) -> list[tuple[str, str, str]]:
    out = []
    for a, op, b in path:
        out.append((a, op[1:], b) if op[0] == "x" else (b, op[1:], a))
    return out


def _factor_text(a: str, op: str, b: str) -> str:
    k = op[1:]
    return f"({k} {_plural(b)} / 1 {a})" if op[0] == "x" else f"(1 {b} / {k} {_plural(a)})"


@skill(
    id="unit-chain-conversion",
    name="Unit conversion chain",
    domain=DOMAIN,
    description="Convert a quantity (or a rate) through a chain of given unit relations.",
    answer_type="number",
    procedure=[
        "Write the quantity with its units and find the chain of given relations leading from the source "
        "unit to the target unit (for a rate, one chain for the numerator and one for the denominator).",
        "Write each relation as a conversion factor equal to 1, oriented so that the unit to be removed "
        "cancels (the unit you are leaving goes in the factor's denominator).",
        "Multiply the quantity by the numerator-chain factors and divide by the denominator-chain "
        "factors, cancelling units along the way.",
        "Evaluate the product exactly and round only the final value as requested.",
        "Verify that only the target units remain, and that converting the rounded result back through "
        "the chain returns (almost) the starting quantity.",
    ],
    why="Models invert factors, skip links in the chain, or divide where they should multiply; "
    "factor-label bookkeeping makes every cancellation explicit.",
)
def unit_chain_conversion(rng: random.Random, difficulty: int) -> GeneratedTask:
    while True:
        if difficulty < 3:
            dim = rng.choice(["length", "mass", "volume"])
            lo, hi = (2, 3) if difficulty == 1 else (4, 7)
            src, dst, path = _pick_pair(rng, dim, lo, hi)
            den = None
        else:
            dim = rng.choice(["length", "mass", "volume"])
            src, dst, path = _pick_pair(rng, dim, 2, 5)
            den_dim = "time" if dim == "length" else rng.choice(["time", "time", "length"])
            d_src, d_dst, d_path = _pick_pair(rng, den_dim, 1, 4)
            den = (den_dim, d_src, d_dst, d_path)
        digits = rng.randint(2, 4)
        quantity = Fraction(rng.randint(10 ** (digits - 1) + 1, 10**digits - 1), 10 ** rng.randint(0, 2))
        factor = _chain_factor(path)
        if den:
            factor /= _chain_factor(den[3])
        value = quantity * factor
        if not Fraction(1, 1000) <= value <= 10**7:
            continue
        mag = len(str(int(value))) if value >= 1 else -len(str(int(1 / value)))
        places = max(0, 5 - mag) if value >= 1 else 4 - mag
        rounded = _round_places(value, places)
        if rounded is not None:
            break
    q_text = format(_to_decimal(quantity).normalize(), "f")
    relations = _relations_on(path) + (_relations_on(den[3]) if den else [])
    dims = [dim, den[0]] if den else [dim]
    distractor_pool = [r for d in dims for r in _RELATIONS[d] if r not in relations]
    n_distract = {1: 0, 2: 1, 3: 2}[difficulty]
    shown = relations + rng.sample(distractor_pool, min(n_distract, len(distractor_pool)))
    rng.shuffle(shown)
    relation_text = "; ".join(_relation_text(*r) for r in shown)
    if den:
        src_label = f"{_plural(src)} per {den[1]}"
        dst_label = f"{_plural(dst)} per {den[2]}"
        subject = rng.choice(_RATE_SUBJECTS[(dim, den[0])])
    else:
        src_label, dst_label = _plural(src), _plural(dst)
        subject = rng.choice(_SUBJECTS[dim])
    lead = subject.format(q=f"{q_text} {src_label}") + "."
    prompt = (
        f"{lead} Express this in {dst_label}, using only these relations: {relation_text}. "
        + (
            f"Round the result to {places} decimal place{'s' if places != 1 else ''}"
            if places
            else "Round the result to the nearest whole number"
        )
        + " and answer with the number only."
    )
    num_chain = " -> ".join([src] + [b for _, _, b in path])
    chain_text = f"numerator {num_chain}"
    factors = " x ".join(_factor_text(*p) for p in path)
    if den:
        chain_text += " ; denominator " + " -> ".join([den[1]] + [b for _, _, b in den[3]])
        factors += " ; denominator: " + " x ".join(_factor_text(*p) for p in den[3])
    ops = [f"{op[0]} {op[1:]}" for _, op, _ in path]
    if den:
        ops += [("/ " if op[0] == "x" else "x ") + op[1:] for _, op, _ in den[3]]
    back = Fraction(rounded) / factor
    return GeneratedTask(
        prompt=prompt,
        target=rounded,
        steps=[
            f"{q_text} {src_label}; chain: {chain_text}.",
            f"Factors: {factors}.",
            f"{q_text} {' '.join(ops)}.",
            f"= {_approx(value, 12)} {dst_label}, rounded to {places} decimal places: {rounded}.",
            f"Units left: {dst_label}. Back-conversion: {rounded} / {_approx(factor, 10)} = "
            f"{_approx(back, 8)}, about the original {q_text}.",
        ],
        params={
            "quantity": q_text,
            "from": src_label,
            "to": dst_label,
            "subject": subject,
            "relations": [list(r) for r in shown],
        },
    )


# ---------------------------------------------------------------------------------------------
# fuel-economy-conversion

MILE_KM = Fraction("1.609344")
US_GAL_L = Fraction("3.785411784")
IMP_GAL_L = Fraction("4.54609")

# key: (label, kind, range of source values, to km/L, from km/L, description of to-km/L step)
_FUEL_UNITS = {
    "mpg_us": ("miles per US gallon", "distance per volume", (15, 60)),
    "mpg_imp": ("miles per imperial gallon", "distance per volume", (18, 70)),
    "kmpl": ("kilometres per litre", "distance per volume", (6, 25)),
    "mpl": ("miles per litre", "distance per volume", (4, 15)),
    "l100": ("litres per 100 km", "volume per distance", (4, 16)),
    "gal100": ("US gallons per 100 miles", "volume per distance", (2, 6)),
}
_FUEL_PAIRS = {
    1: [
        ("mpg_us", "kmpl"),
        ("kmpl", "mpg_us"),
        ("mpg_imp", "kmpl"),
        ("kmpl", "mpg_imp"),
        ("mpl", "kmpl"),
        ("kmpl", "mpl"),
    ],
    2: [
        ("mpg_us", "l100"),
        ("l100", "mpg_us"),
        ("mpg_imp", "l100"),
        ("l100", "mpg_imp"),
        ("kmpl", "l100"),
        ("l100", "kmpl"),
    ],
    3: [
        ("mpg_us", "mpg_imp"),
        ("mpg_imp", "mpg_us"),
        ("l100", "gal100"),
        ("gal100", "l100"),
        ("gal100", "mpg_imp"),
        ("mpg_imp", "gal100"),
        ("mpl", "l100"),
        ("gal100", "kmpl"),
    ],
}
_VEHICLES = (
    "compact hatchback",
    "delivery van",
    "hybrid saloon",
    "pickup truck",
    "vintage roadster",
    "minibus",
    "motorbike",
    "estate car",
    "camper van",
    "city taxi",
    "sports coupe",
    "farm utility vehicle",
)
_MAKES = (
    "Arlen",
    "Borealis",
    "Castellan",
    "Dunford",
    "Elwood",
    "Fennec",
    "Galloway",
    "Hartwell",
    "Ingram",
    "Jaspar",
    "Kimura",
    "Lindell",
)
_MODELS = ("Sprint", "Voyager", "Meridian", "Rover", "Pulse", "Summit", "Comet", "Drifter", "Atlas", "Breeze")
_FUEL_FRAMES = (
    "A road test reports that the {vehicle} achieves {value} {src}. What is that figure in {dst}?",
    "The brochure for the {vehicle} quotes {value} {src}. A buyer abroad wants it in {dst}.",
    "Over a long trip the {vehicle} averaged {value} {src}. Convert this fuel economy to {dst}.",
    "A fleet manager logs the {vehicle} at {value} {src} and needs the equivalent in {dst}.",
    "An owners' forum says the {vehicle} returns {value} {src} on the motorway. Restate that in {dst}.",
    "Official certification lists {value} {src} for the {vehicle}. Give the same economy in {dst}.",
)


def _to_kmpl(key: str, v: Fraction) -> tuple[Fraction, str]:
    if key == "mpg_us":
        return v * MILE_KM / US_GAL_L, f"{_approx(v)} x 1.609344 / 3.785411784"
    if key == "mpg_imp":
        return v * MILE_KM / IMP_GAL_L, f"{_approx(v)} x 1.609344 / 4.54609"
    if key == "kmpl":
        return v, f"{_approx(v)} (already km/L)"
    if key == "mpl":
        return v * MILE_KM, f"{_approx(v)} x 1.609344"
    if key == "l100":
        return 100 / v, f"100 / {_approx(v)}"
    return 100 * MILE_KM / (v * US_GAL_L), f"100 x 1.609344 / ({_approx(v)} x 3.785411784)"


def _from_kmpl(key: str, k: Fraction) -> tuple[Fraction, str]:
    kt = _approx(k, 10)
    if key == "mpg_us":
        return k * US_GAL_L / MILE_KM, f"{kt} x 3.785411784 / 1.609344"
    if key == "mpg_imp":
        return k * IMP_GAL_L / MILE_KM, f"{kt} x 4.54609 / 1.609344"
    if key == "kmpl":
        return k, f"{kt} (already km/L)"
    if key == "mpl":
        return k / MILE_KM, f"{kt} / 1.609344"
    if key == "l100":
        return 100 / k, f"100 / {kt}"
    return 100 * MILE_KM / (k * US_GAL_L), f"100 x 1.609344 / ({kt} x 3.785411784)"


@skill(
    id="fuel-economy-conversion",
    name="Fuel-economy conversion",
    domain=DOMAIN,
    description="Convert fuel economy between mpg (US or imperial), km/L, L/100 km and similar units.",
    answer_type="number",
    procedure=[
        "Classify the source and target units as distance per volume (mpg, km/L) or volume per distance "
        "(L/100 km, gallons per 100 miles); if the kinds differ, the conversion involves a reciprocal.",
        "Convert the source figure to the pivot unit kilometres per litre, converting the distance and "
        "the volume separately with the given factors (for volume-per-distance units, take the reciprocal "
        "and scale by the reference distance).",
        "Convert from km/L to the target unit the same way: scale distance and volume for "
        "distance-per-volume targets, or take the reference distance divided by the km/L figure for "
        "volume-per-distance targets.",
        "Evaluate the result and round it as requested.",
        "Verify: convert the rounded result back to the source unit and check that it is close to the "
        "original figure, and that the direction is sensible (a thriftier vehicle has higher mpg but "
        "lower L/100 km).",
    ],
    why="Models multiply by a factor when the units are reciprocal (mpg versus L/100 km) and mix up US "
    "and imperial gallons.",
)
def fuel_economy_conversion(rng: random.Random, difficulty: int) -> GeneratedTask:
    while True:
        src, dst = rng.choice(_FUEL_PAIRS[difficulty])
        lo, hi = _FUEL_UNITS[src][2]
        value = Fraction(rng.randint(lo * 10, hi * 10), 10)
        kmpl, how_in = _to_kmpl(src, value)
        result, how_out = _from_kmpl(dst, kmpl)
        rounded = _round_places(result, 2)
        if rounded is not None:
            break
    vehicle = f"{rng.choice(_MAKES)} {rng.choice(_MODELS)} {rng.choice(_VEHICLES)}"
    frame_id = rng.randrange(len(_FUEL_FRAMES))
    src_label, src_kind, _ = _FUEL_UNITS[src]
    dst_label, dst_kind, _ = _FUEL_UNITS[dst]
    v_text = _approx(value)
    frame = _FUEL_FRAMES[frame_id].format(vehicle=vehicle, value=v_text, src=src_label, dst=dst_label)
    back_kmpl, _ = _to_kmpl(dst, Fraction(rounded))
    back, _ = _from_kmpl(src, back_kmpl)
    inversion = (
        "they differ, so a reciprocal is involved"
        if src_kind != dst_kind
        else (
            "same kind, so no reciprocal between them"
            if src_kind == "distance per volume"
            else "both are volume per distance, so each side involves a reciprocal through km/L"
        )
    )
    return GeneratedTask(
        prompt=(
            f"{frame[0].upper()}{frame[1:]} Use 1 mile = 1.609344 km, 1 US gallon = 3.785411784 litres and "
            "1 imperial gallon = 4.54609 litres. Round to 2 decimal places and answer with the number only."
        ),
        target=rounded,
        steps=[
            f"Source {src_label} is {src_kind}; target {dst_label} is {dst_kind}: {inversion}.",
            f"km/L = {how_in} = {_approx(kmpl, 10)}.",
            f"{dst_label} = {how_out} = {_approx(result, 10)}.",
            f"Rounded to 2 decimal places: {rounded}.",
            f"Back-conversion: {rounded} {dst_label} = {_approx(back, 7)} {src_label}, close to the "
            f"original {v_text}.",
        ],
        params={"value": v_text, "from": src, "to": dst, "vehicle": vehicle, "frame": frame_id},
    )


# ---------------------------------------------------------------------------------------------
# significant-figures

D = decimal.Decimal


def _measure(rng: random.Random, sig: int) -> D:
    """A measured value with exactly ``sig`` significant figures, written unambiguously."""
    while True:
        mantissa = rng.randint(10 ** (sig - 1), 10**sig - 1)
        if rng.random() < 0.3:
            mantissa = mantissa // 10 * 10  # a significant trailing zero
        places = rng.randint(0, sig + 2)
        if places == 0 and mantissa % 10 == 0:
            continue
        return D(mantissa).scaleb(-places)


def _sig_count(x: D) -> int:
    return len(x.as_tuple().digits) if x != 0 else 0


def _places(x: D) -> int:
    return max(0, -x.as_tuple().exponent)


def _round_sig(x: D, n: int) -> D | None:
    """``x`` rounded half-up to ``n`` significant figures; None if ambiguous or tie."""
    exp = x.adjusted() - (n - 1)
    scaled = _CTX.scaleb(x, -exp)
    if scaled - scaled.to_integral_value(rounding=decimal.ROUND_FLOOR) == D("0.5"):
        return None
    r = x.quantize(D(1).scaleb(exp), rounding=decimal.ROUND_HALF_UP, context=_CTX)
    if r.adjusted() != x.adjusted() or exp > -1:
        return None
    return r


# (operation, template); {a}, {b}, {c} are the measured values, {who} a person, {thing} an object.
_SIG_FORMS = {
    1: [
        ("a*b", "{who} measures a rectangular {thing} as {a} m by {b} m. Compute its area in square metres."),
        (
            "a*b",
            "In {who}'s lab a cart rolls at a steady {a} m/s for {b} s. Compute the distance it covers "
            "in metres.",
        ),
        (
            "a*b",
            "{who} has a liquid of density {a} g/mL; a sample occupies {b} mL. Compute the sample's mass "
            "in grams.",
        ),
        (
            "a*b",
            "{who} pays for {a} kg of brass shavings at a measured {b} credits per kg. Compute the cost "
            "in credits.",
        ),
        (
            "a/b",
            "A sample weighed by {who} has mass {a} g and occupies {b} cm^3. Compute its density in g/cm^3.",
        ),
        ("a/b", "{who} runs {a} m in {b} s. Compute the average speed in m/s."),
        ("a/b", "{who}'s pump moves {a} L of water in {b} min. Compute the flow rate in L/min."),
        (
            "a/b",
            "A roll of fabric weighing {a} kg is {b} m long, as {who} measured. Compute its "
            "mass per metre in kg/m.",
        ),
    ],
    2: [
        (
            "a*b*c",
            "{who} measures a {thing} as {a} cm long, {b} cm wide and {c} cm high. Compute its volume "
            "in cm^3.",
        ),
        (
            "a*b*c",
            "{who}'s heater draws {a} A at {b} V for {c} h. Compute the energy used in watt-hours "
            "(current x voltage x time).",
        ),
        (
            "a*b/c",
            "{who} lifts a crate of mass {a} kg through {b} m in {c} s. Compute mass x height / time "
            "in kg m/s.",
        ),
        (
            "a*b/c",
            "{who} dilutes {b} L of a {a} mol/L solution to a final volume of {c} L. Compute the new "
            "concentration in mol/L (concentration x volume / final volume).",
        ),
        (
            "a/(b*c)",
            "A {thing} weighed by {who} has mass {a} g, length {b} cm and width {c} cm. Compute "
            "its mass per unit area in g/cm^2.",
        ),
        (
            "a/(b*c)",
            "{who} spreads {a} L of resin over a floor {b} m long and {c} m wide. Compute the "
            "coverage in litres per square metre.",
        ),
    ],
    3: [
        (
            "(a+b)*c",
            "{who} lays two rods of {a} cm and {b} cm end to end to form one side of a rectangle "
            "whose other side is {c} cm. Compute the rectangle's area in cm^2.",
        ),
        (
            "(a+b)/c",
            "{who} combines two samples of {a} g and {b} g and dissolves them to a volume of "
            "{c} mL. Compute the concentration in g/mL.",
        ),
        (
            "(a-b)/c",
            "A flask weighs {a} g full and {b} g empty according to {who}; the liquid inside "
            "occupies {c} mL. Compute the liquid's density in g/mL.",
        ),
        (
            "(a+b)/c",
            "{who}'s journey has two legs of {a} km and {b} km and takes {c} h in total. Compute "
            "the average speed in km/h.",
        ),
        (
            "(a-b)*c",
            "{who} cuts {b} cm off a {thing} that was {a} cm long; its width is {c} cm. Compute the "
            "area of the remaining piece in cm^2.",
        ),
        (
            "(a-b)/c",
            "A tank held {a} L on Monday and {b} L on Friday, {who} noted, over {c} days of "
            "leaking. Compute the average loss in litres per day.",
        ),
    ],
}
_THINGS = (
    "steel plate",
    "garden bed",
    "solar panel",
    "tabletop",
    "glass pane",
    "copper sheet",
    "rug",
    "circuit board",
    "wooden box",
    "foam block",
    "felt",
    "carbon-fibre",
)
_SIG_WHO = (
    "Amira",
    "Bjorn",
    "Carmen",
    "Desmond",
    "Esther",
    "Florin",
    "Gwen",
    "Haruto",
    "Isolde",
    "Joaquin",
    "Kalani",
    "Ludmila",
    "Moses",
    "Nell",
    "Omar",
    "Pia",
)
_SIG_ASKS = (
    "Treat the given values as measurements and apply the standard significant-figure rules, rounding "
    "only the final result. Answer with the number only, in plain decimal notation, keeping significant "
    "trailing zeros.",
    "All numbers are measured values: report the result with exactly the number of significant figures "
    "the usual rules justify (round once, at the end), as a plain decimal without units or scientific "
    "notation.",
    "Give the answer to the correct number of significant figures for these measurements, rounding only "
    "at the end; write just the number in ordinary decimal form and keep any significant trailing zero.",
)
_SIG_NOTE = " A sum or difference is only as precise as the decimal places of its least precise term."


@skill(
    id="significant-figures",
    name="Significant figures in a calculation",
    domain=DOMAIN,
    description="Report the result of a calculation on measured values with the correct significant figures.",
    answer_type="string",
    procedure=[
        "Count the significant figures (and decimal places) of every measured value: leading zeros never "
        "count, zeros between non-zero digits count, trailing zeros after a decimal point count.",
        "For each addition or subtraction, the result may keep only as many decimal places as the term "
        "with the fewest; note how many significant figures that intermediate then has.",
        "For multiplication and division, the result keeps as many significant figures as the factor "
        "(or intermediate) with the fewest.",
        "Compute the value at full precision and round once, at the end, to that many significant "
        "figures, keeping significant trailing zeros and writing it in plain decimal notation.",
        "Verify: count the significant figures of the written answer and check that it matches the limit "
        "and lies within half a unit in the last place of the unrounded value.",
    ],
    why="Models either report every calculator digit or drop significant trailing zeros, and apply the "
    "multiplication rule to sums.",
)
def significant_figures(rng: random.Random, difficulty: int) -> GeneratedTask:
    forms = _SIG_FORMS[difficulty]
    while True:
        form_id = rng.randrange(len(forms))
        op, template = forms[form_id]
        n_vals = 2 if difficulty == 1 else 3
        vals = [_measure(rng, rng.randint(2, 5)) for _ in range(n_vals)]
        a, b = vals[0], vals[1]
        c = vals[2] if n_vals == 3 else None
        with decimal.localcontext(_CTX):
            if op == "a*b":
                exact, limit = a * b, min(_sig_count(a), _sig_count(b))
            elif op == "a/b":
                exact, limit = a / b, min(_sig_count(a), _sig_count(b))
            elif op == "a*b*c":
                exact, limit = a * b * c, min(map(_sig_count, vals))
            elif op == "a*b/c":
                exact, limit = a * b / c, min(map(_sig_count, vals))
            elif op == "a/(b*c)":
                exact, limit = a / (b * c), min(map(_sig_count, vals))
            else:
                inner = a + b if "+" in op else a - b
                if inner <= 0:
                    continue
                dp = min(_places(a), _places(b))
                inner_rounded = inner.quantize(D(1).scaleb(-dp), rounding=decimal.ROUND_HALF_UP)
                inner_sig = _sig_count(inner_rounded)
                if inner_rounded == 0 or inner_sig < 2:
                    continue
                exact = inner * c if op.endswith("*c") else inner / c
                limit = min(inner_sig, _sig_count(c))
        if exact <= 0:
            continue
        result = _round_sig(exact, limit)
        if result is not None:
            break
    thing = rng.choice(_THINGS) if "{thing}" in template else None
    who = rng.choice(_SIG_WHO)
    ask_id = rng.randrange(len(_SIG_ASKS))
    texts = {k: format(v, "f") for k, v in zip("abc", vals)}
    question = template.format(thing=thing, who=who, **texts)
    prompt = f"{question} {_SIG_ASKS[ask_id]}" + (_SIG_NOTE if difficulty == 3 else "")
    counts = "; ".join(
        f"{texts[k]} has {_sig_count(v)} significant figures and {_places(v)} "
        f"decimal place{'' if _places(v) == 1 else 's'}"
        for k, v in zip("abc", vals)
    )
    if op.startswith("("):
        sign = "+" if "+" in op else "-"
        step2 = (
            f"{texts['a']} {sign} {texts['b']} = {format(inner, 'f')}; fewest decimal places {dp}, so it is "
            f"good to {format(inner_rounded, 'f')}, i.e. {inner_sig} significant figures."
        )
        step3 = f"Then the {('product' if op.endswith('*c') else 'quotient')} with {texts['c']} "
        step3 += (
            f"({_sig_count(c)} s.f.) keeps min({inner_sig}, {_sig_count(c)}) = {limit} significant figures."
        )
    else:
        step2 = "There is no addition or subtraction."
        step3 = f"Multiplication/division: the fewest significant figures among the factors is {limit}."
    full = format(exact.normalize(decimal.Context(prec=15)), "f")
    result_text = format(result, "f")
    return GeneratedTask(
        prompt=prompt,
        target=result_text,
        steps=[
            f"Measured values: {counts}.",
            step2,
            step3,
            f"Full precision: {full}; rounded to {limit} significant figures: {result_text}.",
            f"Check: {result_text} has {_sig_count(result)} significant figures, and "
            f"|{result_text} - {full}| "
            f"is at most half a unit in its last place.",
        ],
        params={
            "operation": op,
            "values": [texts[k] for k in "abc" if k in texts],
            "form": form_id,
            "thing": thing,
            "who": who,
            "ask": ask_id,
        },
    )
