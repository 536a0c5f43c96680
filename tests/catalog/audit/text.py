"""Checkers for the text skills (unicodedata for accents, itertools.groupby for runs)."""

from __future__ import annotations

import itertools
import re
import unicodedata

from ._common import need, one_of


def vigenere_cipher(prompt: str) -> str:
    key = need(r"keyword ([A-Z]+)", prompt)[1]
    mode = one_of(prompt, {"encrypt": r"\bEncrypt the plaintext \"", "decrypt": r"\bDecrypt it\."})
    if mode == "encrypt":
        text = need(r'plaintext "([^"]+)"', prompt)[1]
        need(r"Ignore the spaces: only letters are enciphered", prompt)
    else:
        text = need(r"ciphertext ([A-Z]+), enciphered", prompt)[1]
    letters = [c for c in text.upper() if c.isalpha()]
    sign = 1 if mode == "encrypt" else -1
    return "".join(
        chr((ord(c) - 65 + sign * (ord(key[i % len(key)]) - 65)) % 26 + 65) for i, c in enumerate(letters)
    )


def run_length_encoding(prompt: str) -> str:
    need(r"a length of 1 is written too", prompt)
    mode = one_of(
        prompt, {"encode": r"Run-length encode this [\w ]+\.", "decode": r"Decode it back to the full"}
    )
    if mode == "encode":
        text = need(r"The string ([A-Z]+) describes", prompt)[1]
        return "".join(f"{len(list(g))}{k}" for k, g in itertools.groupby(text))
    code = need(r"The run-length code ((?:\d+[A-Z])+) describes", prompt)[1]
    return "".join(ch * int(n) for n, ch in re.findall(r"(\d+)([A-Z])", code))


def slug_normalisation(prompt: str) -> str:
    title = need(r"is titled: (.*)\n", prompt)[1]
    need(r"Make its URL slug with these rules, applied in order: ", prompt)
    amp = need(r"'&' (becomes the word '(\w+)'|is treated like any other symbol)", prompt)
    sep = need(r"becomes a single (?:hyphen|underscore) \((.)\)", prompt)[1]
    need(r"accented letters lose their accents", prompt)
    need(r"apostrophes are deleted outright", prompt)
    if amp[2]:
        title = title.replace("&", f" {amp[2]} ")
    title = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    title = title.lower().replace("'", "").replace("\u2019", "")
    slug = re.sub(r"[^a-z0-9]+", sep, title).strip(sep)
    limit = re.search(
        r"if the slug is longer than (\d+) characters, keep only as many whole words from the start as "
        r"fit within \1 characters \(separators included\)",
        prompt,
    )
    if limit and len(slug) > int(limit[1]):
        words = slug.split(sep)
        while len(sep.join(words)) > int(limit[1]):
            words.pop()
        slug = sep.join(words)
    return slug


_ROMAN = [
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
]


def _from_roman(s: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = sum(-values[a] if values[a] < values[b] else values[a] for a, b in itertools.pairwise(s))
    return total + values[s[-1]]


def _to_roman(n: int) -> str:
    assert 0 < n < 4000, n
    out = ""
    for v, sym in _ROMAN:
        while n >= v:
            out, n = out + sym, n - v
    return out


def roman_numerals(prompt: str) -> str:
    numeral = r"\b([MDCLXVI]+)\b"
    expr = re.search(r"Evaluate the Roman-numeral expression ([MDCLXVI +-]+)\.", prompt)
    if expr:
        tokens = expr[1].split()
        total = _from_roman(tokens[0])
        for op, term in zip(tokens[1::2], tokens[2::2]):
            total += _from_roman(term) if op == "+" else -_from_roman(term)
        return _to_roman(total)
    op = one_of(
        prompt,
        {
            "+": r"(Give|Compute|Find) the sum of these two numbers\.",
            "-": r"(Give|Compute|Find) the difference \(first minus second\) of these two numbers\.",
        },
    )
    a, b = (_from_roman(x) for x in re.findall(numeral, prompt.split(" of these two numbers")[0])[-2:])
    return _to_roman(a + b if op == "+" else a - b)
