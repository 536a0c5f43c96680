"""Number procedures: check digits, base conversion, modular arithmetic, Euclid."""

from __future__ import annotations

import random

from procskill.generators._base import GeneratedTask, skill

DOMAIN = "numbers"


def _luhn_check_digit(payload: str) -> tuple[int, list[int], int]:
    digits = [int(c) for c in payload]
    doubled = []
    for pos, d in enumerate(reversed(digits)):
        if pos % 2 == 0:
            d = d * 2
            d = d - 9 if d > 9 else d
        doubled.append(d)
    total = sum(doubled)
    return (10 - total % 10) % 10, list(reversed(doubled)), total


@skill(
    id="luhn-check-digit",
    name="Luhn check digit",
    domain=DOMAIN,
    description="Compute the Luhn (mod 10) check digit to append to a digit string.",
    answer_type="integer",
    procedure=[
        "Write the payload digits and mark every second digit starting from the rightmost one.",
        "Double each marked digit; if a doubled value exceeds 9, subtract 9.",
        "Add all the digits (the changed marked ones and the unchanged others).",
        "The check digit is (10 - (sum mod 10)) mod 10.",
        "Verify: append the digit and confirm the Luhn sum of the full number is a multiple of 10.",
    ],
    why="Models skip the right-to-left alternation and the subtract-9 rule unless told.",
)
def luhn_check_digit(rng: random.Random, difficulty: int) -> GeneratedTask:
    length = {1: 6, 2: 11, 3: 15}[difficulty]
    payload = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(length - 1))
    check, transformed, total = _luhn_check_digit(payload)
    marked = " ".join(f"[{c}]" if (len(payload) - 1 - i) % 2 == 0 else c for i, c in enumerate(payload))
    full = payload + str(check)
    _, _, full_total = _luhn_check_digit(full[:-1])
    return GeneratedTask(
        prompt=(
            f"A card number's payload (without its check digit) is {payload}. "
            "Compute the Luhn check digit that must be appended to it. Answer with a single digit."
        ),
        target=str(check),
        steps=[
            f"Marked digits (every second from the right, starting with the rightmost): {marked}.",
            f"After doubling marked digits and subtracting 9 where above 9: {' '.join(map(str, transformed))}.",
            f"Sum of all digits: {total}.",
            f"Check digit: (10 - ({total} mod 10)) mod 10 = {check}.",
            f"Full number {full}: its Luhn sum is {full_total + check}, a multiple of 10.",
        ],
        params={"payload": payload},
    )


_TITLE_ADJ = (
    "Silent",
    "Crimson",
    "Hidden",
    "Northern",
    "Forgotten",
    "Restless",
    "Golden",
    "Broken",
    "Distant",
    "Quiet",
    "Burning",
    "Winter",
    "Painted",
    "Hollow",
    "Wandering",
    "Salt",
    "Iron",
    "Paper",
)
_TITLE_NOUN = (
    "Harbour",
    "Orchard",
    "Cartographer",
    "Lighthouse",
    "Archive",
    "Garden",
    "Frontier",
    "Meridian",
    "Observatory",
    "Tide",
    "Kingdom",
    "Engine",
    "Valley",
    "Atlas",
    "Lantern",
    "Ledger",
    "Canal",
    "Mirror",
)
_PUBLISHERS = (
    "Harrow & Finch",
    "Bluegate Press",
    "Oakridge Books",
    "Meridian House",
    "Stonebridge Publishing",
    "Kestrel Editions",
    "Larkspur Press",
    "Northwind Books",
    "Copperleaf",
    "Fenwick & Daughters",
)


def _isbn10_check(payload: str) -> tuple[str, list[int], int]:
    products = [int(d) * w for d, w in zip(payload, range(10, 1, -1))]
    total = sum(products)
    value = (11 - total % 11) % 11
    return ("X" if value == 10 else str(value)), products, total


def _hyphenate(payload: str, rng: random.Random) -> str:
    group = rng.choice([1, 1, 2])
    publisher = rng.randint(2, 5)
    parts = [payload[:group], payload[group : group + publisher], payload[group + publisher :]]
    return "-".join(parts) + "-?"


@skill(
    id="isbn10-check-digit",
    name="ISBN-10 check digit",
    domain=DOMAIN,
    description="Compute the mod-11 check character (0-9 or X) that completes an ISBN-10.",
    answer_type="string",
    procedure=[
        "Remove hyphens and write the nine payload digits with weights 10, 9, 8, ..., 2 from left to right.",
        "Multiply each digit by its weight.",
        "Add the nine products.",
        "The check value is (11 - (sum mod 11)) mod 11; write the value 10 as the letter X.",
        "Verify: append the check value (X counts as 10) and confirm that the weighted sum of all ten "
        "characters with weights 10 down to 1 is a multiple of 11.",
    ],
    why="Models confuse ISBN-10 with Luhn or ISBN-13 weighting and forget that a remainder of 10 becomes X.",
)
def isbn10_check_digit(rng: random.Random, difficulty: int) -> GeneratedTask:
    want_special = difficulty == 3 and rng.random() < 0.5
    for _ in range(200):
        payload = "".join(str(rng.randint(0, 9)) for _ in range(9))
        check, products, total = _isbn10_check(payload)
        if not want_special or check in ("X", "0"):
            break
    title = f"The {rng.choice(_TITLE_ADJ)} {rng.choice(_TITLE_NOUN)}"
    publisher = rng.choice(_PUBLISHERS)
    if difficulty == 1:
        shown = payload
        prompt = (
            f"The first nine digits of an ISBN-10 are {payload}. Compute the check character that "
            "completes it."
        )
    else:
        shown = _hyphenate(payload, rng)
        prompt = (
            f'The novel "{title}" from {publisher} has the ISBN-10 {shown}, where ? is the missing '
            "check character. Compute it."
        )
        if difficulty == 3:
            year, pages = rng.randint(1950, 2024), rng.randint(120, 880)
            price = f"{rng.randint(7, 39)}.{rng.randint(0, 99):02d}"
            prompt = (
                f'Catalogue card: "{title}", {publisher}, first printed {year}, {pages} pages, '
                f"list price {price}. ISBN-10: {shown} (the final ? is the unknown check character). "
                "Work out that check character."
            )
    prompt += " Answer with the single check character: a digit 0-9, or X if the check value is 10."
    weighted = " ".join(f"{d}x{w}" for d, w in zip(payload, range(10, 1, -1)))
    check_value = 10 if check == "X" else int(check)
    full_total = total + check_value
    return GeneratedTask(
        prompt=prompt,
        target=check,
        steps=[
            f"Payload digits {payload} with weights 10..2: {weighted}.",
            f"Products: {' '.join(map(str, products))}.",
            f"Sum of products: {total}.",
            f"{total} mod 11 = {total % 11}; (11 - {total % 11}) mod 11 = {check_value}, "
            f"so the check character is {check}.",
            f"Full ISBN {payload}{check}: weighted sum {total} + {check_value}x1 = {full_total} "
            f"= 11 x {full_total // 11}, a multiple of 11.",
        ],
        params={"payload": payload, "shown": shown, "title": title, "publisher": publisher},
    )


_IBAN_FORMATS = {
    # country code: (country, BBAN layout as (count, kind)); n digit, a upper letter, c alphanumeric.
    1: [
        ("BE", "Belgium", [(12, "n")]),
        ("DE", "Germany", [(18, "n")]),
        ("AT", "Austria", [(16, "n")]),
        ("FI", "Finland", [(14, "n")]),
        ("DK", "Denmark", [(14, "n")]),
        ("ES", "Spain", [(20, "n")]),
        ("PL", "Poland", [(24, "n")]),
    ],
    2: [
        ("NL", "the Netherlands", [(4, "a"), (10, "n")]),
        ("GB", "the United Kingdom", [(4, "a"), (14, "n")]),
        ("IE", "Ireland", [(4, "a"), (14, "n")]),
        ("RO", "Romania", [(4, "a"), (16, "c")]),
        ("LV", "Latvia", [(4, "a"), (13, "c")]),
    ],
    3: [
        ("FR", "France", [(10, "n"), (11, "c"), (2, "n")]),
        ("IT", "Italy", [(1, "a"), (10, "n"), (12, "c")]),
        ("MT", "Malta", [(4, "a"), (5, "n"), (18, "c")]),
        ("CY", "Cyprus", [(8, "n"), (16, "c")]),
        ("BG", "Bulgaria", [(4, "a"), (6, "n"), (8, "c")]),
    ],
}
_ACCOUNT_HOLDERS = (
    "Amara Okafor",
    "Lukas Brenner",
    "Sofia Marchetti",
    "Pieter de Vries",
    "Chloe Dubois",
    "Mateusz Nowak",
    "Ines Carvalho",
    "Oskar Lindqvist",
    "Nadia Haddad",
    "Tomas Horvat",
    "Ewan MacLeod",
    "Aino Virtanen",
)
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


_RIB_LETTERS = {
    c: str(v)
    for v, group in enumerate(("AJ", "BKS", "CLT", "DMU", "ENV", "FOW", "GPX", "HQY", "IRZ"), 1)
    for c in group
}


def _with_national_check(code: str, bban: str) -> str:
    """The BBAN with its national check digits set, for the countries whose scheme is public and fixed.

    Belgium: the last two digits are the first ten mod 97 (97 for 0). Spain: digits 9-10 are two mod-11
    checks over the bank+branch and the account number. France: the last two digits are the RIB key,
    97 - (89 x bank + 15 x branch + 3 x account) mod 97, with account letters mapped to digits.
    """
    if code == "BE":
        check = int(bban[:10]) % 97 or 97
        return f"{bban[:10]}{check:02d}"
    if code == "ES":
        weights = (1, 2, 4, 8, 5, 10, 9, 7, 3, 6)

        def digit(number: str) -> str:
            value = 11 - sum(w * int(d) for w, d in zip(weights, number.zfill(10))) % 11
            return str({11: 0, 10: 1}.get(value, value))

        return f"{bban[:8]}{digit(bban[:8])}{digit(bban[10:20])}{bban[10:]}"
    if code == "FR":
        bank, branch, account = (
            int(bban[:5]),
            int(bban[5:10]),
            int("".join(_RIB_LETTERS.get(c, c) for c in bban[10:21])),
        )
        return f"{bban[:21]}{97 - (89 * bank + 15 * branch + 3 * account) % 97:02d}"
    return bban


def _iban_numeric(text: str) -> str:
    return "".join(str(int(c, 36)) for c in text)


def _mod97_chunks(numeric: str) -> tuple[int, list[str]]:
    chunk, rest, log = numeric[:9], numeric[9:], []
    while True:
        rem = int(chunk) % 97
        log.append(f"{chunk} mod 97 = {rem}")
        if not rest:
            return rem, log
        chunk, rest = str(rem) + rest[:7], rest[7:]


@skill(
    id="iban-mod97-check",
    name="IBAN check digits (mod 97)",
    domain=DOMAIN,
    description="Compute the two ISO 13616 mod-97 check digits of an IBAN.",
    answer_type="string",
    procedure=[
        "Remove spaces, put 00 in place of the check digits, and move the country code plus 00 "
        "from the front to the end.",
        "Replace every letter by two digits: A=10, B=11, ..., Z=35.",
        "Compute the remainder of that long number mod 97 piece by piece: take the first 9 digits mod 97, "
        "prefix the remainder to the next 7 digits, and repeat to the end.",
        "The check digits are 98 minus the remainder, written as two digits (keep a leading zero).",
        "Verify: insert the check digits, rearrange again (first four characters to the end), convert "
        "letters, and confirm the number mod 97 equals 1.",
    ],
    why="Models try to reduce a 30-digit number mod 97 in one go and mangle the letter mapping and "
    "rearrangement unless the piecewise procedure is spelled out.",
)
def iban_mod97_check(rng: random.Random, difficulty: int) -> GeneratedTask:
    code, country, layout = rng.choice(_IBAN_FORMATS[difficulty])
    parts = []
    for count, kind in layout:
        alphabet = {"n": "0123456789", "a": _ALNUM[:26], "c": _ALNUM}[kind]
        parts.append("".join(rng.choice(alphabet) for _ in range(count)))
    bban = _with_national_check(code, "".join(parts))
    rearranged = bban + code + "00"
    numeric = _iban_numeric(rearranged)
    rem, log = _mod97_chunks(numeric)
    check = f"{98 - rem:02d}"
    raw = f"{code}??{bban}"
    shown = raw if difficulty == 1 else " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    holder = rng.choice(_ACCOUNT_HOLDERS)
    letters = sorted({c for c in rearranged if c.isalpha()})
    mapping = ", ".join(f"{c}={int(c, 36)}" for c in letters)
    full = f"{code}{check}{bban}"
    verify_numeric = _iban_numeric(bban + code + check)
    opener = rng.choice(
        [
            f"{holder} is setting up a transfer to an account in {country}, but the IBAN was copied with "
            "its two check digits missing (shown as ??)",
            f"A payment form for {holder} lists an IBAN from {country} whose two check digits were smudged "
            "(shown as ??)",
            f"While validating supplier records, you find that {holder}'s {country} IBAN lacks its check "
            "digits (marked ??)",
        ]
    )
    return GeneratedTask(
        prompt=(
            f"{opener}: {shown}. Compute the two ISO 13616 (mod 97) check digits. "
            "Answer with exactly two digits, keeping a leading zero if there is one (e.g. 07)."
        ),
        target=check,
        steps=[
            f"Without spaces and with 00 as placeholder, rearranged: {rearranged}.",
            f"Letters converted ({mapping}): {numeric}.",
            f"Piecewise: {'; '.join(log)}. Remainder {rem}.",
            f"Check digits: 98 - {rem} = {98 - rem}, written {check}.",
            f"IBAN {full}: rearranged {bban}{code}{check} -> {verify_numeric}, "
            f"and {verify_numeric} mod 97 = {int(verify_numeric) % 97}.",
        ],
        params={"country": code, "bban": bban, "holder": holder, "grouped": difficulty > 1},
    )


_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PEOPLE = (
    "Priya",
    "Mateo",
    "Hannah",
    "Kwame",
    "Yuki",
    "Olivia",
    "Farid",
    "Greta",
    "Tariq",
    "Elena",
    "Jonas",
    "Mei",
    "Rafael",
    "Sanna",
    "Dmitri",
    "Leila",
    "Bruno",
    "Chiara",
    "Idris",
    "Maren",
)


def _to_base(n: int, base: int) -> tuple[str, list[str]]:
    log, out = [], []
    while True:
        q, r = divmod(n, base)
        log.append(f"{n} / {base} = {q} r {r}")
        out.append(_DIGITS[r])
        if q == 0:
            return "".join(reversed(out)), log
        n = q


def _expansion(numeral: str, base: int) -> str:
    k = len(numeral) - 1
    return " + ".join(f"{int(c, 36)}x{base}^{k - i}" for i, c in enumerate(numeral))


@skill(
    id="base-conversion",
    name="Base conversion",
    domain=DOMAIN,
    description="Convert an integer numeral from one positional base to another.",
    answer_type="string",
    procedure=[
        "Write each source digit's value (letters A=10, B=11, ...) with its place weight, a power of "
        "the source base counted from 0 at the rightmost digit.",
        "Sum digit x weight (or use Horner's rule) to get the value in decimal.",
        "Divide the decimal value repeatedly by the target base, recording each remainder, until the "
        "quotient is 0.",
        "Read the remainders from last to first, writing values 10 and up as letters A, B, C, ...",
        "Verify: expand the result in the target base back to decimal and confirm it equals the value "
        "from step 2.",
    ],
    why="Models convert digit by digit without going through the actual value, and read remainders in "
    "the wrong order.",
)
def base_conversion(rng: random.Random, difficulty: int) -> GeneratedTask:
    if difficulty == 1:
        source, target_base = 10, rng.randint(2, 9)
        value = rng.randint(50, 999)
    elif difficulty == 2:
        source = rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 16])
        target_base = rng.choice([b for b in range(2, 17) if b not in (10, source)])
        value = rng.randint(500, 50000)
    else:
        source = rng.choice([b for b in range(2, 37) if b != 10])
        target_base = rng.choice([b for b in range(2, 37) if b not in (10, source)])
        value = rng.randint(100_000, 100_000_000)
    numeral, _ = _to_base(value, source)
    result, log = _to_base(value, target_base)
    who = rng.choice(_PEOPLE)
    frame_id = rng.randrange(6)
    frame = [
        f"{who} must convert the base-{source} numeral {numeral} to base {target_base}.",
        f"A debugging tool on {who}'s laptop printed the value {numeral} in base {source}. Rewrite that "
        f"value in base {target_base}.",
        f"On {who}'s exam paper the number {numeral} is written in base {source}. Express the same "
        f"number in base {target_base}.",
        f"A puzzle left for {who} hides the code {numeral} (base {source}); the lock expects the same "
        f"quantity written in base {target_base}.",
        f"Help {who} express ({numeral}) in radix {source} as a numeral in radix {target_base}.",
        f"{who}'s odometer app counts in base {source} and currently shows {numeral}. What does the same "
        f"count look like in base {target_base}?",
    ][frame_id]
    if source == 10:
        step1 = f"The source is already decimal: {numeral} = {_expansion(numeral, 10)}."
    else:
        step1 = f"{numeral} in base {source}: {_expansion(numeral, source)}."
    back = int(result, target_base)
    return GeneratedTask(
        prompt=(
            f"{frame} Use digits 0-9 then letters A-Z for digit values 10 and up. Answer with the "
            f"base-{target_base} numeral only, without any prefix or subscript."
        ),
        target=result,
        steps=[
            step1,
            f"Decimal value: {value}.",
            f"Repeated division by {target_base}: {'; '.join(log)}.",
            f"Remainders read from last to first: {result}.",
            f"Check: {result} in base {target_base} = {_expansion(result, target_base)} = {back}, "
            f"which equals {value}.",
        ],
        params={
            "value": value,
            "source_base": source,
            "target_base": target_base,
            "frame": frame_id,
            "who": who,
        },
    )


@skill(
    id="modular-exponentiation",
    name="Modular exponentiation",
    domain=DOMAIN,
    description="Compute a^e mod m by square-and-multiply.",
    answer_type="integer",
    procedure=[
        "Reduce the base mod m and write the exponent in binary, noting which powers of two it contains.",
        "Build the table of repeated squares: a^1, a^2, a^4, a^8, ... mod m, squaring the previous entry "
        "and reducing mod m each time, up to the highest power of two in the exponent.",
        "Multiply together the table entries for the powers of two present in the exponent, reducing "
        "mod m after every multiplication.",
        "The final reduced product is a^e mod m, a number from 0 to m-1.",
        "Verify by recomputing along a different split of the exponent, e.g. a^e = (a^(e div 2))^2 x "
        "a^(e mod 2), reducing mod m.",
    ],
    why="Models try to compute the huge power directly or reduce only at the end; square-and-multiply "
    "with reduction at every step keeps every number small and checkable.",
)
def modular_exponentiation(rng: random.Random, difficulty: int) -> GeneratedTask:
    if difficulty == 1:
        m, e = rng.randint(11, 60), rng.randint(5, 40)
    elif difficulty == 2:
        m, e = rng.randint(100, 999), rng.randint(50, 500)
    else:
        m, e = rng.randint(1000, 99_999), rng.randint(1000, 20_000)
    a = rng.randint(2, m + m // 2)
    base = a % m
    bits = bin(e)[2:]
    powers = [1 << k for k in range(len(bits)) if (e >> k) & 1]
    table, cur = [], base
    for k in range(len(bits)):
        table.append((1 << k, cur))
        cur = cur * cur % m
    log, acc = [], 1
    for p, val in table:
        if p in powers:
            new = acc * val % m
            log.append(f"{acc} x {val} = {acc * val} -> {new}")
            acc = new
    half = pow(a, e // 2, m)
    check = half * half % m * pow(a, e % 2, m) % m
    frame_id = rng.randrange(4)
    frame = [
        f"Compute {a}^{e} mod {m}.",
        f"In a toy Diffie-Hellman exchange the public modulus is {m} and the generator is {a}. "
        f"With secret exponent {e}, what public value {a}^{e} mod {m} is sent?",
        f"A hash-like routine returns the remainder of {a} raised to the power {e}, divided by {m}. "
        "What does it return?",
        f"Find the least non-negative residue of {a}^{e} modulo {m}.",
    ][frame_id]
    return GeneratedTask(
        prompt=f"{frame} Answer with a single integer between 0 and {m - 1}.",
        target=str(acc),
        steps=[
            f"{a} mod {m} = {base}; exponent {e} in binary is {bits}, i.e. "
            f"{' + '.join(map(str, reversed(powers)))}.",
            f"Repeated squares mod {m}: " + ", ".join(f"{a}^{p} = {v}" for p, v in table) + ".",
            f"Multiplying the entries for {', '.join(map(str, powers))}: " + "; ".join(log) + ".",
            f"{a}^{e} mod {m} = {acc}.",
            f"Check: {a}^{e // 2} mod {m} = {half}; {half}^2 x {a}^{e % 2} mod {m} = {check}, "
            f"matching {acc}.",
        ],
        params={"base": a, "exponent": e, "modulus": m, "frame": frame_id},
    )


@skill(
    id="gcd-euclid",
    name="Greatest common divisor (Euclid)",
    domain=DOMAIN,
    description="Find the greatest common divisor of two integers with the Euclidean algorithm.",
    answer_type="integer",
    procedure=[
        "Order the two numbers so that a is the larger and b the smaller.",
        "Divide a by b and write a = q x b + r with 0 <= r < b.",
        "Replace (a, b) by (b, r) and repeat the division until the remainder is 0.",
        "The gcd is the last non-zero remainder (the divisor of the final division).",
        "Verify: both original numbers are divisible by the gcd, and the two quotients have no common "
        "factor (their own gcd is 1).",
    ],
    why="Models guess common factors by trial division and miss large shared factors; the division "
    "chain is mechanical and always terminates at the answer.",
)
def gcd_euclid(rng: random.Random, difficulty: int) -> GeneratedTask:
    lo, hi, gmax = {1: (2, 40, 30), 2: (20, 2000, 200), 3: (500, 100_000, 3000)}[difficulty]
    while True:
        g = rng.randint(2, gmax)
        x, y = rng.randint(lo, hi), rng.randint(lo, hi)
        a, b = g * x, g * y
        if a != b and max(a, b) % min(a, b) != 0:
            break
    big, small = max(a, b), min(a, b)
    chain, p, q = [], big, small
    while q:
        chain.append(f"{p} = {p // q} x {q} + {p % q}")
        last = q
        p, q = q, p % q
    gcd = last
    qa, qb = a // gcd, b // gcd
    rest = chain[1:]
    who = rng.choice(_PEOPLE)
    frame_id = rng.randrange(6)
    frame = [
        f"For {who}'s number-theory homework, find the greatest common divisor of {a} and {b}.",
        f"In {who}'s clock design two meshing gears have {a} and {b} teeth. What is the largest number "
        "that divides both tooth counts?",
        f"{who}'s rectangular studio floor measures {a} mm by {b} mm. What is the side length, in mm, of "
        "the largest square tile that covers it exactly with whole tiles?",
        f"{who}'s warehouse holds {a} red and {b} blue widgets and wants identical packs using every "
        "widget. What is the largest possible number of packs?",
        f"{who} wants to reduce the ratio {a}:{b} to lowest terms. By what largest integer must both "
        "sides be divided?",
        f"Two signal lights blink every {a} ms and every {b} ms, and {who} needs the largest time step "
        "(in ms) that divides both periods exactly. What is it?",
    ][frame_id]
    return GeneratedTask(
        prompt=f"{frame} Answer with a single integer.",
        target=str(gcd),
        steps=[
            f"a = {big}, b = {small}.",
            f"First division: {chain[0]}.",
            "Continuing: " + "; ".join(rest) + "." if rest else "The first remainder is already 0.",
            f"Last non-zero remainder: {gcd}.",
            f"Check: {a} = {gcd} x {qa} and {b} = {gcd} x {qb}; gcd({qa}, {qb}) = 1.",
        ],
        params={"a": a, "b": b, "frame": frame_id, "who": who},
    )
