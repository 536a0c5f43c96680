"""Formal-rule procedures: SemVer precedence, CIDR membership, truth-table counting."""

from __future__ import annotations

import functools
import ipaddress
import itertools
import random

from procskill.generators._base import GeneratedTask, skill

DOMAIN = "formal_rules"

# --------------------------------------------------------------------------- semver ordering

_PACKAGES = (
    "libtarn",
    "quarkdb",
    "fernwood",
    "pyrelay",
    "opal-cli",
    "meshkit",
    "lumen-ui",
    "grainstore",
    "hexaflow",
    "tidewatch",
    "corvid",
    "sparrow-http",
    "basalt",
    "nimbus-sdk",
    "kestrel",
    "orchard-orm",
    "velum",
    "zinc-queue",
    "marlin-auth",
    "pebble-fs",
    "ironbark",
    "sable-log",
    "cinder",
    "halyard",
    "wicket-test",
    "lattice-ml",
)
_PRE_POOL = (
    "alpha",
    "alpha.1",
    "alpha.2",
    "alpha.10",
    "alpha.beta",
    "beta",
    "beta.2",
    "beta.3",
    "beta.11",
    "rc.1",
    "rc.2",
    "rc.10",
    "1",
    "2",
    "10",
    "alpha.1.1",
    "beta.rc",
    "dev.4",
    "dev.12",
    "preview",
    "rc.1.hotfix",
)


def _parse_semver(v: str) -> tuple[tuple[int, int, int], list[str], str]:
    core_pre, _, build = v.partition("+")
    core, _, pre = core_pre.partition("-")
    major, minor, patch = (int(x) for x in core.split("."))
    return (major, minor, patch), (pre.split(".") if pre else []), build


def _cmp_ident(a: str, b: str) -> int:
    an, bn = a.isdigit(), b.isdigit()
    if an and bn:
        return (int(a) > int(b)) - (int(a) < int(b))
    if an != bn:
        return -1 if an else 1
    return (a > b) - (a < b)


def _cmp_semver(x: str, y: str) -> int:
    """SemVer 2.0.0 precedence (build metadata ignored)."""
    cx, px, _ = _parse_semver(x)
    cy, py, _ = _parse_semver(y)
    if cx != cy:
        return -1 if cx < cy else 1
    if not px or not py:
        return (not px) - (not py)
    for a, b in zip(px, py):
        c = _cmp_ident(a, b)
        if c:
            return c
    return (len(px) > len(py)) - (len(px) < len(py))


@skill(
    id="semver-ordering",
    name="Semantic version ordering",
    domain=DOMAIN,
    description="Sort version strings by Semantic Versioning 2.0.0 precedence, including pre-release identifiers and build metadata.",
    answer_type="list",
    procedure=[
        "Split every version into MAJOR.MINOR.PATCH, the optional pre-release part (after the first '-') and the optional build metadata (after '+'); build metadata never affects precedence.",
        "Order by MAJOR, then MINOR, then PATCH, comparing each as an integer (so 1.10.0 > 1.9.0).",
        "Among versions with the same MAJOR.MINOR.PATCH, a version without a pre-release ranks above every version with one.",
        "Compare pre-releases identifier by identifier (split on '.'): numeric identifiers compare as integers, alphanumeric ones in ASCII order, a numeric identifier ranks below an alphanumeric one, and if all shared identifiers are equal the shorter list ranks lower.",
        "Verify: walk the final list and confirm every adjacent pair is in the requested direction under these rules and that each input version appears exactly once, written as given.",
    ],
    why="Models sort versions as strings or forget that pre-releases rank below the release and that identifiers compare numerically; the explicit rule order prevents both.",
)
def semver_ordering(rng: random.Random, difficulty: int) -> GeneratedTask:
    count = {1: 5, 2: 7, 3: rng.randint(9, 10)}[difficulty]
    use_build = difficulty >= 2
    package = rng.choice(_PACKAGES)
    descending = rng.random() < 0.4
    major = rng.randint(0, 4)
    minors = sorted(rng.sample(range(14), 3 if difficulty > 1 else 2))
    pool = _PRE_POOL if difficulty == 3 else _PRE_POOL[:12]

    def new_core() -> tuple[int, int, int]:
        m = major + (1 if rng.random() < 0.2 else 0)
        return m, rng.choice(minors), rng.choice([0, 1, 2, 3, 9, 10, 11, 12, 20])

    keys: list[str] = []  # core + pre-release: unique, so there are no precedence ties

    def add(core: tuple[int, int, int], pre: str) -> None:
        key = f"{core[0]}.{core[1]}.{core[2]}" + (f"-{pre}" if pre else "")
        if key not in keys and len(keys) < count:
            keys.append(key)

    # Clusters: a core with several pre-releases (and usually its release).
    for n_pre_here in {1: [1], 2: [3], 3: [3, 2]}[difficulty]:
        core = new_core()
        if rng.random() < 0.75:
            add(core, "")
        for pre in rng.sample(pool, n_pre_here):
            add(core, pre)
    while len(keys) < count:
        add(new_core(), rng.choice(pool) if difficulty > 1 and rng.random() < 0.2 else "")
    versions: list[str] = []
    for key in keys:
        build = ""
        if use_build and rng.random() < 0.25:
            build = rng.choice(
                [
                    f"+build.{rng.randint(1, 999)}",
                    f"+sha.{rng.randrange(16**7):07x}",
                    f"+{rng.randint(2019, 2025)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
                ]
            )
        versions.append(key + build)
    order = sorted(versions, key=functools.cmp_to_key(_cmp_semver), reverse=descending)
    # Sanity: a strict order (no ties).
    for a, b in itertools.pairwise(sorted(versions, key=functools.cmp_to_key(_cmp_semver))):
        assert _cmp_semver(a, b) < 0

    shown = list(versions)
    rng.shuffle(shown)
    direction = (
        "from highest (newest) to lowest precedence" if descending else "from lowest to highest precedence"
    )
    intro = rng.choice(
        [
            f"The release page of {package} lists these versions in no particular order:",
            f"A dependency resolver found the following published versions of {package}:",
            f"These tags exist in the {package} repository:",
        ]
    )
    prompt = (
        f"{intro} {', '.join(shown)}. Order them {direction} according to Semantic Versioning 2.0.0. "
        "Answer with the versions as a comma-separated list in that order, each written exactly as given."
    )

    parsed = [(v, *_parse_semver(v)) for v in shown]
    asc = sorted(versions, key=functools.cmp_to_key(_cmp_semver))
    core_order = sorted({c for _, c, _, _ in parsed})
    groups = []
    for c in core_order:
        members = [v for v in asc if _parse_semver(v)[0] == c]
        groups.append((c, members))
    step1 = (
        "; ".join(
            f"{v} -> core {c[0]}.{c[1]}.{c[2]}, pre-release {'.'.join(p) if p else 'none'}"
            + (f", build {b} (ignored)" if b else "")
            for v, c, p, b in parsed
        )
        + "."
    )
    step2 = "Cores in numeric order: " + " < ".join(f"{c[0]}.{c[1]}.{c[2]}" for c in core_order) + "."
    multi = [(c, m) for c, m in groups if len(m) > 1]
    if multi:
        step3 = (
            "Within shared cores the release ranks last: "
            + "; ".join(
                f"{c[0]}.{c[1]}.{c[2]}: "
                + (
                    f"{next(v for v in m if not _parse_semver(v)[1])} is above its pre-releases"
                    if any(not _parse_semver(v)[1] for v in m)
                    else "no plain release, only pre-releases"
                )
                for c, m in multi
            )
            + "."
        )
    else:
        step3 = "Every core appears only once, so the release-above-pre-release rule does not decide anything here."
    pre_groups = [(c, [v for v in m if _parse_semver(v)[1]]) for c, m in groups]
    pre_groups = [(c, m) for c, m in pre_groups if len(m) > 1]
    if pre_groups:
        step4 = (
            "Pre-release comparisons: "
            + "; ".join(" < ".join(m) for _, m in pre_groups)
            + " (numeric identifiers compared as integers, numeric below alphanumeric, shorter prefix lower)."
        )
    else:
        step4 = "No two pre-releases share a core, so no identifier-by-identifier comparison is needed."
    step4 += " Ascending order: " + ", ".join(asc) + "."
    step5 = f"Listed {direction}: {', '.join(order)}; each adjacent pair is strictly ordered and all {count} versions appear once."
    return GeneratedTask(
        prompt=prompt,
        target=", ".join(order),
        steps=[step1, step2, step3, step4, step5],
        params={"package": package, "versions": shown, "descending": descending, "intro": intro[:24]},
    )


# --------------------------------------------------------------------------- CIDR membership

_NET_PURPOSE = (
    "office VPN",
    "payments VLAN",
    "build farm",
    "partner API range",
    "monitoring subnet",
    "staging cluster",
    "warehouse scanners",
    "guest Wi-Fi",
    "database tier",
    "CDN edge",
    "lab network",
    "backup appliances",
)


def _rand_v4_net(rng: random.Random, prefix: int) -> ipaddress.IPv4Network:
    first = rng.choice([10, 172, 192, 100, 198, 203, 45, 81, 131])
    addr = (first << 24) | rng.getrandbits(24)
    return ipaddress.IPv4Network((addr, prefix), strict=False)


def _rand_v6_net(rng: random.Random, prefix: int) -> ipaddress.IPv6Network:
    head = rng.choice([0x2001_0DB8, 0x2A02_0C7F, 0xFD12_3456, 0x2600_1F18])
    addr = (head << 96) | rng.getrandbits(96)
    return ipaddress.IPv6Network((addr, prefix), strict=False)


def _near(rng: random.Random, net: ipaddress._BaseNetwork) -> tuple[int, bool]:
    """An address value near ``net``'s edges or inside it, and whether it is inside."""
    first, last = int(net.network_address), int(net.broadcast_address)
    kind = rng.choice(["first", "last", "before", "after", "inside", "inside", "sibling"])
    if kind == "first":
        return first, True
    if kind == "last":
        return last, True
    if kind == "before":
        return first - rng.randint(1, 3), False
    if kind == "after":
        return last + rng.randint(1, 3), False
    if kind == "inside":
        return rng.randint(first, last), True
    size = last - first + 1
    return first + size * rng.choice([-2, -1, 1, 2]) + rng.randrange(size), False


@skill(
    id="cidr-membership",
    name="CIDR membership",
    domain=DOMAIN,
    description="Decide which IP addresses fall inside at least one of a set of CIDR blocks.",
    answer_type="set",
    procedure=[
        "For each CIDR block, take the prefix length and compute the block's first and last address (keep the first prefix bits, set the host bits to all 0s / all 1s).",
        "For each candidate address, find the octet (or hextet) where each same-family block's prefix boundary falls and mask the address to that prefix.",
        "An address belongs to a block exactly when its masked value equals the block's network address, i.e. it lies between the first and last address inclusive; never compare an IPv4 address with an IPv6 block.",
        "Collect the addresses that belong to at least one block.",
        "Verify: re-check every address that sits just before, at, or just after a block's first or last address, and confirm the partially masked octet was compared in binary, not by its decimal digits.",
    ],
    why="Prefixes that do not fall on an octet boundary are where models guess; masking the boundary octet explicitly makes membership mechanical.",
)
def cidr_membership(rng: random.Random, difficulty: int) -> GeneratedTask:
    n_blocks = {1: 3, 2: 4, 3: 5}[difficulty]
    n_addrs = {1: 6, 2: 8, 3: 10}[difficulty]
    blocks: list[ipaddress._BaseNetwork] = []
    while len(blocks) < n_blocks:
        if difficulty == 3 and len(blocks) >= 3:
            net = _rand_v6_net(rng, rng.choice([44, 48, 52, 56, 60, 62, 64]))
        elif difficulty == 1:
            net = _rand_v4_net(rng, rng.choice([8, 16, 24]))
        else:
            net = _rand_v4_net(rng, rng.choice([12, 14, 18, 19, 20, 21, 22, 23, 25, 26, 27, 28, 29, 30]))
        if net.prefixlen == 8 and any(b.version == 4 and b.prefixlen == 8 for b in blocks):
            continue
        if net not in blocks:
            blocks.append(net)
    addrs: list[ipaddress._BaseAddress] = []
    while len(addrs) < n_addrs:
        net = rng.choice(blocks)
        value, _ = _near(rng, net)
        cls = ipaddress.IPv4Address if net.version == 4 else ipaddress.IPv6Address
        limit = 2**32 if net.version == 4 else 2**128
        if not 0 <= value < limit:
            continue
        addr = cls(value)
        if addr not in addrs:
            addrs.append(addr)
    members = [a for a in addrs if any(a.version == b.version and a in b for b in blocks)]
    if not members or len(members) == len(addrs):
        # Force a mix: replace one address with a clear outsider or insider.
        net = blocks[0]
        if not members:
            addrs[-1] = net.network_address + rng.randrange(net.num_addresses)
        else:
            addrs[-1] = net.broadcast_address + 1
        members = [a for a in addrs if any(a.version == b.version and a in b for b in blocks)]
    labels = rng.sample(_NET_PURPOSE, n_blocks)
    lead = rng.choice(
        [
            "A firewall allow-list contains these networks:",
            "The following CIDR blocks are routed to the internal gateway:",
            "An access policy trusts exactly these address ranges:",
        ]
    )
    block_text = "; ".join(f"{b.with_prefixlen} ({lab})" for b, lab in zip(blocks, labels))
    prompt = (
        f"{lead} {block_text}. Which of these addresses fall inside at least one of the listed networks: "
        f"{', '.join(str(a) for a in addrs)}? Answer with the matching addresses as a comma-separated list "
        "(order does not matter), written exactly as given."
    )

    def key(a: ipaddress._BaseAddress) -> tuple[int, int]:
        return a.version, int(a)

    ranges = "; ".join(f"{b.with_prefixlen}: {b.network_address} - {b.broadcast_address}" for b in blocks)
    masked = []
    verdicts = []
    for a in addrs:
        same = [b for b in blocks if b.version == a.version]
        parts = []
        hit = None
        for plen in sorted({b.prefixlen for b in same}):
            net_of_a = ipaddress.ip_network((int(a), plen), strict=False).network_address
            parts.append(f"/{plen} -> {net_of_a}")
        for b in same:
            if a in b and hit is None:
                hit = b
        masked.append(f"{a}: " + ", ".join(parts))
        verdicts.append(f"{a} {'in ' + hit.with_prefixlen if hit else 'in none'}")
    edge_notes = []
    for a in addrs:
        for b in blocks:
            if a.version != b.version:
                continue
            f, l_ = int(b.network_address), int(b.broadcast_address)
            if abs(int(a) - f) <= 3 or abs(int(a) - l_) <= 3:
                edge_notes.append(f"{a} vs {b.with_prefixlen} ({'inside' if a in b else 'outside'})")
    members_sorted = sorted(members, key=key)
    return GeneratedTask(
        prompt=prompt,
        target=", ".join(str(a) for a in members_sorted),
        steps=[
            f"Block ranges: {ranges}.",
            "Each address masked to every same-family prefix: " + "; ".join(masked) + ".",
            "Membership: " + "; ".join(verdicts) + ".",
            f"Addresses inside at least one block: {', '.join(str(a) for a in members_sorted)}.",
            "Boundary re-checks: "
            + ("; ".join(edge_notes) if edge_notes else "no address sits within 3 of a block edge")
            + "; IPv4 and IPv6 were only compared within their own family.",
        ],
        params={
            "blocks": [b.with_prefixlen for b in blocks],
            "addresses": [str(a) for a in addrs],
            "labels": labels,
        },
    )


# --------------------------------------------------------------------------- truth-table count

_VARSETS = (
    ("p", "q", "r", "s", "t"),
    ("A", "B", "C", "D", "E"),
    ("x", "y", "z", "u", "v"),
    ("a", "b", "c", "d", "e"),
)
_SYMBOLS = {"not": "¬", "and": "∧", "or": "∨", "implies": "→", "iff": "↔", "xor": "⊕"}
_WORDS = {"not": "NOT ", "and": "AND", "or": "OR", "implies": "IMPLIES", "iff": "IFF", "xor": "XOR"}


def _eval(node: tuple, env: dict[str, bool]) -> bool:
    op = node[0]
    if op == "var":
        return env[node[1]]
    if op == "not":
        return not _eval(node[1], env)
    a, b = _eval(node[1], env), _eval(node[2], env)
    return {
        "and": a and b,
        "or": a or b,
        "implies": (not a) or b,
        "iff": a == b,
        "xor": a != b,
    }[op]


def _uses(node: tuple, op: str) -> bool:
    if node[0] == "var":
        return False
    return node[0] == op or any(_uses(child, op) for child in node[1:])


def _render(node: tuple, style: dict[str, str], top: bool = True) -> str:
    op = node[0]
    if op == "var":
        return node[1]
    if op == "not":
        return f"{style['not']}{_render(node[1], style, top=False)}"
    inner = f"{_render(node[1], style, False)} {style[op]} {_render(node[2], style, False)}"
    return inner if top else f"({inner})"


def _strip_not(node: tuple) -> tuple:
    return node[1] if node[0] == "not" else node


def _subformulas(node: tuple) -> list[tuple]:
    if node[0] == "var":
        return []
    out = []
    for child in node[1:]:
        out += _subformulas(child)
    return [*out, node]


@skill(
    id="truth-table-count",
    name="Truth-table counting",
    domain=DOMAIN,
    description="Count the assignments of a propositional formula's variables that make it true.",
    answer_type="integer",
    procedure=[
        "List the distinct variables; with n variables the truth table has 2^n rows.",
        "Break the formula into its subformulas from the innermost outward, and fix each connective's meaning (implication is false only for true -> false; iff is true when both sides agree; xor when they differ).",
        "Enumerate all assignments systematically (count in binary over the variables in a fixed order) and evaluate the subformulas row by row.",
        "Count the rows in which the whole formula is true.",
        "Verify: recount by splitting on one variable (rows with it true plus rows with it false) and confirm the two partial counts add up to the same total.",
    ],
    why="Without a systematic enumeration models skip or duplicate rows and misread implication; a fixed row order and a split recount catch both.",
)
def truth_table_count(rng: random.Random, difficulty: int) -> GeneratedTask:
    n_vars = {1: 3, 2: 4, 3: 5}[difficulty]
    n_leaves = {1: rng.randint(4, 5), 2: rng.randint(5, 6), 3: rng.randint(7, 8)}[difficulty]
    ops = {1: ["and", "or"], 2: ["and", "or", "implies"], 3: ["and", "or", "implies", "iff", "xor"]}[
        difficulty
    ]
    names = list(rng.choice(_VARSETS)[:n_vars])
    words = rng.random() < 0.5
    style = _WORDS if words else _SYMBOLS
    for _ in range(1000):
        leaves = names + [rng.choice(names) for _ in range(n_leaves - n_vars)]
        rng.shuffle(leaves)
        nodes: list[tuple] = [("not", ("var", v)) if rng.random() < 0.3 else ("var", v) for v in leaves]
        while len(nodes) > 1:
            i = rng.randrange(len(nodes) - 1)
            if _strip_not(nodes[i]) == _strip_not(nodes[i + 1]):
                break
            node = (rng.choice(ops), nodes[i], nodes[i + 1])
            if rng.random() < 0.15 and len(nodes) > 2:
                node = ("not", node)
            nodes[i : i + 2] = [node]
        if len(nodes) > 1:
            continue
        formula = nodes[0]
        rows = list(itertools.product([False, True], repeat=n_vars))
        sat = [r for r in rows if _eval(formula, dict(zip(names, r)))]
        if 0 < len(sat) < len(rows):
            break
    text = _render(formula, style)
    used = [op for op in ("not", "and", "or", "implies", "iff", "xor") if _uses(formula, op)]
    meaning = {
        "not": "negation",
        "and": "conjunction",
        "or": "inclusive disjunction",
        "implies": "material implication",
        "iff": "biconditional",
        "xor": "exclusive or",
    }
    legend = ", ".join(f"{style[op].strip()} is {meaning[op]}" for op in used)
    lead = rng.choice(
        [
            f"Consider the propositional formula {text} over the variables {', '.join(names)}.",
            f"A circuit's output is described by the Boolean formula {text}, whose inputs are {', '.join(names)}.",
            f"A feature flag is enabled exactly when the condition {text} holds, where {', '.join(names)} are independent switches.",
            f"An access rule grants entry when {text} is true; {', '.join(names)} are yes/no facts about the request.",
            f"Let F = {text}, a formula in the variables {', '.join(names)}.",
        ]
    )
    question = rng.choice(
        [
            f"In how many of the {2**n_vars} assignments of true/false to {', '.join(names)} is it true?",
            f"Count the rows of its {2**n_vars}-row truth table in which it evaluates to true.",
            f"For how many of the {2**n_vars} possible combinations of input values does it come out true?",
        ]
    )
    prompt = (
        f"{lead} Notation: {legend}; negation binds tightest and parentheses group everything else. "
        f"{question} Answer with a single integer."
    )
    subs = []
    for sub in _subformulas(formula):
        if sub not in subs:
            subs.append(sub)
    bits = ["".join("1" if b else "0" for b in r) for r in sat]
    first = names[0]
    with_true = sum(1 for r in sat if r[0])
    with_false = len(sat) - with_true
    return GeneratedTask(
        prompt=prompt,
        target=str(len(sat)),
        steps=[
            f"Variables {', '.join(names)}: {n_vars} variables, {2**n_vars} rows.",
            "Subformulas, innermost first: " + "; ".join(_render(s, style) for s in subs) + ".",
            f"Rows ({''.join(names)}, 1 = true) where the formula is true: {', '.join(bits)}.",
            f"Count of true rows: {len(sat)}.",
            f"Split on {first}: {with_true} true rows with {first} true + {with_false} with {first} false = {len(sat)}.",
        ],
        params={
            "variables": names,
            "formula": text,
            "words": words,
            "lead": lead[:24],
            "question": question[:24],
        },
    )
