"""docs/DATASET.md shows the current catalog."""

from pathlib import Path

from procskill.generators.build import catalog_card

DATASET_MD = Path(__file__).parents[2] / "docs" / "DATASET.md"


def test_dataset_card_is_current():
    text = DATASET_MD.read_text(encoding="utf-8")
    body = text.split("-->\n", 1)[1].split("<!-- catalog-card:end -->")[0]
    assert body == catalog_card(), "regenerate the tables with `procskill catalog card`"
