"""Text procedures: Vigenère cipher, run-length encoding, URL slugs, Roman numerals."""

from __future__ import annotations

import random
import unicodedata

from procskill.generators._base import GeneratedTask, skill

DOMAIN = "text"

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# --------------------------------------------------------------------------- Vigenère

_MESSAGE_WORDS = tuple(
    (
        "meet at the old mill before dawn bring two maps river north gate closes early send word when "
        "ready harbour lights are out wait for signal under bridge green lantern move east tonight cargo "
        "arrives friday keep silent trust nobody station seven copper key hidden behind clock tower west "
        "wing garden fountain noon library third shelf blue door stairs cellar"
    ).split()
)
_KEYWORDS = {
    3: ("SKY", "FOX", "OAK", "ICE", "JAM", "BOW", "RUN", "ZEN", "HUB", "KIT"),
    4: ("LAMP", "WOLF", "MINT", "GRID", "JOLT", "HAZE", "DUSK", "PIKE", "VOLT", "QUIZ"),
    5: ("LEMON", "ORBIT", "CRANE", "PLUME", "VIXEN", "GHOST", "TIGER", "MAPLE", "FJORD", "BRICK"),
    6: ("QUARTZ", "SPHINX", "COBALT", "WALNUT", "FALCON", "ZEPHYR", "MARBLE", "JIGSAW", "VELVET"),
    7: ("LANTERN", "COMPASS", "JASMINE", "HARVEST", "PYRAMID", "WHISPER", "KESTREL", "BOXWOOD"),
    8: ("SYMPHONY", "DAYBREAK", "QUICKSET", "VANGUARD", "BLUEBELL", "MOONRISE", "JUNCTION"),
}
_CIPHER_CONTEXTS = (
    "A field agent's notebook",
    "A puzzle-hunt clue card",
    "An intercepted telegram",
    "A treasure-hunt postcard",
    "A message passed between two students",
    "A note taped under a museum bench",
    "A wartime radio log",
    "A geocache logbook entry",
)


def _vigenere(text: str, key: str, sign: int) -> str:
    out = []
    for i, ch in enumerate(text):
        shift = _ALPHABET.index(key[i % len(key)])
        out.append(_ALPHABET[(_ALPHABET.index(ch) + sign * shift) % 26])
    return "".join(out)


@skill(
    id="vigenere-cipher",
    name="Vigenère cipher",
    domain=DOMAIN,
    description="Encrypt or decrypt a message with a Vigenère keyword (A=0 shifts, letters only).",
    answer_type="string",
    procedure=[
        "Strip the message down to its letters (drop spaces and punctuation) and write them in uppercase.",
        "Write the keyword repeated under the letters, one key letter per message letter, "
        "restarting the keyword each time it runs out.",
        "Convert every message letter and key letter to its number, A=0, B=1, ..., Z=25.",
        "Combine each pair: (message + key) mod 26 to encrypt, (message - key) mod 26 to decrypt, "
        "and convert the results back to letters.",
        "Verify: apply the opposite operation with the same key to your result and confirm the "
        "original letters come back.",
    ],
    why="Models lose the key alignment and the mod-26 wrap-around unless they lay out each letter pair.",
)
def vigenere_cipher(rng: random.Random, difficulty: int) -> GeneratedTask:
    n_words, key_len = {1: (3, rng.choice((3, 4))), 2: (4, rng.choice((5, 6))), 3: (6, rng.choice((7, 8)))}[
        difficulty
    ]
    words = [rng.choice(_MESSAGE_WORDS) for _ in range(n_words)]
    key = rng.choice(_KEYWORDS[key_len])
    plain = "".join(words).upper()
    cipher = _vigenere(plain, key, +1)
    encrypt = rng.random() < 0.5
    source, result = (plain, cipher) if encrypt else (cipher, plain)
    sign = 1 if encrypt else -1
    context = rng.choice(_CIPHER_CONTEXTS)
    keystream = "".join(key[i % len(key)] for i in range(len(source)))
    if encrypt:
        prompt = (
            f'{context} must be enciphered before sending. Encrypt the plaintext "{" ".join(words)}" '
            f"with the Vigenère cipher and the keyword {key}. Ignore the spaces: only letters are "
            "enciphered, and the keyword advances by one letter per plaintext letter (A shifts by 0, "
            "B by 1, ..., Z by 25). Answer with the ciphertext in uppercase letters, without spaces."
        )
    else:
        prompt = (
            f"{context} contains the Vigenère ciphertext {cipher}, enciphered with the keyword {key} "
            "(A shifts by 0, B by 1, ..., Z by 25; the keyword advances by one letter per letter). "
            "Decrypt it. Answer with the plaintext in uppercase letters, without spaces."
        )
    src_nums = " ".join(str(_ALPHABET.index(c)) for c in source)
    key_nums = " ".join(str(_ALPHABET.index(c)) for c in keystream)
    res_nums = " ".join(
        str((_ALPHABET.index(a) + sign * _ALPHABET.index(b)) % 26)
        for a, b in zip(source, keystream, strict=True)
    )
    back = _vigenere(result, key, -sign)
    op = "+" if encrypt else "-"
    return GeneratedTask(
        prompt=prompt,
        target=result,
        steps=[
            f"Letters of the {'plaintext' if encrypt else 'ciphertext'}: {source} ({len(source)} letters).",
            f"Keyword {key} repeated alongside: {keystream}.",
            f"Message numbers: {src_nums}; key numbers: {key_nums}.",
            f"(message {op} key) mod 26: {res_nums}, i.e. {result}.",
            f"{'Decrypting' if encrypt else 'Re-encrypting'} {result} with {key} gives {back}, "
            f"matching the {'plaintext' if encrypt else 'ciphertext'}.",
        ],
        params={"words": words, "key": key, "mode": "encrypt" if encrypt else "decrypt"},
    )


# --------------------------------------------------------------------------- run-length encoding

_RLE_CONTEXTS = (
    ("a row of pixels in a small bitmap, one letter per colour code", "pixel row"),
    ("a log of machine states sampled once per second", "state log"),
    ("a strip of floor tiles, one letter per tile colour", "tile strip"),
    ("a sequence of weather codes recorded every hour", "weather sequence"),
    ("the seating plan of one theatre row, one letter per ticket class", "seating row"),
    ("a track of musical notes, one letter per beat", "note track"),
    ("a chain of beads on a necklace, one letter per bead colour", "bead chain"),
    ("a barcode scan, one letter per bar width", "barcode scan"),
)
_RLE_FORMAT = (
    "Format: each maximal run of one repeated letter is written as its length followed by the letter, "
    "and a length of 1 is written too (AAAB is 3A1B, twelve Cs are 12C)."
)


def _rle_encode(text: str) -> list[tuple[str, int]]:
    runs: list[tuple[str, int]] = []
    for ch in text:
        if runs and runs[-1][0] == ch:
            runs[-1] = (ch, runs[-1][1] + 1)
        else:
            runs.append((ch, 1))
    return runs


def _rle_decode(code: str) -> str:
    out, digits = [], ""
    for ch in code:
        if ch.isdigit():
            digits += ch
        else:
            out.append(ch * int(digits))
            digits = ""
    return "".join(out)


@skill(
    id="run-length-encoding",
    name="Run-length encoding",
    domain=DOMAIN,
    description="Encode a letter string as count+letter runs, or decode such a run list back to the string.",
    answer_type="string",
    procedure=[
        "Identify the direction (encode or decode) and the run format: each run is its count in decimal "
        "followed by the character, and a count can have several digits.",
        "Split the input into runs: when encoding, cut wherever the character changes; when decoding, "
        "read all consecutive digits as one count and pair it with the character that follows.",
        "List every run as (character, count), in order.",
        "Write each run in the output form (count then character when encoding; the character repeated "
        "count times when decoding) and concatenate the runs in order.",
        "Verify: the counts add up to the length of the decoded string, no two neighbouring runs share a "
        "character, and converting your result back reproduces the input.",
    ],
    why="Models miscount long runs and misread multi-digit counts unless they list every run explicitly.",
)
def run_length_encoding(rng: random.Random, difficulty: int) -> GeneratedTask:
    n_runs, max_len, n_letters = {
        1: (rng.randint(5, 6), 5, 3),
        2: (rng.randint(8, 9), 9, 4),
        3: (rng.randint(10, 12), 15, 5),
    }[difficulty]
    letters = rng.sample(_ALPHABET, n_letters)
    runs: list[tuple[str, int]] = []
    for _ in range(n_runs):
        choices = [c for c in letters if not runs or c != runs[-1][0]]
        runs.append((rng.choice(choices), rng.randint(1, max_len)))
    if difficulty == 3 and max(n for _, n in runs) < 10:
        i = rng.randrange(n_runs)
        runs[i] = (runs[i][0], rng.randint(10, max_len))
    decoded = "".join(c * n for c, n in runs)
    encoded = "".join(f"{n}{c}" for c, n in runs)
    encode = rng.random() < 0.5
    context, short = rng.choice(_RLE_CONTEXTS)
    if encode:
        prompt = (
            f"The string {decoded} describes {context}. {_RLE_FORMAT} Run-length encode this {short}. "
            "Answer with the encoded string only, in uppercase, without spaces."
        )
        source, result = decoded, encoded
    else:
        prompt = (
            f"The run-length code {encoded} describes {context}. {_RLE_FORMAT} Decode it back to the "
            f"full {short}. Answer with the decoded string only, in uppercase, without spaces."
        )
        source, result = encoded, decoded
    assert _rle_encode(decoded) == runs and _rle_decode(encoded) == decoded
    pairs = ", ".join(f"({c}, {n})" for c, n in runs)
    if encode:
        split = " | ".join(c * n for c, n in runs)
        render = " + ".join(f"{n}{c}" for c, n in runs)
    else:
        split = " | ".join(f"{n}{c}" for c, n in runs)
        render = " + ".join(c * n for c, n in runs)
    check = "".join(f"{n}{c}" for c, n in _rle_encode(decoded)) if not encode else _rle_decode(encoded)
    return GeneratedTask(
        prompt=prompt,
        target=result,
        steps=[
            f"Direction: {'encode' if encode else 'decode'}; input {source} ({len(source)} characters).",
            f"Runs: {split} ({len(runs)} runs).",
            f"(character, count) pairs: {pairs}.",
            f"Output pieces {render} concatenate to {result}.",
            f"Counts sum to {sum(n for _, n in runs)} = length of the decoded string; neighbouring runs "
            f"differ; converting back gives {check}, the input.",
        ],
        params={"runs": [[c, n] for c, n in runs], "mode": "encode" if encode else "decode"},
    )


# --------------------------------------------------------------------------- slugs

_PLAIN_WORDS = tuple(
    (
        "Guide Ultimate Notes Review Recipe Journey Secrets Lessons Garden Winter Summer City Coffee "
        "Bread Python Data Travel Mountain Ocean Music Night Market Kitchen Startup Design History Future "
        "Cycling Budget Weekend Beginner's Chef's Writer's Parents' Don't It's Why How What Best Simple "
        "Quick Hidden Modern Classic Local Rainy Small Big Lost"
    ).split()
)
_ACCENTED_WORDS = tuple(
    (
        "Café Crème Brûlée Über Señor Façade Naïve Jalapeño Smörgåsbord Résumé Déjà Piñata Zoë Fiancée "
        "Mañana Crêpe Gruyère Tête Açaí Björk Ångström Élan Noël Öland Málaga Curaçao Pâté Soirée Protégé "
        "Coöp"
    ).split()
)
_JOINERS = (" & ", ": ", " — ", ", ", " / ", " + ", "! ", "? ", " (", ") ", "... ", " - ")
_NUMBERS = ("10", "2024", "3.5", "7", "100%", "24/7", "5", "1999", "42", "12")
_SLUG_SOURCES = (
    "blog post",
    "news article",
    "recipe page",
    "podcast episode",
    "product page",
    "conference talk",
    "wiki page",
    "travel diary entry",
)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _slugify(title: str, sep: str, amp: str, limit: int | None) -> tuple[list[str], str]:
    stages = []
    text = title.replace("&", amp)
    stages.append(text)
    text = _strip_accents(text).lower()
    stages.append(text)
    text = text.replace("'", "").replace("\u2019", "")
    pieces, current = [], ""
    for ch in text:
        if ("a" <= ch <= "z") or ("0" <= ch <= "9"):
            current += ch
        else:
            if current:
                pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    slug = sep.join(pieces)
    stages.append(slug)
    if limit is not None and len(slug) > limit:
        kept: list[str] = []
        for p in pieces:
            if len(sep.join([*kept, p])) > limit:
                break
            kept.append(p)
        slug = sep.join(kept)
    stages.append(slug)
    return stages, slug


@skill(
    id="slug-normalisation",
    name="URL slug normalisation",
    domain=DOMAIN,
    description="Turn a title into a URL slug under stated rules (accents, separators, length limit).",
    answer_type="string",
    procedure=[
        "Apply the stated symbol substitutions first (for example what '&' becomes), then remove "
        "diacritics so each accented letter becomes its plain base letter.",
        "Lowercase the whole text.",
        "Delete apostrophes, then replace every run of characters other than a-z and 0-9 with a single "
        "separator, so no two separators are adjacent.",
        "Remove separators from both ends, then apply any length limit by keeping only whole words that fit.",
        "Verify: the slug contains only a-z, 0-9 and single separators, no separator at either end, "
        "respects the limit, and every word of the title is accounted for.",
    ],
    why="Models forget rule order (apostrophes before separators) and collapse or trim separators "
    "inconsistently unless they apply the rules in sequence.",
)
def slug_normalisation(rng: random.Random, difficulty: int) -> GeneratedTask:
    n_words, n_accents = {1: (4, 1), 2: (6, 2), 3: (8, 3)}[difficulty]
    words = [rng.choice(_PLAIN_WORDS) for _ in range(n_words - n_accents)]
    for _ in range(n_accents):
        words.insert(rng.randint(0, len(words)), rng.choice(_ACCENTED_WORDS))
    if rng.random() < 0.6:
        words.insert(rng.randint(0, len(words)), rng.choice(_NUMBERS))
    joiners = [rng.choice(_JOINERS) if rng.random() < 0.45 else " " for _ in words[1:]]
    if difficulty >= 2 and " & " not in joiners:
        joiners[rng.randrange(len(joiners))] = " & "
    title = words[0] + "".join(j + w for j, w in zip(joiners, words[1:], strict=True))
    if rng.random() < 0.4:
        title += rng.choice(("!", "?", "...", " :)", " (2nd ed.)", "!!"))
    sep = rng.choice(("-", "-", "_"))
    amp_word = rng.choice(("and", "n", "plus", None))
    amp = f" {amp_word} " if amp_word else " "
    limit = None
    stages, full = _slugify(title, sep, amp, None)
    if difficulty == 3:
        limit = max(12, len(full) - rng.randint(6, 16))
    stages, slug = _slugify(title, sep, amp, limit)
    sep_name = {"-": "hyphen (-)", "_": "underscore (_)"}[sep]
    amp_rule = f"'&' becomes the word '{amp_word}'" if amp_word else "'&' is treated like any other symbol"
    rules = [
        f"{amp_rule}",
        "accented letters lose their accents (é becomes e, ñ becomes n, å becomes a)",
        "everything is lowercased",
        "apostrophes are deleted outright",
        f"every run of characters other than a-z and 0-9 becomes a single {sep_name}",
        f"no {sep} at the start or end",
    ]
    if limit is not None:
        rules.append(
            f"if the slug is longer than {limit} characters, keep only as many whole words from the "
            f"start as fit within {limit} characters (separators included)"
        )
    source = rng.choice(_SLUG_SOURCES)
    prompt = (
        f"A {source} is titled: {title}\n"
        f"Make its URL slug with these rules, applied in order: {'; '.join(rules)}. "
        "Answer with the slug only."
    )
    length_note = (
        f"length {len(full)} > {limit}, so keep whole words: {slug} ({len(slug)} characters)"
        if limit is not None and len(full) > limit
        else f"length {len(slug)}, no limit to apply"
        if limit is None
        else f"length {len(slug)} fits {limit}"
    )
    return GeneratedTask(
        prompt=prompt,
        target=slug,
        steps=[
            f"After '&' rule and accent removal: {_strip_accents(stages[0])}.",
            f"Lowercased: {stages[1]}.",
            f"Apostrophes removed and symbol runs turned into '{sep}': {stages[2]}.",
            f"Ends trimmed; {length_note}.",
            f"{slug} uses only a-z, 0-9 and single '{sep}' separators, with none at the ends"
            + (f", and is within {limit} characters." if limit is not None else "."),
        ],
        params={"title": title, "sep": sep, "amp": amp_word, "limit": limit},
    )


# --------------------------------------------------------------------------- Roman numerals

_ROMAN = (
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
)
_SYMBOL = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN_CONTEXTS = (
    ("the cornerstone of a town hall reads {a}", "a later wing's plaque reads {b}"),
    ("a film's copyright line shows {a}", "its sequel's copyright line shows {b}"),
    ("one bookmark sits at chapter {a} of a long novel", "another at chapter {b}"),
    ("a clock tower bears the date {a}", "its restoration plate bears {b}"),
    ("a shelf label shows encyclopedia volume {a}", "a second label shows volume {b}"),
    ("a sundial is engraved with {a}", "its pedestal with {b}"),
    ("one ticket stub says Super Bowl {a}", "another says Super Bowl {b}"),
    ("a legion standard shows the number {a}", "another standard shows {b}"),
)


def _to_roman(n: int) -> tuple[str, list[str]]:
    out, parts = "", []
    for value, sym in _ROMAN:
        while n >= value:
            out += sym
            parts.append(sym)
            n -= value
    return out, parts


def _from_roman(s: str) -> tuple[int, list[str]]:
    total, terms = 0, []
    for i, ch in enumerate(s):
        v = _SYMBOL[ch]
        if i + 1 < len(s) and v < _SYMBOL[s[i + 1]]:
            total -= v
            terms.append(f"-{v}")
        else:
            total += v
            terms.append(f"+{v}")
    return total, terms


@skill(
    id="roman-numerals",
    name="Roman numeral arithmetic",
    domain=DOMAIN,
    description="Add and subtract Roman numerals and write the result as a standard Roman numeral.",
    answer_type="string",
    procedure=[
        "Parse each Roman numeral left to right: a symbol smaller than the symbol after it is subtracted, "
        "every other symbol is added (I=1, V=5, X=10, L=50, C=100, D=500, M=1000).",
        "Write the integer value of every numeral.",
        "Carry out the stated arithmetic on the integers.",
        "Convert the result back greedily using 1000 M, 900 CM, 500 D, 400 CD, 100 C, 90 XC, 50 L, "
        "40 XL, 10 X, 9 IX, 5 V, 4 IV, 1 I, taking the largest value that fits each time.",
        "Verify: parse your numeral back and confirm it equals the integer result, and that no symbol "
        "appears more than three times in a row.",
    ],
    why="Models misread subtractive pairs (IX, XC, CM) and produce non-standard numerals unless they "
    "convert through integers.",
)
def roman_numerals(rng: random.Random, difficulty: int) -> GeneratedTask:
    while True:
        if difficulty == 1:
            values = [rng.randint(4, 99), rng.randint(4, 99)]
            signs = ["+", rng.choice(("+", "-"))]
        elif difficulty == 2:
            values = [rng.randint(40, 1999), rng.randint(40, 1999)]
            signs = ["+", rng.choice(("+", "-"))]
        else:
            values = [rng.randint(400, 3000), rng.randint(40, 1500), rng.randint(40, 1500)]
            signs = ["+", rng.choice(("+", "-")), rng.choice(("+", "-"))]
        if signs[1] == "-" and values[1] > values[0]:
            values[0], values[1] = values[1], values[0]
        total = sum(v if s == "+" else -v for s, v in zip(signs, values, strict=True))
        if 1 <= total <= 3999 and len(set(values)) == len(values):
            break
    numerals = [_to_roman(v)[0] for v in values]
    result, parts = _to_roman(total)
    expr = numerals[0] + "".join(f" {s} {n}" for s, n in zip(signs[1:], numerals[1:], strict=True))
    int_expr = str(values[0]) + "".join(f" {s} {v}" for s, v in zip(signs[1:], values[1:], strict=True))
    if difficulty == 3 or rng.random() < 0.5:
        prompt = (
            f"Evaluate the Roman-numeral expression {expr}. "
            "Answer with the result as a standard uppercase Roman numeral (subtractive notation, "
            "e.g. IV, XC)."
        )
    else:
        first, second = rng.choice(_ROMAN_CONTEXTS)
        verb = "sum" if signs[1] == "+" else "difference (first minus second)"
        prompt = (
            f"In a quiz, {first.format(a=numerals[0])} and {second.format(b=numerals[1])}. "
            f"Compute the {verb} of these two numbers. Answer with the result as a standard uppercase "
            "Roman numeral (subtractive notation, e.g. IV, XC)."
        )
    parsed = "; ".join(f"{n} = {' '.join(_from_roman(n)[1])}" for n in numerals)
    back, _ = _from_roman(result)
    assert all(_from_roman(n)[0] == v for n, v in zip(numerals, values, strict=True)) and back == total
    return GeneratedTask(
        prompt=prompt,
        target=result,
        steps=[
            f"Symbol values with signs: {parsed}.",
            "Values: " + ", ".join(f"{n} = {v}" for n, v in zip(numerals, values, strict=True)) + ".",
            f"{int_expr} = {total}.",
            f"{total} = {' + '.join(parts)} = {result}.",
            f"{result} parses back to {back}, and no symbol repeats more than three times in a row.",
        ],
        params={"values": values, "signs": signs},
    )
