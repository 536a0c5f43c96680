"""Checkers for the check-digit and number-theory skills (stdlib arithmetic only)."""

from __future__ import annotations

import math
import re

from ._common import PromptUnreadable, first_match, need


def luhn_check_digit(prompt: str) -> str:
    payload = need(r"payload \(without its check digit\) is (\d+)", prompt)[1]
    need(r"Compute the Luhn check digit", prompt)
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def isbn10_check_digit(prompt: str) -> str:
    need(r"(Compute it|Work out that check character|Compute the check character)", prompt)
    m = re.search(r"ISBN-10:? ([\d-]+)-\?", prompt) or need(
        r"first nine digits of an ISBN-10 are (\d{9})", prompt
    )
    digits = m[1].replace("-", "")
    assert len(digits) == 9, digits
    check = (11 - sum((10 - i) * int(d) for i, d in enumerate(digits)) % 11) % 11
    return "X" if check == 10 else str(check)


def iban_mod97_check(prompt: str) -> str:
    need(r"Compute the two ISO 13616 \(mod 97\) check digits", prompt)
    country, bban = need(r"\b([A-Z]{2})\?\?((?: ?[0-9A-Z]{1,4})+)\.", prompt).groups()
    bban = bban.replace(" ", "")
    if not _national_check_ok(country, bban):
        raise PromptUnreadable(f"{country} account number fails its national check digits")
    rearranged = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in rearranged))
    return f"{98 - number % 97:02d}"


def _national_check_ok(country: str, bban: str) -> bool:
    """National BBAN checks with a public fixed scheme (Belgium, Spain, France); other countries pass."""
    if country == "BE":
        return int(bban[10:]) == (int(bban[:10]) % 97 or 97)
    if country == "ES":

        def dc(digits: str) -> int:
            r = 11 - sum(int(d) * (2**i % 11) for i, d in enumerate(digits)) % 11
            return 0 if r == 11 else 1 if r == 10 else r

        return bban[8:10] == f"{dc('00' + bban[:8])}{dc(bban[10:])}"
    if country == "FR":
        letters = {c: (ord(c) - 65) % 9 + 1 + (1 if c >= "S" else 0) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
        account = "".join(str(letters[c]) if c.isalpha() else c for c in bban[10:21])
        # RIB key: bank, branch, account and key together are a multiple of 97.
        return int(bban[:5] + bban[5:10] + account + bban[21:]) % 97 == 0
    return True


def _to_base(n: int, base: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        n, r = divmod(n, base)
        out = digits[r] + out
        if n == 0:
            return out


def base_conversion(prompt: str) -> str:
    patterns = [
        r"convert the base-(?P<src>\d+) numeral (?P<num>[0-9A-Z]+) to base (?P<dst>\d+)\.",
        r"printed the value (?P<num>[0-9A-Z]+) in base (?P<src>\d+)\. Rewrite that value in base (?P<dst>\d+)\.",
        r"hides the code (?P<num>[0-9A-Z]+) \(base (?P<src>\d+)\); the lock expects the same quantity written in "
        r"base (?P<dst>\d+)\.",
        r"counts in base (?P<src>\d+) and currently shows (?P<num>[0-9A-Z]+)\. What does the same count look like "
        r"in base (?P<dst>\d+)\?",
        r"express \((?P<num>[0-9A-Z]+)\) in radix (?P<src>\d+) as a numeral in radix (?P<dst>\d+)\.",
        r"the number (?P<num>[0-9A-Z]+) is written in base (?P<src>\d+)\. Express the same number in base (?P<dst>\d+)\.",
    ]
    m = first_match(patterns, prompt)
    dst = int(m["dst"])
    need(rf"Answer with the base-{dst} numeral only", prompt)
    return _to_base(int(m["num"], int(m["src"])), dst)


def modular_exponentiation(prompt: str) -> str:
    patterns = [
        r"remainder of (?P<b>\d+) raised to the power (?P<e>\d+), divided by (?P<m>\d+)\. What does it return\?",
        r"what public value (?P<b>\d+)\^(?P<e>\d+) mod (?P<m>\d+) is sent\?",
        r"least non-negative residue of (?P<b>\d+)\^(?P<e>\d+) modulo (?P<m>\d+)\.",
        r"Compute (?P<b>\d+)\^(?P<e>\d+) mod (?P<m>\d+)\.",
    ]
    m = first_match(patterns, prompt)
    return str(pow(int(m["b"]), int(m["e"]), int(m["m"])))


def gcd_euclid(prompt: str) -> str:
    patterns = [
        r"find the greatest common divisor of (\d+) and (\d+)\.",
        r"holds (\d+) red and (\d+) blue widgets and wants identical packs using every widget\. What is the largest "
        r"possible number of packs\?",
        r"reduce the ratio (\d+):(\d+) to lowest terms\. By what largest integer must both sides be divided\?",
        r"blink every (\d+) ms and every (\d+) ms, .* largest time step \(in ms\) that divides both periods exactly\. "
        r"What is it\?",
        r"gears have (\d+) and (\d+) teeth\. What is the largest number that divides both tooth counts\?",
        r"floor measures (\d+) mm by (\d+) mm\. What is the side length, in mm, of the largest square tile",
    ]
    m = first_match(patterns, prompt)
    return str(math.gcd(int(m[1]), int(m[2])))
