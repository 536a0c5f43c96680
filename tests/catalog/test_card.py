"""docs/DATASET.md shows the current catalog."""

from pathlib import Path

from procskill.generators.build import catalog_card

DATASET_MD = Path(__file__).parents[2] / "docs" / "DATASET.md"


def test_dataset_card_is_current():
    text = DATASET_MD.read_text(encoding="utf-8")
    body = text.split("-->\n", 1)[1].split("<!-- catalog-card:end -->")[0]
    assert body == catalog_card(), "regenerate the tables with `procskill catalog card`"


def test_best_constant_guess_counts_decisions_not_wording():
    from procskill.generators.build import best_constant_guess

    targets = ["SEV2: payments fail; page on-call.", "SEV2: 5% of users; page.", "SEV3: internal tool.", "SEV1: data loss."]
    assert best_constant_guess("incident_triage", targets) == ("SEV2", 2)
    assert best_constant_guess("gcd_euclid", ["4", "7", " 4"]) == ("4", 2)
    assert best_constant_guess("gcd_euclid", ["9", "3"]) == ("3", 1)  # a tie goes to the first decision


# Skills whose holdout a constant decision still wins (issue #13 item 2, open): the floor is on the card.
CONSTANT_GUESS_OPEN = {"incident_triage", "capacity_decision", "flaky_test_diagnosis"}
TWO_DECISION_SKILLS = {"code_review_verdict"}  # approve / request changes: 3 of 5 is the best balance


def test_no_constant_guess_wins_a_skill():
    import pytest

    from procskill.generators.build import best_constant_guess
    from procskill.skills import BUILTIN_DIR, load_packs

    over = {}
    for pack in load_packs(BUILTIN_DIR):
        _, hits = best_constant_guess(pack.id, [t.target for t in pack.split("holdout")])
        if hits > (3 if pack.id in TWO_DECISION_SKILLS else 2):
            over[pack.id] = hits
    assert set(over) <= CONSTANT_GUESS_OPEN, over
    if over:
        pytest.xfail(f"constant guesses still win: {over}")
