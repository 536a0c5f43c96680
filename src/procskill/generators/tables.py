"""Table procedures: group-by aggregation, joins, CSV filtering, JSON path lookup."""

from __future__ import annotations

import csv
import io
import json
import random

from procskill.generators._base import GeneratedTask, skill

DOMAIN = "tables"


def _pipe_table(header: list[str], rows: list[list]) -> str:
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    lines += [" | ".join(str(v) for v in row) for row in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------- group-by aggregate

_GROUP_THEMES = (
    {
        "intro": "Sales lines from a bakery chain",
        "group": "store",
        "groups": ("Aldgate", "Brixton", "Camden", "Dalston", "Ealing", "Fulham", "Greenwich", "Hackney"),
        "label": "product",
        "labels": ("sourdough", "bagel", "croissant", "rye loaf", "brioche", "scone", "focaccia", "muffin"),
        "a": ("units", 1, 40),
        "b": ("unit_price", 2, 9),
    },
    {
        "intro": "Loans recorded by a city library network",
        "group": "branch",
        "groups": tuple(("Central Harbour Hillside Lakeside Meadow Northgate Riverside Westfield").split()),
        "label": "genre",
        "labels": ("crime", "poetry", "travel", "history", "comics", "science", "cookery", "fantasy"),
        "a": ("loans", 2, 60),
        "b": ("weeks", 1, 6),
    },
    {
        "intro": "Support tickets closed last week",
        "group": "team",
        "groups": ("Apollo", "Borealis", "Comet", "Delta", "Equinox", "Falcon", "Gemini", "Helios"),
        "label": "channel",
        "labels": ("email", "phone", "chat", "forum", "social", "walk-in", "portal", "sms"),
        "a": ("tickets", 1, 35),
        "b": ("avg_minutes", 3, 25),
    },
    {
        "intro": "Parcels dispatched from a regional depot",
        "group": "carrier",
        "groups": tuple(("Bluebird Coastline DashPost Ferrylink Kestrel Parcelo Swiftway Tortoise").split()),
        "label": "zone",
        "labels": ("north", "south", "east", "west", "islands", "metro", "rural", "border"),
        "a": ("parcels", 3, 50),
        "b": ("kg_each", 1, 12),
    },
    {
        "intro": "Electricity readings from a business park",
        "group": "building",
        "groups": ("Alder", "Beech", "Cedar", "Elm", "Hazel", "Juniper", "Larch", "Rowan"),
        "label": "meter",
        "labels": ("lighting", "hvac", "servers", "lifts", "kitchen", "chargers", "pumps", "signage"),
        "a": ("hours", 2, 48),
        "b": ("kw", 1, 15),
    },
    {
        "intro": "Volunteer shifts logged by a festival",
        "group": "crew",
        "groups": ("Amber", "Cobalt", "Crimson", "Indigo", "Jade", "Ochre", "Scarlet", "Violet"),
        "label": "task",
        "labels": ("gates", "litter", "stewarding", "bar", "first-aid", "parking", "info-desk", "stage"),
        "a": ("volunteers", 1, 30),
        "b": ("shift_hours", 2, 10),
    },
)


@skill(
    id="groupby-aggregate",
    name="Group-by aggregation",
    domain=DOMAIN,
    description="Filter a small table's rows, group them by a key column and aggregate a value per group.",
    answer_type="list",
    procedure=[
        "Identify the grouping column, the value to aggregate (or the per-row formula that derives it), "
        "the aggregate function, and any row filter.",
        "Apply the row filter and list the rows that remain.",
        "Assign every remaining row to its group and compute the per-row value where a formula is needed.",
        "Compute the aggregate for each group and arrange the groups in the requested order, including "
        "groups the question says to report as 0.",
        "Verify: the row counts per group add up to the number of kept rows, and recompute one group's "
        "aggregate from scratch.",
    ],
    why="Models drop rows, mix up groups, or aggregate before filtering unless they bucket every row first.",
)
def groupby_aggregate(rng: random.Random, difficulty: int) -> GeneratedTask:
    theme = rng.choice(_GROUP_THEMES)
    n_groups, n_rows = {1: (3, 7), 2: (4, 11), 3: (5, 15)}[difficulty]
    groups = sorted(rng.sample(theme["groups"], n_groups))
    a_name, a_lo, a_hi = theme["a"]
    b_name, b_lo, b_hi = theme["b"]
    row_groups = list(groups) + [rng.choice(groups) for _ in range(n_rows - n_groups)]
    rng.shuffle(row_groups)
    rows = [
        [g, rng.choice(theme["labels"]), rng.randint(a_lo, a_hi), rng.randint(b_lo, b_hi)] for g in row_groups
    ]
    kinds = {
        1: ("sum", "count_ge", "max"),
        2: ("product", "sum_ge", "count_ge"),
        3: ("product_ge", "sum_ge", "max_ge"),
    }[difficulty]
    kind = rng.choice(kinds)
    threshold = rng.randint(b_lo + 1, b_hi - 1)
    header = [theme["group"], theme["label"], a_name, b_name]
    filtered = kind.endswith("_ge") or kind == "count_ge"
    if kind == "sum":
        question = f"the total {a_name}"
    elif kind == "max":
        question = f"the largest single {a_name} value"
    elif kind == "count_ge":
        question = f"the number of rows whose {b_name} is at least {threshold}"
    elif kind == "product":
        question = f"the total of {a_name} × {b_name} (multiply within each row, then add)"
    elif kind == "sum_ge":
        question = f"the total {a_name} over rows whose {b_name} is at least {threshold}"
    elif kind == "product_ge":
        question = (
            f"the total of {a_name} × {b_name} (multiply within each row, then add) over rows whose "
            f"{b_name} is at least {threshold}"
        )
    else:  # max_ge
        question = f"the largest single {a_name} value among rows whose {b_name} is at least {threshold}"
    kept = [r for r in rows if r[3] >= threshold] if filtered else list(rows)
    per_group: dict[str, list[int]] = {g: [] for g in groups}
    for r in kept:
        if kind.startswith("product"):
            per_group[r[0]].append(r[2] * r[3])
        elif kind.startswith("count"):
            per_group[r[0]].append(1)
        else:
            per_group[r[0]].append(r[2])
    agg = {g: (max(v) if kind.startswith("max") else sum(v)) if v else 0 for g, v in per_group.items()}
    values = [agg[g] for g in groups]
    zero_note = f" (report 0 for a {theme['group']} with no qualifying rows)" if filtered else ""
    prompt = (
        f"{theme['intro']}:\n\n{_pipe_table(header, rows)}\n\n"
        f"For each {theme['group']}, compute {question}{zero_note}. Answer with the results as a "
        f"comma-separated list of integers, one per {theme['group']}, ordered by {theme['group']} name "
        f"alphabetically ({', '.join(groups)})."
    )
    kept_desc = (
        f"{len(kept)} of {len(rows)} rows have {b_name} >= {threshold}"
        if filtered
        else f"no filter, all {len(rows)} rows kept"
    )
    buckets = "; ".join(f"{g}: [{', '.join(map(str, per_group[g]))}]" for g in groups)
    func = "max" if kind.startswith("max") else "count" if kind.startswith("count") else "sum"
    if func == "count":
        agg_desc = "count of rows"
    elif kind.startswith("product"):
        agg_desc = f"sum of {a_name} × {b_name}"
    else:
        agg_desc = f"{func} of {a_name}"
    check_g = max(groups, key=lambda g: (len(per_group[g]), g))
    return GeneratedTask(
        prompt=prompt,
        target=", ".join(map(str, values)),
        steps=[
            f"Group by {theme['group']}; aggregate: {agg_desc}"
            f"{f'; filter {b_name} >= {threshold}' if filtered else ''}.",
            f"Filter: {kept_desc}.",
            f"Per-group values: {buckets}.",
            "Aggregates in alphabetical order: " + ", ".join(f"{g} = {agg[g]}" for g in groups) + ".",
            f"Group row counts {' + '.join(str(len(per_group[g])) for g in groups)} = {len(kept)} kept rows; "
            f"rechecking {check_g}: {func}({', '.join(map(str, per_group[check_g])) or 'nothing'}) = "
            f"{agg[check_g]}.",
        ],
        params={
            "theme": theme["group"],
            "header": header,
            "rows": rows,
            "kind": kind,
            "threshold": threshold if filtered else None,
        },
    )


# --------------------------------------------------------------------------- join

_JOIN_THEMES = (
    {
        "fact": "orders",
        "fact_cols": ("order_id", "customer_id", "amount"),
        "fact_prefix": "O",
        "key_prefix": "C",
        "value_range": (15, 480),
        "value_word": "order amount",
        "dim": "customers",
        "dim_cols": ("customer_id", "name", "city"),
        "labels": ("Ana", "Bilal", "Chen", "Dora", "Emeka", "Freya", "Goran", "Hana", "Ivo", "Jun", "Kemal"),
        "attrs": ("Lyon", "Porto", "Ghent", "Turin", "Graz", "Malmo", "Cork", "Split"),
        "third": "cities",
        "third_cols": ("city", "country"),
        "thirds": {
            "Lyon": "France",
            "Porto": "Portugal",
            "Ghent": "Belgium",
            "Turin": "Italy",
            "Graz": "Austria",
            "Malmo": "Sweden",
            "Cork": "Ireland",
            "Split": "Croatia",
        },
    },
    {
        "fact": "timesheets",
        "fact_cols": ("entry_id", "employee_id", "hours"),
        "fact_prefix": "T",
        "key_prefix": "E",
        "value_range": (2, 40),
        "value_word": "hours",
        "dim": "employees",
        "dim_cols": ("employee_id", "name", "team"),
        "labels": ("Asha", "Bruno", "Clara", "Dev", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kai"),
        "attrs": ("Payments", "Search", "Mobile", "Infra", "Billing", "Growth", "Security", "Data"),
        "third": "teams",
        "third_cols": ("team", "division"),
        "thirds": {
            "Payments": "Finance",
            "Search": "Product",
            "Mobile": "Product",
            "Infra": "Platform",
            "Billing": "Finance",
            "Growth": "Marketing",
            "Security": "Platform",
            "Data": "Marketing",
        },
    },
    {
        "fact": "shipments",
        "fact_cols": ("shipment_id", "warehouse_code", "weight_kg"),
        "fact_prefix": "S",
        "key_prefix": "W",
        "value_range": (5, 900),
        "value_word": "weight in kg",
        "dim": "warehouses",
        "dim_cols": ("warehouse_code", "manager", "region"),
        "labels": ("Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka", "Usman", "Vega", "Weber", "Xu"),
        "attrs": ("Midlands", "Highlands", "Coastal", "Valley", "Plains", "Delta", "Uplands", "Bay"),
        "third": "regions",
        "third_cols": ("region", "zone"),
        "thirds": {
            "Midlands": "Central",
            "Highlands": "North",
            "Coastal": "West",
            "Valley": "Central",
            "Plains": "East",
            "Delta": "South",
            "Uplands": "North",
            "Bay": "West",
        },
    },
    {
        "fact": "enrolments",
        "fact_cols": ("enrolment_id", "course_code", "students"),
        "fact_prefix": "N",
        "key_prefix": "K",
        "value_range": (4, 120),
        "value_word": "number of students",
        "dim": "courses",
        "dim_cols": ("course_code", "lecturer", "faculty"),
        "labels": ("Adeyemi", "Brandt", "Castillo", "Dubois", "Eriksen", "Fischer", "Gupta", "Horvat"),
        "attrs": ("Physics", "Law", "Music", "Biology", "History", "Economics", "Nursing", "Geology"),
        "third": "faculties",
        "third_cols": ("faculty", "campus"),
        "thirds": {
            "Physics": "Riverside",
            "Law": "Old Town",
            "Music": "Old Town",
            "Biology": "Riverside",
            "History": "Parkview",
            "Economics": "Parkview",
            "Nursing": "Hillcrest",
            "Geology": "Hillcrest",
        },
    },
    {
        "fact": "bookings",
        "fact_cols": ("booking_id", "room_id", "nights"),
        "fact_prefix": "B",
        "key_prefix": "R",
        "value_range": (1, 14),
        "value_word": "nights",
        "dim": "rooms",
        "dim_cols": ("room_id", "housekeeper", "wing"),
        "labels": ("Mara", "Nils", "Olga", "Pablo", "Rhea", "Sven", "Tariq", "Uma", "Viktor", "Wren"),
        "attrs": ("Garden", "Tower", "Courtyard", "Annex", "Terrace", "Loft", "Cloister", "Pavilion"),
        "third": "wings",
        "third_cols": ("wing", "floor_manager"),
        "thirds": {
            "Garden": "Ortiz",
            "Tower": "Lindqvist",
            "Courtyard": "Ortiz",
            "Annex": "Mbeki",
            "Terrace": "Lindqvist",
            "Loft": "Mbeki",
            "Cloister": "Novak",
            "Pavilion": "Novak",
        },
    },
)


@skill(
    id="table-join",
    name="Table join",
    domain=DOMAIN,
    description="Join small tables on their key columns and total a value for the rows matching a condition.",
    answer_type="integer",
    procedure=[
        "Identify the key column(s) linking the tables and the join type (an inner join keeps only rows "
        "whose key is found in the other table).",
        "Build a lookup from key to row for each table being joined in.",
        "Go through the driving table row by row, attach the matching row(s) via the lookup, and drop "
        "rows whose key has no match.",
        "Keep the joined rows that satisfy the condition and aggregate the requested column over them.",
        "Verify: recount which rows matched and which were dropped, and re-add the kept values.",
    ],
    why="Models attach rows by position instead of by key and silently keep unmatched rows unless they "
    "build the key lookup first.",
)
def table_join(rng: random.Random, difficulty: int) -> GeneratedTask:
    theme = rng.choice(_JOIN_THEMES)
    n_dim, n_fact, n_orphan = {1: (5, 7, 0), 2: (6, 10, 2), 3: (7, 13, 2)}[difficulty]
    key_nums = rng.sample(range(10, 100), n_dim + n_orphan)
    keys = [f"{theme['key_prefix']}{k}" for k in key_nums[:n_dim]]
    orphans = [f"{theme['key_prefix']}{k}" for k in key_nums[n_dim:]]
    attrs = rng.sample(theme["attrs"], {1: 3, 2: 3, 3: 5}[difficulty])
    labels = rng.sample(theme["labels"], n_dim)
    dim_rows = [
        [k, lab, attrs[i] if i < len(attrs) else rng.choice(attrs)]
        for i, (k, lab) in enumerate(zip(keys, labels, strict=True))
    ]
    rng.shuffle(dim_rows)
    fact_keys = [rng.choice(keys) for _ in range(n_fact - n_orphan)] + orphans
    rng.shuffle(fact_keys)
    fact_ids = rng.sample(range(100, 1000), n_fact)
    lo, hi = theme["value_range"]
    fact_rows = [
        [f"{theme['fact_prefix']}{i}", k, rng.randint(lo, hi)]
        for i, k in zip(fact_ids, fact_keys, strict=True)
    ]
    key_col, attr_col = theme["dim_cols"][0], theme["dim_cols"][2]
    value_col = theme["fact_cols"][2]
    dim_lookup = {r[0]: r for r in dim_rows}
    tables = (
        f"Table {theme['fact']}:\n{_pipe_table(list(theme['fact_cols']), fact_rows)}\n\n"
        f"Table {theme['dim']}:\n{_pipe_table(list(theme['dim_cols']), dim_rows)}"
    )
    if difficulty == 3:
        third_col = theme["third_cols"][1]
        used = sorted(set(attrs), key=attrs.index)
        third_rows = [[a, theme["thirds"][a]] for a in used]
        rng.shuffle(third_rows)
        third_lookup = {a: b for a, b in third_rows}
        matched = [(f, dim_lookup[f[1]]) for f in fact_rows if f[1] in dim_lookup]
        targets = sorted({third_lookup[d[2]] for _, d in matched})
        want = rng.choice(targets)
        kept = [(f, d) for f, d in matched if third_lookup[d[2]] == want]
        tables += f"\n\nTable {theme['third']}:\n{_pipe_table(list(theme['third_cols']), third_rows)}"
        condition = f"{third_col} is {want}"
        question = (
            f"Join {theme['fact']} to {theme['dim']} on {key_col} and {theme['dim']} to "
            f"{theme['third']} on {attr_col} (inner joins). What is the total {value_col} of the "
            f"{theme['fact']} rows whose {third_col} is {want}?"
        )
    else:
        matched = [(f, dim_lookup[f[1]]) for f in fact_rows if f[1] in dim_lookup]
        targets = sorted({d[2] for _, d in matched})
        want = rng.choice(targets)
        kept = [(f, d) for f, d in matched if d[2] == want]
        condition = f"{attr_col} is {want}"
        question = (
            f"Join {theme['fact']} to {theme['dim']} on {key_col} (inner join). What is the total "
            f"{value_col} of the {theme['fact']} rows whose {attr_col} is {want}?"
        )
    total = sum(f[2] for f, _ in kept)
    prompt = f"{tables}\n\n{question} Answer with a single integer."
    dropped = [f[0] for f in fact_rows if f[1] not in dim_lookup]
    lookup_desc = ", ".join(f"{r[0]}→{r[2]}" for r in sorted(dim_rows))
    if difficulty == 3:
        lookup_desc += "; " + ", ".join(f"{a}→{b}" for a, b in sorted(third_rows))
    attached = ", ".join(
        f"{f[0]}({f[1]}→{d[2]}{'→' + third_lookup[d[2]] if difficulty == 3 else ''})" for f, d in matched
    )
    return GeneratedTask(
        prompt=prompt,
        target=str(total),
        steps=[
            f"Join {theme['fact']}.{key_col} = {theme['dim']}.{key_col}"
            + (f" and {theme['dim']}.{attr_col} = {theme['third']}.{attr_col}" if difficulty == 3 else "")
            + "; inner join, so unmatched rows are dropped.",
            f"Lookup: {lookup_desc}.",
            f"Matched rows: {attached}; dropped (no matching key): {', '.join(dropped) or 'none'}.",
            f"Rows where {condition}: {', '.join(f'{f[0]} ({f[2]})' for f, _ in kept)}; "
            f"total {' + '.join(str(f[2]) for f, _ in kept)} = {total}.",
            f"{len(matched)} matched + {len(dropped)} dropped = {len(fact_rows)} rows; the {len(kept)} kept "
            f"values re-add to {total}.",
        ],
        params={
            "theme": theme["fact"],
            "fact_rows": fact_rows,
            "dim_rows": dim_rows,
            "third_rows": third_rows if difficulty == 3 else None,
            "want": want,
        },
    )


# --------------------------------------------------------------------------- CSV filter

_SURNAMES = tuple(("Nakamura Okoro Lindgren Ferreira Haddad Kowalski Moreau Singh Byrne Costa").split())
_GIVEN = ("Aiko", "Chidi", "Elsa", "Joao", "Lina", "Marek", "Noor", "Ravi", "Siobhan", "Tomas")
_STREETS = ("Elm St", "Mill Rd", "Quay Lane", "Park Ave", "Rope Walk", "High St")

_CSV_THEMES = (
    {
        "intro": "An online shop exported its catalogue",
        "cols": ("sku", "name", "category", "price", "stock"),
        "id": lambda rng: f"{rng.choice('ABCDKMPRTX')}{rng.choice('ABCDKMPRTX')}-{rng.randint(100, 999)}",
        "text": lambda rng: rng.choice(
            (
                "Mug, large",
                "Lamp",
                "Desk, oak",
                "Chair",
                "Rug, wool",
                "Kettle",
                "Vase, glass",
                "Clock",
                "Shelf, pine",
                "Pillow",
                "Tray, bamboo",
                "Candle",
                "Mirror, round",
                "Stool",
            )
        ),
        "cats": ("kitchen", "living", "office", "garden", "bath"),
        "nums": (("price", 5, 300), ("stock", 0, 80)),
    },
    {
        "intro": "HR exported a staff list",
        "cols": ("badge", "full_name", "department", "salary_k", "years"),
        "id": lambda rng: f"E{rng.randint(1000, 9999)}",
        "text": lambda rng: f"{rng.choice(_SURNAMES)}, {rng.choice(_GIVEN)}",
        "cats": ("sales", "legal", "research", "support", "finance"),
        "nums": (("salary_k", 30, 160), ("years", 0, 30)),
    },
    {
        "intro": "A second-hand bookshop keeps this inventory",
        "cols": ("code", "title", "genre", "pages", "year"),
        "id": lambda rng: f"BK{rng.randint(100, 999)}",
        "text": lambda rng: rng.choice(
            (
                "Rain, Again",
                "The Lighthouse",
                "Salt, Smoke and Ash",
                "Northbound",
                "Glass Rivers",
                "Of Mice, Mostly",
                "Paper Moons",
                "Iron, Wind",
                "Quiet Harbour",
                "Lemons, Lemons",
                "The Long Field",
                "Copperline",
            )
        ),
        "cats": ("fiction", "poetry", "travel", "history", "science"),
        "nums": (("pages", 80, 900), ("year", 1950, 2024)),
    },
    {
        "intro": "A letting agency lists its flats",
        "cols": ("listing", "address", "district", "rent", "rooms"),
        "id": lambda rng: f"L-{rng.randint(10, 99)}{rng.choice('QRSTUVW')}",
        "text": lambda rng: (
            f"{rng.randint(1, 99)} {rng.choice(_STREETS)}"
            f"{rng.choice((', Flat ' + str(rng.randint(1, 12)), '', ', Rear'))}"
        ),
        "cats": ("Docklands", "Old Town", "Northside", "Riverside", "Uptown"),
        "nums": (("rent", 600, 2600), ("rooms", 1, 5)),
    },
    {
        "intro": "A weather service published station readings",
        "cols": ("station", "location", "climate", "rain_mm", "wind_kmh"),
        "id": lambda rng: f"WS{rng.randint(10, 99)}{rng.choice('NSEW')}",
        "text": lambda rng: (
            f"{rng.choice(('Oban', 'Tromso', 'Bergen', 'Galway', 'Brest', 'Cadiz', 'Bari', 'Varna'))}, "
            f"{rng.choice(('harbour', 'airport', 'hill', 'pier', 'valley'))}"
        ),
        "cats": ("maritime", "alpine", "arid", "temperate", "polar"),
        "nums": (("rain_mm", 0, 120), ("wind_kmh", 0, 90)),
    },
)

_OPS = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}
_OP_WORDS = {">": "greater than", ">=": "at least", "<": "less than", "<=": "at most"}


@skill(
    id="csv-filter-extract",
    name="CSV filter and extract",
    domain=DOMAIN,
    description="Parse CSV text with quoted fields, keep the rows meeting the conditions, extract a column.",
    answer_type="list",
    procedure=[
        "Read the header and note the position of every column; a quoted field is one field even if it "
        "contains commas.",
        "Parse each data row into its fields, respecting the quotes, and check it has as many fields as the "
        "header.",
        "Test each row against every condition (comparing numbers as numbers) and mark it kept or rejected.",
        "Extract the requested column from the kept rows, in file order unless another order is requested, "
        "and sort if asked.",
        "Verify: re-test the rejected rows closest to each threshold, and confirm the count of extracted "
        "values equals the number of kept rows.",
    ],
    why="Models split quoted fields on their inner commas and misapply boundary conditions unless they parse "
    "and test every row explicitly.",
)
def csv_filter_extract(rng: random.Random, difficulty: int) -> GeneratedTask:
    theme = rng.choice(_CSV_THEMES)
    n_rows = {1: 7, 2: 10, 3: 14}[difficulty]
    (n1, lo1, hi1), (n2, lo2, hi2) = theme["nums"]
    id_col, text_col, cat_col = theme["cols"][:3]
    ids: list[str] = []
    while len(ids) < n_rows:
        candidate = theme["id"](rng)
        if candidate not in ids:
            ids.append(candidate)
    rows = [
        [i, theme["text"](rng), rng.choice(theme["cats"]), rng.randint(lo1, hi1), rng.randint(lo2, hi2)]
        for i in ids
    ]
    col_index = {c: i for i, c in enumerate(theme["cols"])}

    def passes(row: list) -> list[bool]:
        out = []
        for col, op, val in conds:
            v = row[col_index[col]]
            out.append(v == val if op == "==" else v != val if op == "!=" else _OPS[op](v, val))
        return out

    sort_desc = difficulty == 3
    while True:
        # Thresholds equal to a value present in the table exercise the boundary.
        conds: list[tuple[str, str, object]] = [
            (n1, rng.choice(tuple(_OPS)), rng.choice([r[3] for r in rows]))
        ]
        if difficulty >= 2:
            conds.append((cat_col, rng.choice(("==", "!=")), rng.choice([r[2] for r in rows])))
        if difficulty == 3:
            conds.append((n2, rng.choice(tuple(_OPS)), rng.choice([r[4] for r in rows])))
        kept = [r for r in rows if all(passes(r))]
        tie = sort_desc and len({r[4] for r in kept}) < len(kept)
        if 2 <= len(kept) <= n_rows - 2 and not tie:
            break
    t1 = conds[0][2]
    if sort_desc:
        kept.sort(key=lambda r: (-r[4], rows.index(r)))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(theme["cols"])
    writer.writerows(rows)
    text = buf.getvalue().rstrip("\n")

    def cond_text(c: tuple[str, str, object]) -> str:
        col, op, val = c
        if op == "==":
            return f"{col} is {val}"
        if op == "!=":
            return f"{col} is not {val}"
        return f"{col} is {_OP_WORDS[op]} {val}"

    order = f"sorted by {n2} from highest to lowest" if sort_desc else "in the order they appear in the file"
    prompt = (
        f"{theme['intro']} as CSV (fields containing commas are in double quotes):\n\n{text}\n\n"
        f"List the {id_col} of every row where {' and '.join(cond_text(c) for c in conds)}, {order}. "
        f"Answer with the {id_col} values as a comma-separated list."
    )
    target = ", ".join(r[0] for r in kept)
    quoted = sum(1 for r in rows if "," in r[1])

    def verdict(row: list) -> str:
        failed = [cond_text(c) for c, ok in zip(conds, passes(row), strict=True) if not ok]
        return "kept" if not failed else f"rejected (fails: {'; '.join(failed)})"

    marks = "; ".join(f"{r[0]}: {verdict(r)}" for r in rows)
    reparsed = list(csv.reader(io.StringIO(text)))
    assert all(len(r) == len(theme["cols"]) for r in reparsed)
    near = sorted(rows, key=lambda r: abs(r[3] - t1))[:2]
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=[
            "Columns: "
            + ", ".join(f"{i + 1}={c}" for i, c in enumerate(theme["cols"]))
            + f"; {quoted} rows have a quoted {text_col} containing a comma.",
            f"Parsed {len(rows)} data rows, each with {len(theme['cols'])} fields "
            f"(e.g. {rows[0][0]}: {rows[0][1]!r}, {rows[0][2]}, {rows[0][3]}, {rows[0][4]}).",
            f"Tests: {marks}.",
            f"Kept {id_col} values {order}: {target}.",
            f"Rows nearest the {n1} threshold {t1}: "
            + ", ".join(f"{r[0]} ({n1} {r[3]}, {'kept' if all(passes(r)) else 'rejected'})" for r in near)
            + f"; {len(kept)} values extracted for {len(kept)} kept rows.",
        ],
        params={"theme": id_col, "rows": rows, "conds": [list(c) for c in conds], "sort_desc": sort_desc},
    )


# --------------------------------------------------------------------------- JSON path

_FIRST = tuple(
    (
        "Ada Bo Cyra Dmitri Esme Felix Gia Hamid Iris Jalen Kira Luca Mina Nico Oona Pavel Rosa Sami Tove Uri"
    ).split()
)
_CITY = tuple(
    ("Bergen Cusco Dakar Hobart Izmir Kyoto Leeds Mombasa Oaxaca Perth Quito Riga Tartu Utrecht Vigo").split()
)
_WORDS = tuple(
    (
        "amber basalt cinder drift ember fjord garnet harbor indigo juniper kelp lumen mistral nimbus "
        "onyx pepper quill russet sable tundra"
    ).split()
)


_BOOK_NOUNS = ("Atlas", "Letters", "Winter", "Code", "Garden")


def _code(rng: random.Random, prefix: str) -> str:
    return f"{prefix}-{rng.randint(100, 9999)}"


def _doc_shop(rng: random.Random, size: int) -> dict:
    return {
        "shop": {
            "name": f"{rng.choice(_WORDS).title()} {rng.choice(('Goods', 'Supply', 'Market', 'Outfitters'))}",
            "orders": [
                {
                    "id": _code(rng, "A"),
                    "status": rng.choice(("shipped", "pending", "returned", "packed")),
                    "ship-to": {"city": rng.choice(_CITY), "postcode": str(rng.randint(10000, 99999))},
                    "items": [
                        {
                            "sku": _code(rng, rng.choice(("SK", "PX", "ZT"))),
                            "qty": rng.randint(1, 9),
                            "colour": rng.choice(_WORDS),
                        }
                        for _ in range(rng.randint(2, size))
                    ],
                }
                for _ in range(rng.randint(2, size))
            ],
        }
    }


def _doc_org(rng: random.Random, size: int) -> dict:
    return {
        "company": {
            "founded": rng.randint(1950, 2020),
            "departments": [
                {
                    "name": rng.choice(("Research", "Sales", "Legal", "Design", "Ops", "Finance")),
                    "head": {
                        "name": rng.choice(_FIRST),
                        "e-mail": f"{rng.choice(_WORDS)}{rng.randint(1, 99)}@corp.example",
                    },
                    "teams": [
                        {
                            "code": _code(rng, "T"),
                            "members": [
                                {
                                    "name": rng.choice(_FIRST),
                                    "level": rng.randint(1, 7),
                                    "desk": f"{rng.choice('ABCDEF')}{rng.randint(1, 60)}",
                                }
                                for _ in range(rng.randint(2, size))
                            ],
                        }
                        for _ in range(rng.randint(1, size - 1))
                    ],
                }
                for _ in range(rng.randint(2, size))
            ],
        }
    }


def _doc_config(rng: random.Random, size: int) -> dict:
    names = rng.sample(("api", "worker", "cache", "gateway", "scheduler", "indexer", "mailer"), size)
    return {
        "deploy": {
            "cluster": f"{rng.choice(_WORDS)}-{rng.randint(1, 9)}",
            "services": {
                n: {
                    "image": f"{n}:{rng.randint(1, 4)}.{rng.randint(0, 19)}.{rng.randint(0, 9)}",
                    "replicas": rng.randint(1, 12),
                    "ports": [rng.randint(1024, 9999) for _ in range(rng.randint(1, 3))],
                    "env": {
                        "LOG_LEVEL": rng.choice(("debug", "info", "warn", "error")),
                        "max-conn": rng.randint(10, 500),
                    },
                    "sidecars": [
                        {"name": rng.choice(_WORDS), "cpu-millis": rng.randint(50, 900)}
                        for _ in range(rng.randint(1, size - 1))
                    ],
                }
                for n in names
            },
        }
    }


def _doc_library(rng: random.Random, size: int) -> dict:
    return {
        "library": {
            "branches": [
                {
                    "city": rng.choice(_CITY),
                    "opening-hours": {
                        "weekday": f"{rng.randint(7, 10)}-{rng.randint(17, 21)}",
                        "saturday": f"{rng.randint(9, 11)}-{rng.randint(13, 17)}",
                    },
                    "shelves": [
                        {
                            "label": f"{rng.choice('ABCDEFGH')}{rng.randint(1, 30)}",
                            "books": [
                                {
                                    "title": f"The {rng.choice(_WORDS).title()} {rng.choice(_BOOK_NOUNS)}",
                                    "year": rng.randint(1900, 2024),
                                    "isbn": str(rng.randint(10**9, 10**10 - 1)),
                                }
                                for _ in range(rng.randint(1, size))
                            ],
                        }
                        for _ in range(rng.randint(2, size))
                    ],
                }
                for _ in range(rng.randint(2, size))
            ],
        }
    }


_DOCS = (
    (_doc_shop, "an online shop's order export"),
    (_doc_org, "a company directory"),
    (_doc_config, "a deployment configuration"),
    (_doc_library, "a library catalogue"),
)


def _leaf_paths(node: object, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaf_paths(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaf_paths(v, (*path, i))]
    return [path]


def _render_path(segments: list) -> str:
    out = "$"
    for s in segments:
        if isinstance(s, int):
            out += f"[{s}]"
        elif s.replace("_", "").isalnum() and s[0].isalpha():
            out += f".{s}"
        else:
            out += f'["{s}"]'
    return out


@skill(
    id="json-path-extract",
    name="JSON path lookup",
    domain=DOMAIN,
    description="Follow a JSONPath-style expression through a nested JSON document to the value it names.",
    answer_type="string",
    procedure=[
        'Split the path into segments: a name after a dot or in ["..."] is an object key, an integer in '
        "[...] is an array index (0-based; a negative index counts back from the end, -1 = last).",
        "Start at the root ($), the whole document.",
        "Apply the segments one at a time, writing down what you reach after each: the value under the key "
        "for an object, the element at the index for an array (count the elements carefully).",
        "Take the value reached after the last segment; write a string without its quotes and a number as "
        "written.",
        "Verify: check the final value really sits under the last key or index within the container reached "
        "by the previous segments, and that every index was within range.",
    ],
    why="Models lose their place in nested arrays and off-by-one the indices unless they trace the path "
    "one segment at a time.",
)
def json_path_extract(rng: random.Random, difficulty: int) -> GeneratedTask:
    make, what = rng.choice(_DOCS)
    size = {1: 2, 2: 3, 3: 4}[difficulty]
    doc = make(rng, size)
    paths = _leaf_paths(doc)
    min_depth = {1: 3, 2: 5, 3: 6}[difficulty]
    deep = [p for p in paths if len(p) >= min_depth] or [max(paths, key=len)]
    if difficulty == 1:
        deep = [p for p in deep if len(p) <= 4] or deep
    path = list(rng.choice(deep))
    trail, node = [], doc
    segments = list(path)
    if difficulty == 3:
        # Rewrite one array index as a negative index counted from the end.
        node = doc
        idx_positions = []
        for i, s in enumerate(path):
            if isinstance(s, int):
                idx_positions.append((i, len(node)))
            node = node[s]
        if idx_positions:
            i, n = rng.choice(idx_positions)
            segments[i] = path[i] - n
    node = doc
    for s in segments:
        node = node[s]
        kind = (
            f"object with keys {', '.join(node)}"
            if isinstance(node, dict)
            else f"array of {len(node)}"
            if isinstance(node, list)
            else json.dumps(node)
        )
        trail.append(f"{_render_path([s])[1:]} → {kind}")
    value = node
    target = value if isinstance(value, str) else json.dumps(value)
    indent = None if difficulty == 3 else 2
    text = json.dumps(doc, indent=indent, ensure_ascii=False)
    expr = _render_path(segments)
    prompt = (
        f"Here is {what} as JSON:\n\n{text}\n\n"
        f"What value does the path {expr} select? Array indices start at 0 and a negative index counts "
        "from the end (-1 is the last element). Answer with the value only (no quotes)."
    )
    parent = doc
    for s in path[:-1]:
        parent = parent[s]
    return GeneratedTask(
        prompt=prompt,
        target=target,
        steps=[
            f"Segments of {expr}: "
            + ", ".join(f"index {s}" if isinstance(s, int) else f"key '{s}'" for s in segments)
            + ".",
            f"Root: object with keys {', '.join(doc)}.",
            "Trace: " + "; ".join(trail) + ".",
            f"Final value: {target}.",
            f"The last segment {_render_path([segments[-1]])[1:]} applied to its container "
            f"({'object' if isinstance(parent, dict) else f'array of {len(parent)}'}) gives {target}; "
            "every index was in range.",
        ],
        params={"doc": doc, "path": segments},
    )
