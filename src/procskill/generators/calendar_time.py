"""Calendar procedures: weekdays, business days, time zones, durations, ISO weeks."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import random
import zoneinfo

from procskill.generators._base import GeneratedTask, skill

DOMAIN = "calendar"

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
UTC = dt.UTC


@functools.cache
def _zone(key: str) -> zoneinfo.ZoneInfo:
    """A time zone read from the pinned ``tzdata`` package, never from the host."""
    with importlib.resources.files("tzdata.zoneinfo").joinpath(key).open("rb") as fh:
        return zoneinfo.ZoneInfo.from_file(fh, key=key)


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(start.toordinal(), end.toordinal()))


def _long_date(d: dt.date, style: int) -> str:
    if style == 0:
        return d.isoformat()
    if style == 1:
        return f"{d.day} {MONTHS[d.month - 1]} {d.year}"
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def _days_in_month(year: int, month: int) -> int:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - dt.date(year, month, 1)).days


def _fmt_offset(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


# ---------------------------------------------------------------------------------------------
# day-of-week

_EVENTS = (
    "the harbour bridge in {place} was opened",
    "a comet was first sighted from {place}",
    "the first train reached {place}",
    "a peace treaty was signed in {place}",
    "the town charter of {place} was granted",
    "a great fire broke out in {place}",
    "the observatory at {place} recorded a total eclipse",
    "the first newspaper of {place} was printed",
    "a flood crest passed {place}",
    "the cathedral bells of {place} were recast",
)
_PLACES = (
    "Aldermoor",
    "Brightwater",
    "Calloway",
    "Dunmere",
    "Eastholm",
    "Fairhaven",
    "Glenrock",
    "Highcliff",
    "Ironbridge",
    "Kingsferry",
    "Larkfield",
    "Millbrook",
    "Northgate",
    "Oakhurst",
    "Port Selwyn",
)


@skill(
    id="day-of-week",
    name="Day of the week (Zeller)",
    domain=DOMAIN,
    description="Find the weekday of a Gregorian calendar date with Zeller's congruence.",
    answer_type="string",
    procedure=[
        "Take day q, month m and year Y; if the month is January or February, treat it as month 13 or 14 "
        "of the previous year.",
        "Split the (possibly adjusted) year into century J = Y div 100 and year-of-century K = Y mod 100.",
        "Compute h = (q + floor(13(m+1)/5) + K + floor(K/4) + floor(J/4) + 5J) mod 7.",
        "Map h to the weekday: 0 = Saturday, 1 = Sunday, 2 = Monday, ..., 6 = Friday.",
        "Verify by counting the days from a known reference date (2000-01-01 was a Saturday) and "
        "reducing the difference mod 7.",
    ],
    why="Models guess weekdays from memory and drift by a day or two; a congruence with the "
    "January/February shift is exact.",
)
def day_of_week(rng: random.Random, difficulty: int) -> GeneratedTask:
    if difficulty == 1:
        d = _random_date(rng, dt.date(1950, 3, 1), dt.date(2049, 12, 31))
        while d.month < 3:
            d = _random_date(rng, dt.date(1950, 3, 1), dt.date(2049, 12, 31))
    elif difficulty == 2:
        d = _random_date(rng, dt.date(1800, 1, 1), dt.date(2199, 12, 31))
    else:
        year = (
            rng.choice([1600, 1700, 1800, 1900, 2000, 2100, 2400])
            if rng.random() < 0.3
            else (rng.randint(1583, 2499))
        )
        month = rng.choice([1, 2]) if rng.random() < 0.6 else rng.randint(3, 12)
        d = dt.date(year, month, rng.randint(1, _days_in_month(year, month)))
    style = rng.randrange(3)
    event = rng.choice(_EVENTS).format(place=rng.choice(_PLACES))
    q, m, y = d.day, d.month, d.year
    shifted = m < 3
    if shifted:
        m, y = m + 12, y - 1
    k, j = y % 100, y // 100
    terms = [q, 13 * (m + 1) // 5, k, k // 4, j // 4, 5 * j]
    h = sum(terms) % 7
    name = ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")[h]
    assert name == WEEKDAYS[d.weekday()]
    diff = (d - dt.date(2000, 1, 1)).days
    ref = ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")[diff % 7]
    shift_note = (
        f"{MONTHS[d.month - 1]} counts as month {m} of year {y}"
        if shifted
        else f"month {m}, year {y} (no shift)"
    )
    when = "after" if diff >= 0 else "before"
    return GeneratedTask(
        prompt=(
            f"Records state that {event} on {_long_date(d, style)}. On which day of the week was that? "
            "Use the (proleptic) Gregorian calendar. Answer with the English weekday name."
        ),
        target=name,
        steps=[
            f"q = {q}; {shift_note}.",
            f"J = {j}, K = {k}.",
            f"h = ({' + '.join(map(str, terms))}) mod 7 = {sum(terms)} mod 7 = {h}.",
            f"h = {h} means {name}.",
            f"Check: {d.isoformat()} is {abs(diff)} days {when} 2000-01-01 (Saturday); "
            f"{diff} mod 7 = {diff % 7}, which again gives {ref}.",
        ],
        params={"date": d.isoformat(), "style": style, "event": event},
    )


# ---------------------------------------------------------------------------------------------
# business-day-offset

_HOLIDAY_NAMES = (
    "Founders' Day",
    "Harvest Festival",
    "Civic Holiday",
    "Spring Bank Holiday",
    "Unity Day",
    "Lantern Festival",
    "Company Offsite",
    "Heritage Day",
    "Regional Election Day",
    "Remembrance Day",
    "Midsummer Holiday",
    "Foundation Day",
)
_COMPANIES = (
    "Alder & Voss",
    "Brightline Logistics",
    "Cobalt Insurance",
    "Dunmore Council",
    "Everfield Energy",
    "Fernhill Bank",
    "Granite Telecom",
    "Halcyon Health",
    "Ivory Coast Shipping",
    "Juniper Software",
    "Kestrel Airlines",
    "Lumen Utilities",
    "Marlow Retail",
    "Northstar Freight",
    "Orchid Pharma",
)
_DOCUMENTS = (
    ("a customer complaint", "support team"),
    ("a tender request", "bids office"),
    ("a warranty claim", "claims desk"),
    ("a data-access request", "privacy office"),
    ("a building-permit application", "planning department"),
    ("an invoice dispute", "accounts team"),
    ("a supplier quotation", "procurement unit"),
)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _is_business(d: dt.date, holidays: set[dt.date]) -> bool:
    return d.weekday() < 5 and d not in holidays


def _walk(start: dt.date, n: int, holidays: set[dt.date]) -> dt.date:
    d = start
    while n:
        d += dt.timedelta(days=1)
        if _is_business(d, holidays):
            n -= 1
    return d


@skill(
    id="business-day-offset",
    name="Business-day offset",
    domain=DOMAIN,
    description="Find the date N business days after a start date, skipping weekends and listed holidays.",
    answer_type="string",
    procedure=[
        "Note the weekday of the start date; day 1 is the first business day after the start date.",
        "Split N into whole weeks and a remainder of 1 to 5 days (whole weeks = (N - 1) div 5); each whole "
        "week adds exactly 5 business days and 7 calendar days.",
        "From there, walk the remaining business days one at a time, skipping Saturdays and Sundays; "
        "this is the tentative date ignoring holidays.",
        "Count the listed holidays that fall on a weekday after the start date and on or before the "
        "tentative date; move forward that many extra business days, skipping weekends and holidays.",
        "Verify by counting the business days from the day after the start up to the result: the count "
        "must equal N and the result must itself be a business day.",
    ],
    why="Models count calendar days, include the start day, or forget that holidays on weekends do "
    "not cost a business day.",
)
def business_day_offset(rng: random.Random, difficulty: int) -> GeneratedTask:
    start = _random_date(rng, dt.date(2019, 1, 1), dt.date(2030, 12, 31))
    n_lo, n_hi, h_lo, h_hi = {1: (3, 10, 0, 0), 2: (10, 30, 1, 2), 3: (25, 70, 2, 4)}[difficulty]
    n = rng.randint(n_lo, n_hi)
    bare_end = _walk(start, n, set())
    holidays: dict[dt.date, str] = {}
    names = list(_HOLIDAY_NAMES)
    rng.shuffle(names)
    count = rng.randint(h_lo, h_hi)
    while len(holidays) < count:
        d = start + dt.timedelta(days=rng.randint(1, (bare_end - start).days + 3))
        if d in holidays:
            continue
        if difficulty < 3 and d.weekday() >= 5:
            continue
        holidays[d] = names[len(holidays)]
    if difficulty == 3 and not any(d.weekday() >= 5 for d in holidays):
        # one holiday on a weekend as a distractor
        sat = bare_end - dt.timedelta(days=(bare_end.weekday() - 5) % 7 or 7)
        if sat > start and sat not in holidays:
            holidays[sat] = names[len(holidays)]
    hol_set = set(holidays)
    answer = _walk(start, n, hol_set)

    weeks = (n - 1) // 5
    rem = n - 5 * weeks
    after_weeks = start + dt.timedelta(days=7 * weeks)
    tentative = _walk(after_weeks, rem, set())
    assert tentative == bare_end
    counted = sorted(d for d in hol_set if start < d <= tentative and d.weekday() < 5)
    weekend_hols = sorted(d for d in hol_set if d.weekday() >= 5)
    final = _walk(tentative, len(counted), hol_set)
    assert final == answer
    business = sum(
        1 for i in range(1, (answer - start).days + 1) if _is_business(start + dt.timedelta(days=i), hol_set)
    )

    doc, team = rng.choice(_DOCUMENTS)
    company = rng.choice(_COMPANIES)
    if holidays:
        hol_text = (
            "The following days are holidays: "
            + "; ".join(f"{d.isoformat()} ({holidays[d]})" for d in sorted(holidays))
            + "."
        )
    else:
        hol_text = "There are no holidays in the period."
    counted_text = ", ".join(f"{d.isoformat()} ({WEEKDAYS[d.weekday()]})" for d in counted) or "none"
    weekend_text = (
        " Ignored (weekend): "
        + ", ".join(f"{d.isoformat()} ({WEEKDAYS[d.weekday()]})" for d in weekend_hols)
        + "."
        if weekend_hols
        else ""
    )
    return GeneratedTask(
        prompt=(
            f"The {team} at {company} received {doc} on {start.isoformat()}, a "
            f"{WEEKDAYS[start.weekday()]}. It must be answered within {n} business days, where day 1 is "
            "the first business day after the day of receipt. Business days are Monday to Friday except "
            f"holidays. {hol_text} On what date is the {_ordinal(n)} business day, the deadline? "
            "Answer with the date in YYYY-MM-DD format."
        ),
        target=answer.isoformat(),
        steps=[
            f"Start {start.isoformat()} is a {WEEKDAYS[start.weekday()]}; counting begins the next day.",
            f"N = {n} = {weeks} whole week(s) + {rem} day(s): {weeks} week(s) after the start is "
            f"{after_weeks.isoformat()} ({5 * weeks} business days).",
            f"Walking {rem} more weekday(s) gives the tentative date {tentative.isoformat()} "
            f"({WEEKDAYS[tentative.weekday()]}).",
            f"Weekday holidays in range: {counted_text}.{weekend_text} Moving {len(counted)} extra "
            f"business day(s) forward gives {final.isoformat()} ({WEEKDAYS[final.weekday()]}).",
            f"Check: business days from {(start + dt.timedelta(days=1)).isoformat()} to "
            f"{answer.isoformat()} = {business}, equal to N, and {answer.isoformat()} is a business day.",
        ],
        params={
            "start": start.isoformat(),
            "n": n,
            "holidays": [[d.isoformat(), holidays[d]] for d in sorted(holidays)],
            "document": doc,
            "company": company,
        },
    )


# ---------------------------------------------------------------------------------------------
# timezone-shift

_FIXED_ZONES = (
    ("Tokyo", "Asia/Tokyo"),
    ("Mumbai", "Asia/Kolkata"),
    ("Singapore", "Asia/Singapore"),
    ("Dubai", "Asia/Dubai"),
    ("Nairobi", "Africa/Nairobi"),
    ("Bogota", "America/Bogota"),
    ("Kathmandu", "Asia/Kathmandu"),
    ("Brisbane", "Australia/Brisbane"),
    ("Honolulu", "Pacific/Honolulu"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"),
    ("Shanghai", "Asia/Shanghai"),
    ("Lagos", "Africa/Lagos"),
    ("Jakarta", "Asia/Jakarta"),
    ("Lima", "America/Lima"),
)
_DST_ZONES = (
    ("London", "Europe/London"),
    ("Berlin", "Europe/Berlin"),
    ("Helsinki", "Europe/Helsinki"),
    ("Lisbon", "Europe/Lisbon"),
    ("New York", "America/New_York"),
    ("Chicago", "America/Chicago"),
    ("Denver", "America/Denver"),
    ("Los Angeles", "America/Los_Angeles"),
    ("Halifax", "America/Halifax"),
    ("St. John's", "America/St_Johns"),
    ("Sydney", "Australia/Sydney"),
    ("Adelaide", "Australia/Adelaide"),
    ("Auckland", "Pacific/Auckland"),
)
_MEETINGS = (
    "a product-launch call",
    "a board meeting",
    "a live-streamed lecture",
    "a server maintenance window",
    "a chess match broadcast",
    "a quarterly earnings call",
    "a satellite pass",
    "a job interview",
    "a charity concert stream",
    "an incident review",
)


def _transition_window(rng: random.Random, year: int) -> dt.date:
    """A date in one of the weeks when DST rules of different regions disagree."""
    window = rng.choice(
        [
            (dt.date(year, 3, 6), dt.date(year, 4, 8)),
            (dt.date(year, 9, 20), dt.date(year, 11, 8)),
        ]
    )
    return _random_date(rng, *window)


def _local_ok(naive: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    """Whether a wall-clock time exists exactly once in ``zone``."""
    aware = naive.replace(tzinfo=zone)
    back = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return back == naive and aware.utcoffset() == aware.replace(fold=1).utcoffset()


@skill(
    id="timezone-shift",
    name="Time-zone conversion",
    domain=DOMAIN,
    description="Convert a local date and time from one IANA time zone to another, honouring DST.",
    answer_type="string",
    procedure=[
        "Find the source zone's UTC offset in effect at that local date and time (standard time or "
        "daylight saving time).",
        "Convert the source local time to UTC by subtracting that offset.",
        "Find the destination zone's UTC offset in effect at that UTC instant.",
        "Add the destination offset to the UTC time, carrying any change of date across midnight.",
        "Verify by converting the result back to the source zone and checking that it gives the original "
        "local time.",
    ],
    why="Models apply the standard-time offset all year, or the offset difference in the wrong "
    "direction, and forget to roll the date over midnight.",
)
def timezone_shift(rng: random.Random, difficulty: int) -> GeneratedTask:
    year = rng.randint(2019, 2029)
    while True:
        if difficulty == 1:
            src, dst = rng.sample(_FIXED_ZONES, 2)
            day = _random_date(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
        elif difficulty == 2:
            pair = [rng.choice(_FIXED_ZONES), rng.choice(_DST_ZONES)]
            rng.shuffle(pair)
            src, dst = pair
            day = _random_date(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
        else:
            src, dst = rng.sample(_DST_ZONES, 2)
            day = _transition_window(rng, year)
        naive = dt.datetime(day.year, day.month, day.day, rng.randint(0, 23), rng.choice(range(0, 60, 5)))
        if _local_ok(naive, _zone(src[1])):
            break
    src_zone, dst_zone = _zone(src[1]), _zone(dst[1])
    aware = naive.replace(tzinfo=src_zone)
    src_off = aware.utcoffset()
    utc = aware.astimezone(UTC)
    out = utc.astimezone(dst_zone)
    dst_off = out.utcoffset()
    back = out.astimezone(src_zone)
    assert back.replace(tzinfo=None) == naive

    def kind(x: dt.datetime) -> str:
        return "daylight saving time in effect" if x.dst() else "standard time"

    fmt = "%Y-%m-%d %H:%M"
    day_note = (
        "same calendar date"
        if out.date() == naive.date()
        else ("next day" if out.date() > naive.date() else "previous day")
    )
    event = rng.choice(_MEETINGS)
    return GeneratedTask(
        prompt=(
            f"{event[0].upper()}{event[1:]} is set for {naive.strftime(fmt)} local time in {src[0]} "
            f"(time zone {src[1]}). What are the local date and time in {dst[0]} (time zone {dst[1]}) at "
            "that same moment? Apply each zone's real daylight-saving rules for that date. Answer in the "
            "format YYYY-MM-DD HH:MM (24-hour clock)."
        ),
        target=out.strftime(fmt),
        steps=[
            f"{src[1]} on {naive.strftime(fmt)}: {_fmt_offset(src_off)} ({kind(aware)}).",
            f"UTC: {utc.strftime(fmt)}.",
            f"{dst[1]} at that instant: {_fmt_offset(dst_off)} ({kind(out)}).",
            f"Local time in {dst[0]}: {out.strftime(fmt)} ({day_note}).",
            f"Check: {out.strftime(fmt)} {_fmt_offset(dst_off)} is {utc.strftime(fmt)} UTC, which is "
            f"{back.strftime(fmt)} in {src[1]}, the original time.",
        ],
        params={"local": naive.strftime(fmt), "from": src[1], "to": dst[1], "event": event},
    )


# ---------------------------------------------------------------------------------------------
# duration-between

_SPANS = (
    ("a sourdough starter experiment", "started", "ended"),
    ("a clinical sample's storage", "was frozen", "was thawed"),
    ("an expedition", "left base camp", "returned"),
    ("a server's uptime streak", "booted", "rebooted"),
    ("a bridge closure", "closed", "reopened"),
    ("a research cruise", "sailed", "docked"),
    ("a marathon fundraising drive", "opened", "closed"),
    ("a loan of a library book", "was checked out", "came back"),
    ("an art installation", "opened to the public", "was dismantled"),
)


def _day_count_text(a: dt.date, b: dt.date) -> str:
    """Month-by-month day count from ``a`` to ``b`` (a <= b)."""
    if (a.year, a.month) == (b.year, b.month):
        return f"same month: {b.day} - {a.day} = {(b - a).days}"
    first = _days_in_month(a.year, a.month) - a.day
    full, y, m = 0, a.year, a.month
    months = 0
    while True:
        m += 1
        if m > 12:
            y, m = y + 1, 1
        if (y, m) == (b.year, b.month):
            break
        full += _days_in_month(y, m)
        months += 1
    total = first + full + b.day
    return (
        f"{first} days left in {MONTHS[a.month - 1]} {a.year} + {full} days in the {months} full "
        f"month(s) between + {b.day} days into {MONTHS[b.month - 1]} {b.year} = {total}"
    )


@skill(
    id="duration-between",
    name="Duration between two moments",
    domain=DOMAIN,
    description="Compute the elapsed days or minutes between two dates or timestamps.",
    answer_type="integer",
    procedure=[
        "Put both moments on a common clock: if they carry different UTC offsets, convert each to UTC "
        "by subtracting its offset.",
        "Count the whole calendar days between the two dates month by month, using true month lengths "
        "and leap years.",
        "Take the difference of the times of day in minutes; if it is negative, borrow one day "
        "(1440 minutes).",
        "Combine into the requested unit (days, or days x 1440 + minutes).",
        "Verify by adding the duration to the start moment and checking that it lands exactly on the "
        "end moment.",
    ],
    why="Models miscount month lengths and leap days, mishandle the borrow across midnight, and ignore "
    "differing UTC offsets.",
)
def duration_between(rng: random.Random, difficulty: int) -> GeneratedTask:
    what, verb_a, verb_b = rng.choice(_SPANS)
    if difficulty == 1:
        a = _random_date(rng, dt.date(1990, 1, 1), dt.date(2035, 12, 31))
        b = a + dt.timedelta(days=rng.randint(20, 420))
        days = (b - a).days
        style = rng.randrange(3)
        return GeneratedTask(
            prompt=(
                f"For {what}: it {verb_a} on {_long_date(a, style)} and {verb_b} on {_long_date(b, style)}. "
                "How many days after the first date is the second one (for example, from the 1st to the "
                "3rd of a month is 2 days)? Answer with a single integer."
            ),
            target=str(days),
            steps=[
                "Both are plain calendar dates on the same calendar; no conversion is needed.",
                f"Day count: {_day_count_text(a, b)}.",
                "No times of day are given, so there is no minute difference to borrow.",
                f"Total: {days} days.",
                f"Check: {a.isoformat()} + {days} days = {(a + dt.timedelta(days=days)).isoformat()}.",
            ],
            params={"start": a.isoformat(), "end": b.isoformat(), "what": what, "style": style},
        )
    minute = lambda: rng.choice(range(0, 60, 1 if difficulty == 3 else 5))  # noqa: E731
    if difficulty == 2:
        a_date = _random_date(rng, dt.date(1995, 1, 1), dt.date(2035, 12, 31))
        a = dt.datetime.combine(a_date, dt.time(rng.randint(0, 23), minute()))
        b = a + dt.timedelta(days=rng.randint(1, 60), minutes=rng.randint(-1439, 1439))
        a_off = b_off = dt.timedelta(0)
        a_txt, b_txt = a.strftime("%Y-%m-%d %H:%M"), b.strftime("%Y-%m-%d %H:%M")
        clock = "Both times are on the same local clock, which keeps one fixed UTC offset (no daylight-saving change)."
    else:
        offsets = [dt.timedelta(minutes=m) for m in range(-600, 841, 30)]
        a_off, b_off = rng.choice(offsets), rng.choice(offsets)
        a_date = _random_date(rng, dt.date(1995, 1, 1), dt.date(2035, 12, 31))
        a = dt.datetime.combine(a_date, dt.time(rng.randint(0, 23), minute()))
        b = a + dt.timedelta(days=rng.randint(2, 400), minutes=rng.randint(-1439, 1439))
        # b is the wall-clock reading at offset b_off
        a_txt = a.strftime("%Y-%m-%dT%H:%M") + _fmt_offset(a_off)[3:]
        b_txt = b.strftime("%Y-%m-%dT%H:%M") + _fmt_offset(b_off)[3:]
        clock = "The timestamps are ISO 8601 with their UTC offsets."
    a_utc, b_utc = a - a_off, b - b_off
    total = int((b_utc - a_utc).total_seconds()) // 60
    assert total > 0
    days = (b_utc.date() - a_utc.date()).days
    tod = (b_utc.hour * 60 + b_utc.minute) - (a_utc.hour * 60 + a_utc.minute)
    if tod < 0:
        borrow = f"{tod} is negative, so borrow a day: {days} - 1 = {days - 1} days and {tod + 1440} minutes"
        d_final, m_final = days - 1, tod + 1440
    else:
        borrow = f"{tod} minutes, no borrow needed"
        d_final, m_final = days, tod
    assert d_final * 1440 + m_final == total
    if difficulty == 2:
        step1 = "Both times are on the same clock; no conversion needed."
    else:
        step1 = (
            f"In UTC: start {a_txt} -> {a_utc.strftime('%Y-%m-%d %H:%M')}, end {b_txt} -> "
            f"{b_utc.strftime('%Y-%m-%d %H:%M')}."
        )
    fmt = "%Y-%m-%d %H:%M"
    return GeneratedTask(
        prompt=(
            f"For {what}: it {verb_a} at {a_txt} and {verb_b} at {b_txt}. {clock} How many minutes "
            "elapsed between the two moments? Answer with a single integer."
        ),
        target=str(total),
        steps=[
            step1,
            f"Day count between {a_utc.date().isoformat()} and {b_utc.date().isoformat()}: "
            f"{_day_count_text(a_utc.date(), b_utc.date())}.",
            f"Time-of-day difference: {b_utc.strftime('%H:%M')} - {a_utc.strftime('%H:%M')} = {borrow}.",
            f"Total: {d_final} x 1440 + {m_final} = {total} minutes.",
            f"Check: {a_utc.strftime(fmt)} + {total} minutes = "
            f"{(a_utc + dt.timedelta(minutes=total)).strftime(fmt)}, the end moment"
            + (" in UTC." if difficulty == 3 else "."),
        ],
        params={"start": a_txt, "end": b_txt, "what": what},
    )


# ---------------------------------------------------------------------------------------------
# iso-week-date

_ISO_CONTEXTS = (
    "the production planner of {org}",
    "the payroll system of {org}",
    "a sprint-tracking tool used by {org}",
    "a weekly sales report for {org}",
    "a shipping manifest from {org}",
    "the timetable generator at {org}",
    "the staff rota of {org}",
    "an audit log kept by {org}",
)
_ISO_ORGS = (
    "Harbourside Hospital",
    "Millbrook Academy",
    "Quarry Lane Bakery",
    "Redwood Robotics",
    "Saltmarsh Farms",
    "Tidewater Port Authority",
    "Upland Textiles",
    "Vantage Studios",
    "Westbrook Library",
    "Yarrow Foods",
    "Zephyr Cycles",
    "Ashgrove Brewery",
)
_ISO_ASKS = (
    "Give it in the form YYYY-Www-D (e.g. 2015-W07-4): ISO week-numbering year, two-digit week number, "
    "weekday number with Monday = 1.",
    "Write the answer as YYYY-Www-D, for example 2009-W53-7, using the ISO week-numbering year (which can "
    "differ from the calendar year), a two-digit week and the weekday 1-7 (Monday = 1).",
    "Answer in ISO notation YYYY-Www-D such as 2020-W01-2 (week-based year, zero-padded week, day of week "
    "from Monday = 1 to Sunday = 7).",
)


@skill(
    id="iso-week-date",
    name="ISO 8601 week date",
    domain=DOMAIN,
    description="Convert a calendar date into its ISO 8601 week date (ISO year, week number, weekday).",
    answer_type="string",
    procedure=[
        "Find the weekday number of the date, with Monday = 1 through Sunday = 7.",
        "Find the ordinal day of the year (1 to 365 or 366), adding month lengths including leap days.",
        "Compute week = floor((ordinal - weekday + 10) / 7).",
        "If week is 0, the date belongs to the last week (52 or 53) of the previous ISO year; if week is "
        "53 but the year has only 52 ISO weeks, it is week 1 of the next ISO year.",
        "Verify: the Thursday of the same week lies in the ISO year you chose, and its ordinal day "
        "determines the same week number.",
    ],
    why="Models use the calendar year and a naive day-of-year / 7 week number, which fails around New "
    "Year and in 53-week years.",
)
def iso_week_date(rng: random.Random, difficulty: int) -> GeneratedTask:
    if difficulty == 1:
        d = _random_date(rng, dt.date(1990, 1, 1), dt.date(2040, 12, 31))
        while not (2 <= d.month <= 11):
            d = _random_date(rng, dt.date(1990, 1, 1), dt.date(2040, 12, 31))
    elif difficulty == 2:
        d = _random_date(rng, dt.date(1900, 1, 1), dt.date(2100, 12, 31))
    else:
        year = rng.randint(1900, 2100)
        d = dt.date(year, 12, 26) + dt.timedelta(days=rng.randint(0, 10))
    weekday = d.isoweekday()
    ordinal = d.timetuple().tm_yday
    raw = (ordinal - weekday + 10) // 7
    iso = d.isocalendar()
    weeks_in = lambda y: dt.date(y, 12, 28).isocalendar().week  # noqa: E731
    if raw == 0:
        adjust = (
            f"week 0 -> last week of {d.year - 1}, which has {weeks_in(d.year - 1)} ISO weeks: "
            f"{iso.year}-W{iso.week:02d}"
        )
    elif raw > weeks_in(d.year):
        adjust = f"week {raw} but {d.year} has only {weeks_in(d.year)} ISO weeks -> week 1 of {d.year + 1}"
    else:
        adjust = f"week {raw} is valid ({d.year} has {weeks_in(d.year)} ISO weeks)"
    target = f"{iso.year}-W{iso.week:02d}-{iso.weekday}"
    thursday = d + dt.timedelta(days=4 - weekday)
    t_ord = thursday.timetuple().tm_yday
    style = rng.randrange(3)
    shown = _long_date(d, style)
    if difficulty == 1:
        shown = f"{WEEKDAYS[d.weekday()]}, {shown}"
    org = rng.choice(_ISO_ORGS)
    context = rng.choice(_ISO_CONTEXTS).format(org=org)
    ask_id = rng.randrange(len(_ISO_ASKS))
    months_before = sum(_days_in_month(d.year, m) for m in range(1, d.month))
    return GeneratedTask(
        prompt=(
            f"For {context}, the date {shown} must be written as an ISO 8601 week date. {_ISO_ASKS[ask_id]}"
        ),
        target=target,
        steps=[
            f"{d.isoformat()} is a {WEEKDAYS[d.weekday()]}: weekday {weekday}.",
            f"Ordinal day: {months_before} days in earlier months + {d.day} = {ordinal}.",
            f"week = floor(({ordinal} - {weekday} + 10) / 7) = floor({ordinal - weekday + 10} / 7) = {raw}.",
            f"{adjust[0].upper()}{adjust[1:]}; the week date is {target}.",
            f"Check: the Thursday of that week is {thursday.isoformat()} (ordinal {t_ord} of "
            f"{thursday.year}), so ISO year {thursday.year} and week ({t_ord} - 1) div 7 + 1 = "
            f"{(t_ord - 1) // 7 + 1}.",
        ],
        params={"date": d.isoformat(), "style": style, "context": context, "ask": ask_id},
    )
